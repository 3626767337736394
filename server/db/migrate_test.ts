import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { defaultMigrationsDir, loadMigrations, migrate, MigrationError } from "./migrate.ts";
import type { Migration } from "./migrate.ts";
import { sha256Hex } from "../ids.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-migrate-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function m(name: string, sql: string): Migration {
  return { name, sql, checksum: sha256Hex(sql) };
}

function tables(file: string): string[] {
  const db = new Database(file);
  try {
    // sqlite_* tables are SQLite's own (sqlite_sequence comes with AUTOINCREMENT).
    return (db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' " +
        "ORDER BY name",
    )
      .all() as { name: string }[])
      .map((r) => r.name);
  } finally {
    db.close();
  }
}

Deno.test("migrations apply to an empty database and every table has a primary key", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.db");
    const all = await loadMigrations(defaultMigrationsDir());
    const r = await migrate(file, all);
    assert.deepEqual(r.applied, all.map((x) => x.name));
    const db = new Database(file);
    try {
      for (const t of tables(file)) {
        const cols = db.prepare(`PRAGMA table_info(${t})`).all() as { pk: number }[];
        assert.ok(cols.some((c) => c.pk > 0), `table ${t} has a primary key`);
      }
    } finally {
      db.close();
    }
  });
});

Deno.test("an existing database gets only the new migrations, once", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.db");
    const first = [m("0001_a.sql", "CREATE TABLE a (id TEXT PRIMARY KEY);")];
    assert.deepEqual((await migrate(file, first)).applied, ["0001_a.sql"]);
    const second = [...first, m("0002_b.sql", "CREATE TABLE b (id TEXT PRIMARY KEY);")];
    const r = await migrate(file, second);
    assert.deepEqual(r.applied, ["0002_b.sql"]);
    assert.equal(r.alreadyApplied, 1);
    assert.deepEqual((await migrate(file, second)).applied, []);
    assert.ok(tables(file).includes("b"));
  });
});

Deno.test("an applied migration that was edited stops the start", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.db");
    await migrate(file, [m("0001_a.sql", "CREATE TABLE a (id TEXT PRIMARY KEY);")]);
    const edited = [m("0001_a.sql", "CREATE TABLE a (id TEXT PRIMARY KEY, x TEXT);")];
    await assert.rejects(
      migrate(file, edited),
      (e: Error) => e instanceof MigrationError && /edited.*0001_a\.sql/.test(e.message),
    );
  });
});

Deno.test("a database with a migration this build does not know is refused", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.db");
    await migrate(file, [
      m("0001_a.sql", "CREATE TABLE a (id TEXT PRIMARY KEY);"),
      m("0002_b.sql", "SELECT 1;"),
    ]);
    await assert.rejects(
      migrate(file, [m("0001_a.sql", "CREATE TABLE a (id TEXT PRIMARY KEY);")]),
      (e: Error) => e instanceof MigrationError && /does not know: 0002_b\.sql/.test(e.message),
    );
  });
});

Deno.test("a failing migration leaves nothing of itself behind", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "c.db");
    const bad = m(
      "0001_bad.sql",
      "CREATE TABLE half (id TEXT PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);",
    );
    await assert.rejects(
      migrate(file, [bad]),
      (e: Error) => e instanceof MigrationError && /0001_bad\.sql/.test(e.message),
    );
    assert.ok(!tables(file).includes("half"), "the first statement was rolled back");
    const good = m("0001_bad.sql", "CREATE TABLE half (id TEXT PRIMARY KEY);");
    assert.deepEqual((await migrate(file, [good])).applied, ["0001_bad.sql"]);
  });
});

Deno.test("migration files must be named NNNN_name.sql", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "1_bad.sql"), "SELECT 1;");
    await assert.rejects(loadMigrations(dir), /0001_name\.sql/);
  });
});
