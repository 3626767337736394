/**
 * Applies a batch of the primary's change log on a standby, in one transaction together with the
 * new applied position: a crash leaves the batch and its position both in or both out, and a
 * batch seen again is skipped entry by entry by position. A batch from an older epoch, one that
 * starts past the applied position (a gap) or has a hole inside is refused whole.
 *
 * Row images stay JSON text all the way into SQLite: `json_extract` gives each value back with
 * the type the primary stored (integer, real, text, null), so nothing passes through a
 * JavaScript number on the way.
 */
import type { ChangeBatch, ChangeEntry } from "../contract/replication.ts";
import type { MigrationFile } from "./capture.ts";
import { imageColumns, schemaTag } from "./capture.ts";
import { ReplicationRefusedError } from "./errors.ts";
import { installReadOnlyGuard } from "./guard.ts";
import type { SqlConn } from "./repo.ts";
import { quoteIdent, quoteText, readTableShape } from "./tables.ts";
import type { TableShape } from "./tables.ts";

interface TableStatements {
  shape: TableShape;
  upsert: string;
  remove: string;
  /** The image columns the values map onto, in order. */
  columns: string[];
}

function extract(t: TableShape, col: string, param: string, index?: number): string {
  const path = index === undefined ? `$."${col}"` : `$[${index + 1}]`;
  const v = `json_extract(${param}, ${quoteText(path)})`;
  return t.blobs.has(col) ? `unhex(${v})` : v;
}

/**
 * Statements for one table. `arrayOf` set: images are arrays of the schema tag and the values of
 * the first `arrayOf` image columns, in order; otherwise objects by name.
 */
function statementsFor(t: TableShape, arrayOf?: number): TableStatements {
  const cols = arrayOf === undefined ? imageColumns(t) : imageColumns(t).slice(0, arrayOf);
  const names = cols.map((c) => (c === "rowid" ? "rowid" : quoteIdent(c))).join(", ");
  const values = cols.map((c, i) => extract(t, c, "?1", arrayOf === undefined ? undefined : i))
    .join(", ");
  const byKey = t.key.map((k) =>
    `${k === "rowid" ? "rowid" : quoteIdent(k)} = ${extract(t, k, "?1")}`
  )
    .join(" AND ");
  const table = quoteIdent(t.name);
  const rest = t.columns.filter((c) => !t.key.includes(c));
  const upsert = t.key[0] === "rowid"
    ? `INSERT OR REPLACE INTO ${table} (${names}) SELECT ${values}`
    : `INSERT INTO ${table} (${names}) SELECT ${values} WHERE true ON CONFLICT (` +
      t.key.map(quoteIdent).join(", ") + ") DO " +
      (rest.length === 0 ? "NOTHING" : "UPDATE SET " +
        rest.map((c) => `${quoteIdent(c)} = excluded.${quoteIdent(c)}`).join(", "));
  return { shape: t, upsert, remove: `DELETE FROM ${table} WHERE ${byKey}`, columns: cols };
}

/** The schema tag of each leading run of the table's image columns, and the run's length. */
function tagsOf(t: TableShape): Map<string, number> {
  const cols = imageColumns(t);
  const out = new Map<string, number>();
  for (let n = 1; n <= cols.length; n++) out.set(schemaTag(cols.slice(0, n)), n);
  return out;
}

export interface Applier {
  /** Applies the batch; returns the position applied up to. */
  apply(batch: ChangeBatch, now: number): { position: number; applied: number };
}

