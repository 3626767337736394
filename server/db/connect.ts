/**
 * Opens the appliance's libSQL file for Kysely. The `libsql` package speaks the better-sqlite3
 * API, which Kysely's SQLite dialect drives directly; WAL lets readers run beside the writer and
 * the busy timeout makes a second connection (migrations, backups) wait instead of failing.
 */
import Database from "libsql";
import { Kysely, SqliteDialect } from "kysely";
import type { Database as Schema } from "./schema.ts";

export type Db = Kysely<Schema>;

export interface OpenedDb {
  db: Db;
  close(): Promise<void>;
}

export function openDb(file: string): OpenedDb {
  const raw = new Database(file);
  raw.exec(
    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
  );
  // deno-lint-ignore no-explicit-any -- libsql's typings differ from better-sqlite3's in details Kysely never uses
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw as any }) });
  return { db, close: () => db.destroy() };
}
