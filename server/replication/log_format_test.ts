/**
 * The change log's format: row images as arrays behind a schema tag (a standby with extra
 * trailing columns applies them, one whose columns differ otherwise refuses), entries written
 * as named objects before the format changed still apply, and positions never go back (rowid
 * positions, the newest entry kept by trimming, a mark row where the log was emptied, and
 * migration 0012 carrying the old counter over).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMigrationsDir, loadMigrations, migrate } from "../db/migrate.ts";
import { createApplier } from "./apply.ts";
import { continueLogAfter, installCapture, lastPosition, schemaTag } from "./capture.ts";
import { tableChecksums } from "./checksum.ts";
import { canServeAfter, readChanges, trimLog } from "./log.ts";
import { openReplicationConn } from "./repo.ts";
import { pair, seed } from "./test_pair.ts";

const batchOf = (p: Awaited<ReturnType<typeof pair>>) => {
  const after = p.b.get<{ p: number }>("SELECT applied_position AS p FROM replication_state")!.p;
  const entries = readChanges(p.a, after, 1000);
  return {
    epoch: 1,
    primaryId: "apl_x",
    after,
    last: entries.length ? entries[entries.length - 1].position : after,
    head: lastPosition(p.a),
    headAt: null,
    entries,
  };
};

Deno.test("row images are tagged arrays; old named images still apply", async () => {
  const p = await pair();
  try {
    seed(p.a, 3);
    const e = readChanges(p.a, 0, 1000).find((x) => x.table === "settings")!;
    const cols = ["key", "value", "updated_at"];
    assert.equal(e.row, JSON.stringify([schemaTag(cols), "k0", "0", 0]));
    // An entry written before the change, by name, among new ones.
    p.a.run(
      "INSERT INTO replication_log (op, tbl, pk, row_image, at) VALUES ('insert', 'settings', " +
        "NULL, json_object('key', 'old', 'value', 'v', 'updated_at', 7), 1)",
    );
    p.b.run("UPDATE replication_state SET applied_position = 0");
    p.ship();
    assert.equal(
      p.b.get<{ v: string }>("SELECT value AS v FROM settings WHERE key = 'old'")?.v,
      "v",
    );
  } finally {
    await p.close();
  }
});

Deno.test("a standby with an extra trailing column applies; other columns are refused whole", async () => {
  const p = await pair();
  try {
    seed(p.a, 2);
    p.a.run("UPDATE settings SET value = 'x' WHERE key = 'k1'");
    p.b.exec("ALTER TABLE settings ADD COLUMN note TEXT DEFAULT 'n'");
    const batch = batchOf(p);
    createApplier(p.b, p.migrations).apply(batch, 1);
    assert.deepEqual(
      p.b.all("SELECT key, value, note FROM settings ORDER BY key"),
      [{ key: "k0", value: "0", note: "n" }, { key: "k1", value: "x", note: "n" }],
    );
    // A standby whose table lost or reordered a column maps nothing by position.
    p.a.run("INSERT INTO settings (key, value, updated_at) VALUES ('k9', '9', 9)");
    p.b.exec("ALTER TABLE settings DROP COLUMN note");
    p.b.exec("ALTER TABLE settings RENAME COLUMN value TO val");
    const sums = tableChecksums(p.b);
    assert.throws(
      () => createApplier(p.b, p.migrations).apply(batchOf(p), 1),
      { code: "schema_mismatch", message: /settings has other columns/ },
    );
    assert.deepEqual(tableChecksums(p.b), sums);
  } finally {
    await p.close();
  }
});

Deno.test("positions never go back: trimming keeps the newest, an emptied log keeps a mark", async () => {
  const p = await pair();
  try {
    seed(p.a, 5);
    const head = lastPosition(p.a);
    trimLog(p.a, { acked: head, now: Date.now() });
    assert.equal(lastPosition(p.a), head, "the newest entry stays");
    assert.equal(p.a.all("SELECT 1 FROM replication_log").length, 1);
    assert.ok(canServeAfter(p.a, head) && canServeAfter(p.a, head - 1));
    assert.ok(!canServeAfter(p.a, head - 2));
    seed(p.a, 0);
    p.a.run("INSERT INTO settings (key, value, updated_at) VALUES ('n', '1', 1)");
    assert.equal(lastPosition(p.a), head + 1);

    // A promoted standby continues its primary's numbering from an empty log.
    continueLogAfter(p.a, 500);
    assert.equal(lastPosition(p.a), 500);
    assert.deepEqual(readChanges(p.a, 0, 10), [], "a mark is never sent");
    assert.ok(canServeAfter(p.a, 500));
    assert.ok(!canServeAfter(p.a, 499), "what the mark stands for is gone");
    p.a.run("INSERT INTO settings (key, value, updated_at) VALUES ('m', '1', 1)");
    assert.deepEqual(readChanges(p.a, 500, 10).map((e) => e.position), [501]);
    trimLog(p.a, { acked: 501, now: Date.now() });
    assert.equal(lastPosition(p.a), 501);
  } finally {
    await p.close();
  }
});

Deno.test("migration 0012 keeps the last position of a trimmed AUTOINCREMENT log", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cairn-log12-"));
  try {
    const all = await loadMigrations(defaultMigrationsDir());
    const file = join(dir, "a.db");
    await migrate(file, all.filter((m) => m.name < "0012"));
    const conn = openReplicationConn(file);
    conn.write(() => {
      for (let i = 0; i < 7; i++) {
        conn.run(
          "INSERT INTO replication_log (op, tbl, pk, row_image, at) VALUES ('insert', 't', NULL, '{}', 1)",
        );
      }
      conn.run("DELETE FROM replication_log");
    });
    conn.close();
    await migrate(file, all);
    const after = openReplicationConn(file);
    try {
      assert.equal(lastPosition(after), 7);
      installCapture(after, { migrations: all, now: 1 });
      assert.ok(lastPosition(after) > 7, "the next entry follows the old counter");
      assert.ok(!canServeAfter(after, 6));
    } finally {
      after.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
