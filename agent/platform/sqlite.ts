/**
 * The outbox's SQLite seam. Two drivers write the same file format (libSQL is SQLite's format):
 *
 * - `node:sqlite`, built into the Deno runtime the appliance ships to hosts (2.2 and later):
 *   nothing to load, so an idle agent stays about 15 MB smaller than with the native module,
 *   and the bundle needs no per-architecture native package.
 * - the `libsql` npm package, wherever `node:sqlite` is missing (Node 20).
 *
 * Both run the outbox's contract tests; `CAIRN_AGENT_SQLITE=libsql` picks the second on purpose.
 */

export type SqlValue = string | number | null;

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number };
  get(...params: SqlValue[]): Record<string, unknown> | undefined;
  all(...params: SqlValue[]): Record<string, unknown>[];
}

export interface SqlDatabase {
  driver: SqliteDriver;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

export type SqliteDriver = "node:sqlite" | "libsql";

interface RawStatement {
  run(...p: unknown[]): { changes: number | bigint };
  get(...p: unknown[]): unknown;
  all(...p: unknown[]): unknown[];
}

interface RawDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): RawStatement;
  close(): unknown;
}

function wrap(raw: RawDatabase, driver: SqliteDriver): SqlDatabase {
  return {
    driver,
    exec: (sql) => void raw.exec(sql),
    prepare(sql) {
      const s = raw.prepare(sql);
      return {
        run: (...p) => ({ changes: Number(s.run(...p).changes) }),
        get: (...p) => (s.get(...p) as Record<string, unknown> | undefined) ?? undefined,
        all: (...p) => s.all(...p) as Record<string, unknown>[],
      };
    },
    close: () => void raw.close(),
  };
}

async function openNodeSqlite(file: string): Promise<SqlDatabase | null> {
  let mod: { DatabaseSync: new (path: string) => RawDatabase };
  try {
    mod = await import("node:sqlite");
  } catch {
    return null; // this runtime has no built-in SQLite: the caller falls back to libsql
  }
  return wrap(new mod.DatabaseSync(file), "node:sqlite");
}

async function openLibsql(file: string): Promise<SqlDatabase> {
  const { default: Database } = await import("libsql");
  return wrap(new Database(file) as unknown as RawDatabase, "libsql");
}

/** Opens a SQLite file with the preferred driver (or the one asked for). */
export async function openSqlite(file: string, driver?: SqliteDriver): Promise<SqlDatabase> {
  if (driver === "libsql") return await openLibsql(file);
  const built = await openNodeSqlite(file);
  if (built) return built;
  if (driver === "node:sqlite") throw new Error("This runtime has no node:sqlite");
  return await openLibsql(file);
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE: the write lock is taken up front). */
export function inTransaction<T>(db: SqlDatabase, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}
