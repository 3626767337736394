/**
 * Which tables replicate, decided in one place: every table of the live schema does, except the
 * ones listed here with the reason. A table a later migration adds is captured without anyone
 * remembering it; one that must stay on its appliance has to be named below.
 */
import type { SqlConn } from "./repo.ts";

export const NOT_REPLICATED: Readonly<Record<string, string>> = {
  sessions: "a browser session belongs to the appliance that issued its cookie",
  auth_failures: "lockout counters count the failures this appliance saw",
  agent_challenges: "a challenge is single-use and lives under a minute where it was made",
  agent_sessions: "an agent session belongs to the appliance that issued it",
  schema_migrations: "migrations travel as log entries of their own, applied in order",
  indexed_snapshots: "the snapshot index is a cache rebuilt from the repositories on demand",
  index_names: "snapshot index cache",
  index_dirs: "snapshot index cache",
  index_children: "snapshot index cache",
  index_listings: "snapshot index cache",
  index_snapshot_dirs: "snapshot index cache",
  replication_log: "the change log itself",
  replication_state: "this appliance's own role, epoch and positions",
  replication_epochs: "kept by each appliance as it sees epochs begin",
  replication_pairing_codes: "a pairing code is for the appliance that made it",
};

export interface TableShape {
  name: string;
  columns: string[];
  /** The primary key's columns in key order; ["rowid"] for a table without a declared key. */
  key: string[];
  /** Columns declared BLOB: carried as hex in the row image. */
  blobs: Set<string>;
  withoutRowid: boolean;
}

export function isReplicated(name: string): boolean {
  return !name.startsWith("sqlite_") && !(name in NOT_REPLICATED);
}

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
}

export function readTableShape(conn: SqlConn, name: string): TableShape {
  const cols = conn.all<ColumnInfo>(`PRAGMA table_info(${quoteIdent(name)})`);
  const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const ddl = conn.get<{ sql: string }>(
    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
    [name],
  )?.sql ?? "";
  return {
    name,
    columns: cols.map((c) => c.name),
    key: key.length > 0 ? key : ["rowid"],
    blobs: new Set(cols.filter((c) => /BLOB/i.test(c.type)).map((c) => c.name)),
    withoutRowid: /WITHOUT\s+ROWID\s*;?\s*$/i.test(ddl),
  };
}

/** Every replicated table of the live schema, by name. */
export function replicatedTables(conn: SqlConn): TableShape[] {
  return conn.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
  ).filter((t) => isReplicated(t.name)).map((t) => readTableShape(conn, t.name));
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
