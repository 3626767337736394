/**
 * Change capture on the primary. Three triggers per replicated table (cairn_rep_<table>_ins,
 * _upd, _del) write one replication_log row per changed row, inside the statement's own
 * transaction, so no write path can forget and a rolled-back write leaves no entry.
 *
 * The triggers are built from the live schema each time the appliance starts as primary (and
 * when it is promoted), never written in a migration: a later migration's table is captured
 * without a list to keep up to date, and a migration that adds or drops a column gets triggers
 * that name exactly the columns that exist. They are dropped before migrations run, so a
 * migration never trips over a trigger naming a column it removes; rows a migration itself
 * writes are not captured, because the standby runs the same migration SQL (shipped as a
 * 'migration' log entry ahead of every row written after it).
 *
 * A standby has no triggers: it applies the primary's log without writing a log of its own.
 */
import { sha256Hex } from "../ids.ts";
import type { SqlConn } from "./repo.ts";
import { quoteIdent, quoteText, replicatedTables } from "./tables.ts";
import type { TableShape } from "./tables.ts";

const TRIGGER_PREFIX = "cairn_rep_";
/** SQLite allows 127 function arguments; json_object takes two per column. */
const PAIRS_PER_CALL = 60;
/** json_array takes the schema tag and one per column; wider tables get named images. */
const MAX_ARRAY_COLUMNS = 120;
/** Unix ms from the statement's clock; julianday() parses no modifier, unlike 'subsec'. */
const NOW_MS = "CAST((julianday() - 2440587.5) * 86400000 AS INTEGER)";

function valueOf(t: TableShape, ref: "NEW" | "OLD", col: string): string {
  const v = col === "rowid" ? `${ref}.rowid` : `${ref}.${quoteIdent(col)}`;
  return t.blobs.has(col) ? `CASE WHEN ${v} IS NULL THEN NULL ELSE hex(${v}) END` : v;
}

function jsonOf(t: TableShape, ref: "NEW" | "OLD", cols: string[]): string {
  const calls: string[] = [];
  for (let i = 0; i < cols.length; i += PAIRS_PER_CALL) {
    const pairs = cols.slice(i, i + PAIRS_PER_CALL)
      .map((c) => `${quoteText(c)}, ${valueOf(t, ref, c)}`);
    calls.push(`json_object(${pairs.join(", ")})`);
  }
  return calls.reduce((acc, c) => `json_patch(${acc}, ${c})`);
}

/**
 * The tag a row image carries ahead of its values: which columns, in which order, they are.
 * The standby maps the values onto its own columns only when its columns (or their first ones,
 * after a migration that added some at the end) carry the same tag.
 */
export function schemaTag(cols: string[]): string {
  return sha256Hex(cols.join("\u0000")).slice(0, 8);
}

/**
 * A row image: a JSON array of the schema tag and every column's value in column order (no
 * names: half the bytes and less work in the trigger), or a JSON object by name for a table too
 * wide for one json_array call.
 */
function imageOf(t: TableShape, ref: "NEW" | "OLD", cols: string[]): string {
  if (cols.length > MAX_ARRAY_COLUMNS) return jsonOf(t, ref, cols);
  const values = cols.map((c) => valueOf(t, ref, c)).join(", ");
  return `json_array(${quoteText(schemaTag(cols))}, ${values})`;
}

/** The row image's columns: every column, plus the rowid when it is the only key. */
export function imageColumns(t: TableShape): string[] {
  return t.key[0] === "rowid" ? ["rowid", ...t.columns] : t.columns;
}

