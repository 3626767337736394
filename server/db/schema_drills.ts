/** The tables of migrations/0006_drills.sql and 0011_drill_schedules.sql (see schema.ts). */

export interface DrillsTable {
  job_id: string;
  host_id: string;
  target_host_id: string;
  repository_id: string;
  plan_id: string | null;
  snapshot_id: string;
  sample_size: number;
  canary: string | null;
  created_by: string;
  created_at: number;
  finished_at: number | null;
  outcome: string | null;
  checked: number | null;
  mismatches: number | null;
  bytes: number | null;
  duration_ms: number | null;
  throughput: number | null;
  message: string | null;
}

export interface DrillSchedulesTable {
  id: string;
  scope: string;
  plan_id: string | null;
  host_id: string | null;
  rule: string;
  cron: string;
  time_zone: string;
  sample_size: number;
  target_host_id: string | null;
  enabled: number;
  last_run_at: number | null;
  last_drill_id: string | null;
  last_skip_reason: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface DrillTables {
  drills: DrillsTable;
  drill_schedules: DrillSchedulesTable;
}
