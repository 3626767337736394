import assert from "node:assert/strict";
import { createApplier } from "./apply.ts";
import { installCapture, lastPosition, removeCapture } from "./capture.ts";
import { tableChecksums } from "./checksum.ts";
import { readChanges } from "./log.ts";
import { replicatedTables } from "./tables.ts";
import { pair, seed } from "./test_pair.ts";

Deno.test("capture covers every replicated table and none of the local ones", async () => {
  const p = await pair();
  try {
    const names = replicatedTables(p.a).map((t) => t.name);
    for (const t of ["users", "hosts", "jobs", "plans", "audit_log", "host_contacts"]) {
      assert.ok(names.includes(t), t);
    }
    for (const t of ["sessions", "agent_challenges", "index_listings", "replication_log"]) {
      assert.ok(!names.includes(t), t);
    }
    const triggers = p.a.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cairn_rep_%'",
    );
    assert.equal(triggers.length, names.length * 3);
    // A write to a local table leaves no entry; a rolled-back write leaves none either.
    const before = lastPosition(p.a);
    p.a.run(
      "INSERT INTO auth_failures (key, failures, first_at) VALUES ('ip:1', 1, 1)",
    );
    assert.throws(() =>
      p.a.write(() => {
        p.a.run("INSERT INTO settings (key, value, updated_at) VALUES ('x', '1', 1)");
        throw new Error("roll back");
      })
    );
    assert.equal(lastPosition(p.a), before);
    // Installing again is idempotent and carries no migration twice.
    installCapture(p.a, { migrations: p.migrations, now: 2 });
    assert.equal(lastPosition(p.a), before);
    removeCapture(p.a);
    p.a.run("INSERT INTO settings (key, value, updated_at) VALUES ('y', '1', 1)");
    assert.equal(lastPosition(p.a), before);
  } finally {
    await p.close();
  }
});

Deno.test("inserts, updates, key changes and deletes arrive identical on the standby", async () => {
  const p = await pair();
  try {
    seed(p.a, 300);
    p.a.run("UPDATE users SET role = 'viewer', last_login_at = 5 WHERE id LIKE 'usr_1%'");
    p.a.run("UPDATE users SET id = 'usr_moved' WHERE id = 'usr_7'");
    p.a.run("DELETE FROM audit_log WHERE at % 3 = 0");
    p.a.run("UPDATE settings SET value = '9007199254740993' WHERE key = 'k5'");
    let rounds = 0;
    while (p.ship(97).applied > 0) rounds++;
    assert.ok(rounds > 5);
    assert.deepEqual(tableChecksums(p.b), tableChecksums(p.a));
    assert.equal(
      p.b.get<{ v: string }>("SELECT value AS v FROM settings WHERE key = 'k5'")!.v,
      "9007199254740993",
    );
  } finally {
    await p.close();
  }
});

Deno.test("a batch with a gap, a hole or an older epoch is refused with nothing applied", async () => {
  const p = await pair();
  try {
    seed(p.a, 5);
    const applied = p.b.get<{ p: number }>("SELECT applied_position AS p FROM replication_state")!
      .p;
    const entries = readChanges(p.a, applied, 100);
    const batch = {
      epoch: 1,
      primaryId: "apl_x",
      after: applied,
      last: entries[entries.length - 1].position,
      head: 0,
      headAt: null,
      entries,
    };
    const sums = tableChecksums(p.b);
    assert.throws(
      () => p.applier.apply({ ...batch, after: applied + 1, entries: entries.slice(1) }, 1),
      { code: "gap" },
    );
    assert.throws(
      () => p.applier.apply({ ...batch, entries: entries.filter((_, i) => i !== 3) }, 1),
      { code: "gap" },
    );
    p.b.run("UPDATE replication_state SET epoch = 2");
    assert.throws(() => p.applier.apply(batch, 1), { code: "stale_epoch" });
    assert.deepEqual(tableChecksums(p.b), sums);
    p.b.run("UPDATE replication_state SET epoch = 1");
    p.applier.apply(batch, 1);
    // The same batch again changes nothing (idempotent by position).
    assert.equal(p.applier.apply(batch, 1).applied, 0);
    assert.deepEqual(tableChecksums(p.b), tableChecksums(p.a));
  } finally {
    await p.close();
  }
});

Deno.test("the standby's guard drops writes not made by the applier", async () => {
  const p = await pair();
  try {
    seed(p.a, 3);
    p.ship();
    const sums = tableChecksums(p.b);
    p.b.run("UPDATE users SET last_login_at = 99");
    p.b.run("INSERT INTO settings (key, value, updated_at) VALUES ('local', '1', 1)");
    p.b.run("DELETE FROM audit_log");
    p.b.run("INSERT INTO auth_failures (key, failures, first_at) VALUES ('ip:1', 1, 1)");
    assert.deepEqual(tableChecksums(p.b), sums);
    assert.equal(p.b.all("SELECT * FROM auth_failures").length, 1);
  } finally {
    await p.close();
  }
});

Deno.test("a migration reaches the standby before the rows that need it", async () => {
  const p = await pair();
  try {
    const extra = {
      name: "9999_extra.sql",
      sql: "CREATE TABLE extra (id TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID;\n" +
        "CREATE TABLE loose (v TEXT);",
      checksum: "c1",
    };
    p.a.write(() => {
      p.a.exec(extra.sql);
      p.a.run("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, 1)", [
        extra.name,
        extra.checksum,
      ]);
    });
    installCapture(p.a, { migrations: [...p.migrations, extra], now: 3 });
    p.a.run("INSERT INTO extra (id, data) VALUES ('x', X'00ff10')");
    p.a.run("INSERT INTO loose (v) VALUES ('one'), ('two')");
    p.a.run("UPDATE loose SET v = 'three' WHERE v = 'two'");
    const sums = tableChecksums(p.b);
    // A standby whose build lacks the migration refuses the batch and applies nothing.
    const without = createApplier(p.b, p.migrations);
    const after = p.b.get<{ p: number }>("SELECT applied_position AS p FROM replication_state")!.p;
    const entries = readChanges(p.a, after, 100);
    const batch = {
      epoch: 1,
      primaryId: "apl_x",
      after,
      last: entries[entries.length - 1].position,
      head: 0,
      headAt: null,
      entries,
    };
    assert.throws(() => without.apply(batch, 1), { code: "schema_mismatch" });
    assert.deepEqual(tableChecksums(p.b), sums);
    createApplier(p.b, [...p.migrations, extra]).apply(batch, 1);
    assert.deepEqual(tableChecksums(p.b), tableChecksums(p.a));
    assert.equal(
      p.b.get<{ h: string }>("SELECT hex(data) AS h FROM extra")!.h,
      "00FF10",
    );
  } finally {
    await p.close();
  }
});
