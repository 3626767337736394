import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOutbox as open } from "./outbox.ts";
import type { SqliteDriver } from "./platform/sqlite.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-outbox-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const driver of ["node:sqlite", "libsql"] as SqliteDriver[]) {
  const openOutbox = (file: string, opts: { logCap?: number } = {}) =>
    open(file, { ...opts, driver });

  Deno.test(`outbox (${driver}): reports come out in the order they went in, with increasing ULIDs, until removed`, () =>
    withDir(async (dir) => {
      const box = await openOutbox(join(dir, "outbox.db"));
      const ids = box.add(
        Array.from({ length: 50 }, (_, n) => ({ kind: "event", body: { n } })),
      );
      assert.equal(new Set(ids).size, 50);
      assert.deepEqual([...ids].sort(), ids, "ids made in one millisecond still sort in order");
      const first = box.take(20);
      assert.deepEqual(first.map((r) => r.body.n), Array.from({ length: 20 }, (_, n) => n));
      assert.ok(first.every((r, i) => i === 0 || r.seq > first[i - 1].seq));
      box.remove(first.slice(0, 10).map((r) => r.id));
      assert.equal(box.depth(), 40);
      assert.equal(box.take(1)[0].body.n, 10);
      assert.equal((await stat(join(dir, "outbox.db"))).mode & 0o777, 0o600);
      box.close();
    }));

  Deno.test(`outbox (${driver}): progress keeps only its latest value per job and moves to the end`, () =>
    withDir(async (dir) => {
      const box = await openOutbox(join(dir, "outbox.db"));
      box.add([{ kind: "job.progress", jobId: "a", body: { p: 1 } }]);
      box.add([{ kind: "job.log", jobId: "a", body: { line: "x" } }]);
      box.add([{ kind: "job.progress", jobId: "b", body: { p: 10 } }]);
      box.add([{ kind: "job.progress", jobId: "a", body: { p: 2 } }]);
      const out = box.take(10).map((r) => `${r.kind}:${r.jobId}:${JSON.stringify(r.body)}`);
      assert.deepEqual(out, [
        'job.log:a:{"line":"x"}',
        'job.progress:b:{"p":10}',
        'job.progress:a:{"p":2}',
      ]);
      box.close();
    }));

  Deno.test(`outbox (${driver}): logs are capped per job, oldest first, and the drops are counted in one report`, () =>
    withDir(async (dir) => {
      const box = await openOutbox(join(dir, "outbox.db"), { logCap: 5 });
      for (let i = 0; i < 8; i++) box.add([{ kind: "job.log", jobId: "j", body: { i } }]);
      box.add([{ kind: "job.finished", jobId: "j", body: { ok: true } }]);
      for (let i = 8; i < 10; i++) box.add([{ kind: "job.log", jobId: "j", body: { i } }]);
      const all = box.take(100);
      const logs = all.filter((r) => r.kind === "job.log").map((r) => r.body.i);
      assert.deepEqual(logs, [5, 6, 7, 8, 9], "the newest five lines stay");
      const drops = all.filter((r) => r.kind === "log.dropped");
      assert.equal(drops.length, 1, "one pending drop report per job");
      assert.deepEqual(drops[0].body, { dropped: 5 });
      assert.equal(all.filter((r) => r.kind === "job.finished").length, 1, "the result stays");
      assert.equal(box.droppedLogs(), 5);
      box.close();
    }));

  Deno.test(`outbox (${driver}): results and events are never dropped, however many wait`, () =>
    withDir(async (dir) => {
      const box = await openOutbox(join(dir, "outbox.db"), { logCap: 3 });
      box.add(
        Array.from(
          { length: 3000 },
          (_, n) => ({ kind: "job.finished", jobId: `j${n % 7}`, body: { n } }),
        ),
      );
      box.add(Array.from({ length: 500 }, (_, n) => ({ kind: "event", body: { n } })));
      assert.equal(box.depth(), 3500);
      assert.equal(box.droppedLogs(), 0);
      box.close();
    }));

  Deno.test(`outbox (${driver}): what add returned is there after reopening; a command id is accepted once`, () =>
    withDir(async (dir) => {
      const file = join(dir, "outbox.db");
      const a = await openOutbox(file);
      const ids = a.add([{ kind: "event", body: { x: 1 } }, { kind: "event", body: { x: 2 } }]);
      assert.equal(
        a.acceptCommand("cmd_1", { kind: "command.ack", body: { commandId: "cmd_1" } }),
        true,
      );
      assert.equal(
        a.acceptCommand("cmd_1", { kind: "command.ack", body: { commandId: "cmd_1" } }),
        false,
      );
      a.close();
      const b = await openOutbox(file);
      assert.deepEqual(b.take(10).map((r) => r.id).slice(0, 2), ids);
      assert.equal(b.take(10).filter((r) => r.kind === "command.ack").length, 1);
      assert.equal(
        b.acceptCommand("cmd_1", { kind: "command.ack", body: { commandId: "cmd_1" } }),
        false,
      );
      b.close();
    }));

  Deno.test(`outbox (${driver}): a second process's writes show in the first one's data version`, () =>
    withDir(async (dir) => {
      const file = join(dir, "outbox.db");
      const a = await openOutbox(file);
      const b = await openOutbox(file);
      const before = a.dataVersion();
      b.add([{ kind: "event", body: {} }]);
      assert.notEqual(a.dataVersion(), before);
      assert.equal(a.depth(), 1);
      a.close();
      b.close();
    }));
}

Deno.test("outbox: one file, either driver: what node:sqlite wrote, libsql reads and the other way round", () =>
  withDir(async (dir) => {
    const file = join(dir, "outbox.db");
    const a = await open(file, { driver: "node:sqlite" });
    const ids = a.add([{ kind: "event", body: { by: "node:sqlite" } }]);
    a.close();
    const b = await open(file, { driver: "libsql" });
    assert.deepEqual(b.take(10).map((r) => r.id), ids);
    b.add([{ kind: "event", body: { by: "libsql" } }]);
    b.close();
    const c = await open(file, { driver: "node:sqlite" });
    assert.deepEqual(c.take(10).map((r) => r.body.by), ["node:sqlite", "libsql"]);
    c.close();
  }));
