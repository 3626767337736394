/** The table of migrations/0006_drills.sql, as Kysely sees it (see schema.ts). */

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

export interface DrillTables {
  drills: DrillsTable;
}
