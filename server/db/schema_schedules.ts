/** The tables of migrations/0007_schedules.sql, as Kysely sees them (see schema.ts). */

export interface SchedulesTable {
  id: string;
  plan_id: string;
  kind: string;
  rule: string;
  cron: string;
  time_zone: string;
  jitter_minutes: number;
  catch_up: string;
  enabled: number;
  runner_host_id: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface HostSchedulesTable {
  host_id: string;
  pushed_version: number;
  content_hash: string | null;
  pushed_at: number | null;
  applied_version: number;
  applied_at: number | null;
}

export interface ScheduleTables {
  schedules: SchedulesTable;
  host_schedules: HostSchedulesTable;
}
