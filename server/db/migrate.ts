/**
 * Forward-only migrations from `migrations/NNNN_name.sql`. Each file runs in one write
 * transaction together with its record in `schema_migrations`, so a crash leaves either the
 * whole migration or none of it. The checksum of every applied file is kept: an applied
 * migration that was edited, or one this build does not know, stops the start — running on a
 * schema nobody can name is how data gets lost.
 *
 * It uses @libsql/client because its `executeMultiple` runs a whole SQL file inside a
 * transaction, which Kysely's migrator does not do for SQLite.
 */
import { createClient } from "@libsql/client";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../ids.ts";
import { MIGRATIONS_DIR } from "../paths.ts";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

const FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

export async function loadMigrations(dir: string): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  const out: Migration[] = [];
  for (const name of names) {
    if (!FILE.test(name)) {
      throw new MigrationError(`Migration file name must look like 0001_name.sql: ${name}`);
    }
    const sql = await readFile(join(dir, name), "utf8");
    out.push({ name, sql, checksum: sha256Hex(sql) });
  }
  return out;
}

export function defaultMigrationsDir(): string {
  return MIGRATIONS_DIR;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** Applies pending migrations to the database file; refuses edited or unknown applied ones. */
export async function migrate(dbFile: string, migrations: Migration[]): Promise<MigrateResult> {
  const client = createClient({ url: `file:${dbFile}` });
  try {
    await client.execute("PRAGMA busy_timeout = 5000");
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL) WITHOUT ROWID",
    );
    const rows =
      (await client.execute("SELECT name, checksum FROM schema_migrations ORDER BY name")).rows;
    const known = new Map(migrations.map((m) => [m.name, m]));
    for (const row of rows) {
      const name = String(row.name);
      const m = known.get(name);
      if (!m) {
        throw new MigrationError(
          `The database has a migration this version of Cairn does not know: ${name}`,
        );
      }
      if (m.checksum !== String(row.checksum)) {
        throw new MigrationError(`Applied migration was edited after it ran: ${name}`);
      }
    }
    const done = new Set(rows.map((r) => String(r.name)));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      const tx = await client.transaction("write");
      try {
        await tx.executeMultiple(m.sql);
        await tx.execute({
          sql: "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)",
          args: [m.name, m.checksum, Date.now()],
        });
        await tx.commit();
      } catch (err) {
        await tx.rollback();
        throw new MigrationError(`Migration failed: ${m.name}: ${(err as Error).message}`);
      } finally {
        tx.close();
      }
      applied.push(m.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    client.close();
  }
}
