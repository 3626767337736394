/**
 * Replication's own connection to the appliance's libSQL file. Capture installs triggers,
 * the applier replays batches and the snapshot runs `VACUUM INTO`: all work on the schema as it
 * is at run time (tables come and go with migrations), which Kysely's typed queries cannot
 * express, so this is plain SQL through libsql's synchronous API, with statements cached by text.
 *
 * Foreign keys are off on this connection on purpose: the primary enforced them when the change
 * was made and its cascades were captured as rows of their own, so a standby replays exactly
 * what happened, in order, and an upsert never cascades into rows the log did not name.
 */
import Database from "libsql";

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlRow = Record<string, SqlValue>;

export interface SqlConn {
  all<T = SqlRow>(sql: string, params?: readonly SqlValue[]): T[];
  get<T = SqlRow>(sql: string, params?: readonly SqlValue[]): T | undefined;
  run(sql: string, params?: readonly SqlValue[]): { changes: number };
  exec(sql: string): void;
  /** Runs fn inside BEGIN IMMEDIATE … COMMIT; rolls back when it throws. */
  write<T>(fn: () => T): T;
  close(): void;
}

interface RawStatement {
  all(...params: unknown[]): Record<string, unknown>[];
  get(...params: unknown[]): Record<string, unknown> | undefined;
  run(...params: unknown[]): { changes: number };
}

function clean<T>(row: Record<string, unknown> | undefined): T | undefined {
  if (!row) return undefined;
  if ("_metadata" in row) delete row._metadata;
  return row as T;
}

export function openReplicationConn(file: string): SqlConn {
  const raw = new Database(file);
  raw.exec("PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = OFF;");
  raw.exec("PRAGMA synchronous = FULL;");
  const cache = new Map<string, RawStatement>();
  const prepare = (sql: string): RawStatement => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = raw.prepare(sql) as unknown as RawStatement;
      if (cache.size >= 300) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  let depth = 0;
  const conn: SqlConn = {
    all: <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql).all(...params).map((r) => clean<T>(r)!),
    get: <T>(sql: string, params: readonly SqlValue[] = []) =>
      clean<T>(prepare(sql).get(...params)),
    run: (sql, params = []) => prepare(sql).run(...params),
    exec(sql) {
      // DDL changes the schema: statements prepared before it may name what is gone.
      cache.clear();
      raw.exec(sql);
    },
    write(fn) {
      if (depth > 0) return fn();
      raw.exec("BEGIN IMMEDIATE");
      depth++;
      try {
        const out = fn();
        raw.exec("COMMIT");
        return out;
      } catch (err) {
        raw.exec("ROLLBACK");
        throw err;
      } finally {
        depth--;
      }
    },
    close: () => raw.close(),
  };
  return conn;
}
