/** Tables and columns of migration 0005 (restores). */

export interface RestoresTable {
  job_id: string;
  repository_id: string;
  snapshot_id: string;
  source_host_id: string | null;
  target_host_id: string;
  target: string;
  target_dir: string;
  paths: string;
  overwrite: string;
  created_by: string;
  created_at: number;
}

export interface RestoreTables {
  restores: RestoresTable;
}
