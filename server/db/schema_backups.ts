/** The tables of migrations/0004_backups.sql, as Kysely sees them (see schema.ts). */

export interface SshKeysTable {
  id: string;
  name: string;
  algorithm: string;
  public_key: string;
  fingerprint: string;
  private_key_sealed: string;
  passphrase_sealed: string | null;
  origin: "generated" | "imported";
  created_by: string;
  created_at: number;
}

export interface RepositoriesTable {
  id: string;
  name: string;
  engine: "restic" | "borg";
  location: string;
  passphrase_sealed: string;
  credentials_sealed: string | null;
  ssh_key_id: string | null;
  known_hosts: string | null;
  state: "new" | "ready" | "error";
  append_only: number | null;
  stats: string;
  lock_state: string;
  last_check_at: number | null;
  last_check_status: string | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface PlansTable {
  id: string;
  name: string;
  repository_id: string;
  target_host_id: string | null;
  target_tag: string | null;
  sources: string;
  excludes: string;
  exclude_if_present: string;
  one_file_system: number;
  compression: string | null;
  tags: string;
  limits: string;
  retention: string;
  hooks_sealed: string | null;
  enabled: number;
  /** ms; PAUSED_INDEFINITELY for "until resumed"; null when not paused (0007). */
  paused_until?: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export type JobStatusColumn =
  | "queued"
  | "sent"
  | "running"
  | "ok"
  | "warning"
  | "failed"
  | "cancelled";

export interface JobsTable {
  id: string;
  host_id: string;
  repository_id: string;
  plan_id: string | null;
  kind: string;
  exclusive: number;
  status: JobStatusColumn;
  options: string;
  trigger: string;
  created_by: string;
  created_at: number;
  sent_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  cancel_requested_at: number | null;
  progress: string | null;
  command_line: string | null;
  exit_code: number | null;
  failure_code: string | null;
  message: string | null;
  tail: string | null;
  result: string | null;
  snapshot_id: string | null;
  log_lines: number;
  /** The schedule a run an agent fired came from, and the run time it stands for (0007). */
  schedule_id: string | null;
  scheduled_for: number | null;
}

export interface SnapshotsTable {
  repository_id: string;
  snapshot_id: string;
  short_id: string;
  time: number;
  hostname: string;
  host_id: string | null;
  plan_id: string | null;
  paths: string;
  tags: string;
  size_bytes: number | null;
  file_count: number | null;
  refresh_id: string;
}

export interface BackupTables {
  ssh_keys: SshKeysTable;
  repositories: RepositoriesTable;
  plans: PlansTable;
  jobs: JobsTable;
  snapshots: SnapshotsTable;
}