export function createApplier(conn: SqlConn, migrations: MigrationFile[]): Applier {
  const tables = new Map<
    string,
    { shape: TableShape; byName: TableStatements; tags: Map<string, number> }
  >();
  const arrays = new Map<string, TableStatements>();
  const table = (name: string) => {
    let s = tables.get(name);
    if (!s) {
      const exists = conn.get(
        "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?",
        [name],
      );
      if (!exists) {
        throw new ReplicationRefusedError(
          "schema_mismatch",
          `The primary changed a table this standby does not have: ${name}`,
        );
      }
      const shape = readTableShape(conn, name);
      s = { shape, byName: statementsFor(shape), tags: tagsOf(shape) };
      tables.set(name, s);
    }
    return s;
  };
  /** The statements for an entry's image: by its schema tag (arrays) or by name (objects). */
  const statements = (e: ChangeEntry): TableStatements => {
    const t = table(e.table);
    const tag = e.row?.startsWith('["') ? e.row.slice(2, 10) : null;
    if (tag === null) return t.byName;
    const key = `${e.table}/${tag}`;
    let s = arrays.get(key);
    if (!s) {
      const n = t.tags.get(tag);
      if (n === undefined) {
        throw new ReplicationRefusedError(
          "schema_mismatch",
          `The primary's table ${e.table} has other columns than this standby's; run the same Cairn version on both`,
        );
      }
      s = statementsFor(t.shape, n);
      arrays.set(key, s);
    }
    return s;
  };

  const applyMigration = (e: ChangeEntry) => {
    const checksum = (JSON.parse(e.key ?? "{}") as { checksum?: string }).checksum;
    const have = conn.get<{ checksum: string }>(
      "SELECT checksum FROM schema_migrations WHERE name = ?",
      [e.table],
    );
    if (have) {
      if (have.checksum === checksum) return;
      throw new ReplicationRefusedError(
        "schema_mismatch",
        `The primary's migration differs from this standby's: ${e.table}`,
      );
    }
    const file = migrations.find((m) => m.name === e.table);
    if (!file || file.checksum !== checksum) {
      throw new ReplicationRefusedError(
        "schema_mismatch",
        `The primary applied a migration this standby's version does not have; upgrade the standby to the primary's version: ${e.table}`,
      );
    }
    conn.exec(file.sql);
    conn.run("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)", [
      file.name,
      file.checksum,
      e.at,
    ]);
    tables.clear();
    arrays.clear();
    installReadOnlyGuard(conn); // the migration's new tables are guarded too
  };

  const applyRow = (e: ChangeEntry) => {
    if (e.op === "delete") {
      conn.run(table(e.table).byName.remove, [e.key]);
      return;
    }
    const s = statements(e);
    if (e.op === "update" && keyChanged(s, e)) conn.run(s.remove, [e.key]);
    conn.run(s.upsert, [e.row]);
  };

  return {
    apply(batch, now) {
      return conn.write(() => {
        const state = conn.get<{ role: string; epoch: number; applied_position: number }>(
          "SELECT role, epoch, applied_position FROM replication_state WHERE id = 1",
        )!;
        checkBatch(batch, state);
        conn.run("UPDATE replication_state SET applying = 1 WHERE id = 1");
        let applied = 0;
        let lastAt: number | null = null;
        for (const e of batch.entries) {
          if (e.position <= state.applied_position) continue;
          if (e.op === "migration") applyMigration(e);
          else applyRow(e);
          applied++;
          lastAt = e.at;
        }
        const position = Math.max(state.applied_position, batch.last);
        conn.run(
          "UPDATE replication_state SET applied_position = ?, epoch = ?, applied_at = ?, " +
            "applied_change_at = COALESCE(?, applied_change_at), last_error = NULL, updated_at = ?, " +
            "applying = 0 WHERE id = 1",
          [position, batch.epoch, now, lastAt, now],
        );
        return { position, applied };
      });
    },
  };
}

function keyChanged(s: TableStatements, e: ChangeEntry): boolean {
  const oldKey = JSON.parse(e.key ?? "{}") as Record<string, unknown>;
  const image = JSON.parse(e.row ?? "{}") as unknown;
  const valueOf = Array.isArray(image)
    ? (k: string) => image[s.columns.indexOf(k) + 1]
    : (k: string) => (image as Record<string, unknown>)[k];
  return s.shape.key.some((k) => oldKey[k] !== valueOf(k));
}

function checkBatch(
  batch: ChangeBatch,
  state: { role: string; epoch: number; applied_position: number },
): void {
  if (state.role !== "standby") {
    throw new ReplicationRefusedError("not_standby", "This appliance is not a standby");
  }
  if (batch.epoch < state.epoch) {
    throw new ReplicationRefusedError(
      "stale_epoch",
      `The batch comes from an older epoch (${batch.epoch}) than this standby's (${state.epoch})`,
    );
  }
  if (batch.after > state.applied_position) {
    throw new ReplicationRefusedError(
      "gap",
      `The batch starts after position ${batch.after}, but this standby applied up to ${state.applied_position}`,
    );
  }
  let expected = batch.after + 1;
  for (const e of batch.entries) {
    if (e.position !== expected) {
      throw new ReplicationRefusedError(
        "gap",
        `The batch has a hole: position ${e.position} where ${expected} was due`,
      );
    }
    expected++;
  }
  if (batch.last !== expected - 1) {
    throw new ReplicationRefusedError(
      "gap",
      "The batch's last position does not match its entries",
    );
  }
}