export function triggerSql(t: TableShape): string[] {
  const name = (suffix: string) => quoteIdent(`${TRIGGER_PREFIX}${t.name}_${suffix}`);
  const table = quoteIdent(t.name);
  const tbl = quoteText(t.name);
  const cols = imageColumns(t);
  const insert = (op: string, pk: string, image: string) =>
    `INSERT INTO replication_log (op, tbl, pk, row_image, at) VALUES ` +
    `('${op}', ${tbl}, ${pk}, ${image}, ${NOW_MS});`;
  return [
    `CREATE TRIGGER ${name("ins")} AFTER INSERT ON ${table} BEGIN ` +
    // An insert's key is in its row image: no second json_object on the hottest path.
    insert("insert", "NULL", imageOf(t, "NEW", cols)) + " END",
    // The key is the old one: an update that changes the key replaces the row it names.
    `CREATE TRIGGER ${name("upd")} AFTER UPDATE ON ${table} BEGIN ` +
    insert("update", jsonOf(t, "OLD", t.key), imageOf(t, "NEW", cols)) + " END",
    `CREATE TRIGGER ${name("del")} AFTER DELETE ON ${table} BEGIN ` +
    insert("delete", jsonOf(t, "OLD", t.key), "NULL") + " END",
  ];
}

function captureTriggerNames(conn: SqlConn): string[] {
  return conn.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cairn\\_rep\\_%' ESCAPE '\\'",
  ).map((r) => r.name);
}

/** Drops every capture trigger (before migrations, and when becoming a standby). */
export function removeCapture(conn: SqlConn): void {
  conn.write(() => {
    for (const name of captureTriggerNames(conn)) conn.exec(`DROP TRIGGER ${quoteIdent(name)}`);
  });
}

/**
 * Builds the trigger set again from the live schema, in one transaction with logging the
 * migrations the log has not carried yet, so they come before any row written after them.
 * Returns the tables it captures.
 */
export function installCapture(
  conn: SqlConn,
  opts: { migrations: MigrationFile[]; now: number },
): string[] {
  return conn.write(() => {
    for (const name of captureTriggerNames(conn)) conn.exec(`DROP TRIGGER ${quoteIdent(name)}`);
    logNewMigrations(conn, opts.migrations, opts.now);
    const tables = replicatedTables(conn);
    for (const t of tables) for (const sql of triggerSql(t)) conn.exec(sql);
    return tables.map((t) => t.name);
  });
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/**
 * Appends a 'migration' entry (name, checksum, SQL) for every applied migration the log has not
 * carried yet, in name order. The names carried are kept in the state row, since trimming
 * removes old entries.
 */
export function logNewMigrations(conn: SqlConn, files: MigrationFile[], now: number): string[] {
  const state = conn.get<{ migrations_logged: string }>(
    "SELECT migrations_logged FROM replication_state WHERE id = 1",
  );
  const logged = new Set<string>(JSON.parse(state?.migrations_logged ?? "[]"));
  const byName = new Map(files.map((f) => [f.name, f]));
  const applied = conn.all<{ name: string; checksum: string }>(
    "SELECT name, checksum FROM schema_migrations ORDER BY name",
  );
  const added: string[] = [];
  for (const m of applied) {
    if (logged.has(m.name)) continue;
    conn.run(
      "INSERT INTO replication_log (op, tbl, pk, row_image, at) VALUES ('migration', ?, ?, ?, ?)",
      [m.name, JSON.stringify({ checksum: m.checksum }), byName.get(m.name)?.sql ?? null, now],
    );
    logged.add(m.name);
    added.push(m.name);
  }
  if (added.length > 0) {
    conn.run("UPDATE replication_state SET migrations_logged = ? WHERE id = 1", [
      JSON.stringify([...logged].sort()),
    ]);
  }
  return added;
}

/**
 * The last position the log handed out; 0 for a log that never held one. Positions are the
 * rowid (no AUTOINCREMENT: its counter row was a second write per change), so the newest row is
 * never trimmed (trimLog), and a log emptied on purpose keeps a 'mark' row at its last position.
 */
export function lastPosition(conn: SqlConn): number {
  const row = conn.get<{ p: number | null }>("SELECT max(position) AS p FROM replication_log");
  return Number(row?.p ?? 0);
}

/** Makes the next position after `position` (a promoted standby continues the numbering). */
export function continueLogAfter(conn: SqlConn, position: number): void {
  conn.write(() => {
    conn.run("DELETE FROM replication_log");
    if (position > 0) {
      conn.run(
        "INSERT INTO replication_log (position, op, tbl, pk, row_image, at) " +
          "VALUES (?, 'mark', '', NULL, NULL, 0)",
        [position],
      );
    }
  });
}
