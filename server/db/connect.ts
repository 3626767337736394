/**
 * Opens the appliance's libSQL file for Kysely. The `libsql` package speaks the better-sqlite3
 * API, which Kysely's SQLite dialect drives directly; WAL lets readers run beside the writer and
 * the busy timeout makes a second connection (migrations, backups) wait instead of failing.
 */
import Database from "libsql";
import { Kysely, SqliteDialect } from "kysely";
import type { SqliteDatabase } from "kysely";
import type { Database as Schema } from "./schema.ts";

export type Db = Kysely<Schema>;

export interface OpenedDb {
  db: Db;
  close(): Promise<void>;
}

interface Statement {
  reader: boolean;
}

/**
 * Kysely's SQLite driver prepares every statement again on each query; preparing costs five
 * times more than running a small one here. Kysely compiles the same SQL text for the same query
 * shape, so statements are cached by text (bounded). Kysely runs one query at a time on the
 * connection, so a cached statement is never used by two queries at once.
 */
function withStatementCache(raw: Database.Database, limit = 500) {
  const cache = new Map<string, Statement>();
  return new Proxy(raw, {
    get(target, prop) {
      if (prop !== "prepare") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (sql: string) => {
        let stmt = cache.get(sql);
        if (!stmt) {
          stmt = target.prepare(sql) as unknown as Statement;
          if (cache.size >= limit) cache.delete(cache.keys().next().value!);
          cache.set(sql, stmt);
        }
        return stmt;
      };
    },
  });
}

export function openDb(file: string): OpenedDb {
  const raw = new Database(file);
  raw.exec(
    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;",
  );
  // libsql's typings differ from better-sqlite3's in details Kysely never uses.
  const database = withStatementCache(raw) as unknown as SqliteDatabase;
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database }) });
  return { db, close: () => db.destroy() };
}
