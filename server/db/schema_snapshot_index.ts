/** The tables of migrations/0003_snapshot_index.sql, as Kysely sees them (see schema.ts). */
import type { Generated } from "kysely";

export type IndexedSnapshotState = "loading" | "ready" | "dropping";

export interface IndexedSnapshotsTable {
  seq: Generated<number>;
  snapshot_id: string;
  host_id: string;
  repository_id: string;
  tool: "restic" | "borg";
  tool_snapshot_id: string;
  snapshot_time: number;
  state: IndexedSnapshotState;
  entry_count: Generated<number>;
  dir_count: Generated<number>;
  total_size: Generated<number>;
  skipped_lines: Generated<number>;
  started_at: number;
  indexed_at: number | null;
}

export interface IndexNamesTable {
  id: Generated<number>;
  name: string;
}

export interface IndexDirsTable {
  id: Generated<number>;
  parent_id: number;
  name_id: number;
}

export interface IndexChildrenTable {
  name_id: number;
  dir_id: number;
}

export interface IndexListingsTable {
  id: Generated<number>;
  hash: Uint8Array;
  entry_count: number;
  data: Uint8Array;
}

export interface IndexSnapshotDirsTable {
  snapshot_seq: number;
  dir_id: number;
  listing_id: number;
  item_count: number;
  total_size: number;
}

export interface SnapshotIndexTables {
  indexed_snapshots: IndexedSnapshotsTable;
  index_names: IndexNamesTable;
  index_dirs: IndexDirsTable;
  index_children: IndexChildrenTable;
  index_listings: IndexListingsTable;
  index_snapshot_dirs: IndexSnapshotDirsTable;
}
