/**
 * restic 0.14 through the driver, against a local repository: the whole life of a repository,
 * retention compared with restic's own dry run, explained failures, and cancel.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver, type ResticConfig } from "../../agent/tools/restic/driver.ts";
import {
  assertNoSecrets,
  assertSameTree,
  DROP_READ_CAPS,
  eventLog,
  listDir,
  withTempDir,
} from "./fixtures.ts";
import { writeTree } from "./tree.ts";

const PASSWORD = "restic-local-test-password-4c1f9e";
const WRONG = "restic-local-wrong-password-0b7d2a";

function localDriver(dir: string, over: Partial<ResticConfig> = {}) {
  return createResticDriver({
    repository: { kind: "local", path: join(dir, "repo") },
    password: PASSWORD,
    cacheDir: join(dir, "cache"),
    ...over,
  });
}

Deno.test("restic local: init, backup, snapshots, ls, restore, dump, stats, check", async () => {
  await withTempDir("restic-local", async (dir) => {
    const src = join(dir, "src");
    await writeTree(src, { files: 40, fileSize: 64 * 1024, perDir: 10 });
    const d = localDriver(dir);
    const init = await d.run("init", {});
    assert.equal(init.status, "ok", init.tail);
    const log = eventLog();
    const backup = await d.run(
      "backup",
      { sources: [src], tags: ["cairn"], hostname: "web1" },
      log,
    );
    assert.equal(backup.status, "ok", backup.tail);
    assert.ok(log.of("progress").length > 0, "progress events");
    const id = backup.result!.snapshotId!;
    assert.deepEqual(log.of("summary").map((s) => s.snapshotId), [id]);
    assert.equal(backup.result!.stats.files, 40);

    const snaps = (await d.run("snapshots", { hosts: ["web1"] })).result!.snapshots;
    assert.deepEqual(snaps.map((s) => [s.shortId, s.hostname, s.tags, s.paths]), [[id, "web1", [
      "cairn",
    ], [src]]]);

    const ls = eventLog();
    const listed = await d.run("ls", { snapshot: "latest", hosts: ["web1"] }, ls);
    assert.equal(ls.of("item").filter((i) => i.kind === "file").length, 40);
    assert.equal(listed.result!.entries, ls.of("item").length);

    const target = join(dir, "restored");
    assert.equal((await d.run("restore", { snapshot: id, target })).status, "ok");
    await assertSameTree(src, join(target, src));

    const chunks: Uint8Array[] = [];
    const file = join(src, "d0000", "f000003.bin");
    const dump = await d.run("dump", {
      snapshot: id,
      path: file,
      output: (c) => void chunks.push(c.slice()),
    });
    assert.equal(dump.result!.bytes, 64 * 1024);
    assert.deepEqual(Buffer.concat(chunks), await Deno.readFile(file).then((b) => Buffer.from(b)));

    assert.equal((await d.run("stats", {})).result!.totalSize, 40 * 64 * 1024);
    const check = await d.run("check", { readDataSubset: "1/2" });
    assert.equal(check.status, "ok", check.tail);
    assert.deepEqual(check.result, { errorsFound: false });
    assertNoSecrets([PASSWORD], init, backup, log.events, check);
  });
});

Deno.test("restic retention: forget keeps exactly what restic's own dry run says, within the tag", async () => {
  await withTempDir("restic-retention", async (dir) => {
    const src = join(dir, "src");
    await mkdir(src);
    await writeFile(join(src, "a.txt"), "a\n");
    const d = localDriver(dir);
    await d.run("init", {});
    const times = [
      "2024-01-01T09:00:00Z",
      "2024-01-01T15:00:00Z",
      "2024-01-02T10:00:00Z",
      "2024-01-05T10:00:00Z",
      "2024-01-08T10:00:00Z",
      "2024-01-15T10:00:00Z",
      "2024-02-01T10:00:00Z",
      "2024-02-02T08:00:00Z",
    ];
    for (const t of times) {
      const r = await d.run("backup", {
        sources: [src],
        tags: ["ret"],
        hostname: "web1",
        time: new Date(t),
      });
      assert.equal(r.status, "ok", r.tail);
    }
    await d.run("backup", {
      sources: [src],
      tags: ["other"],
      hostname: "web1",
      time: new Date(times[0]),
    });
    const keep = { last: 2, daily: 3, weekly: 2, monthly: 2 };
    const plan = await d.run("forget", { keep, tags: ["ret"], hosts: ["web1"], dryRun: true });
    assert.equal(plan.status, "ok", plan.tail);
    const { keep: kept, remove } = plan.result!;
    assert.ok(kept.length > 0 && remove.length > 0, "the policy keeps some and removes some");
    assert.equal(kept.length + remove.length, times.length);

    const applied = await d.run("forget", { keep, tags: ["ret"], hosts: ["web1"] });
    assert.equal(applied.status, "ok", applied.tail);
    const left = (await d.run("snapshots", { tags: ["ret"] })).result!.snapshots.map((s) => s.id);
    assert.deepEqual(left.sort(), [...kept].sort());
    const other = (await d.run("snapshots", { tags: ["other"] })).result!.snapshots;
    assert.equal(other.length, 1, "snapshots of another tag are untouched");
  });
});

Deno.test("restic failures are explained: wrong password, no repository, a borg repository", async () => {
  await withTempDir("restic-fail", async (dir) => {
    await localDriver(dir).run("init", {});
    const wrong = await localDriver(dir, { password: WRONG }).run("snapshots", {});
    assert.equal(wrong.status, "failed");
    assert.equal(wrong.failure?.code, "wrong_password");
    const missing = await localDriver(dir, {
      repository: { kind: "local", path: join(dir, "absent") },
    }).run("snapshots", {});
    assert.equal(missing.failure?.code, "repo_missing");
    const borgPath = join(dir, "borg");
    const borg = createBorgDriver({
      repository: { kind: "local", path: borgPath },
      passphrase: PASSWORD,
      baseDir: join(dir, "bb"),
    });
    assert.equal((await borg.run("init", {})).status, "ok");
    const engine = await localDriver(dir, { repository: { kind: "local", path: borgPath } }).run(
      "snapshots",
      {},
    );
    assert.deepEqual(engine.failure, {
      code: "wrong_engine",
      message: "This is a borg repository, not a restic one.",
    });
    const notInstalled = await localDriver(dir, { binary: "restic-not-installed" }).run(
      "version",
      {},
    );
    assert.match(notInstalled.failure!.message, /Cannot start restic-not-installed: not installed/);
    assertNoSecrets([PASSWORD, WRONG], wrong, missing, engine);
  });
});

Deno.test("restic with an unreadable file: the snapshot is made and the run is a warning (exit 3)", async () => {
  await withTempDir("restic-partial", async (dir) => {
    const src = join(dir, "src");
    await mkdir(src);
    await writeFile(join(src, "ok.txt"), "ok\n");
    await writeFile(join(src, "closed.txt"), "closed\n");
    await chmod(join(src, "closed.txt"), 0o000);
    await localDriver(dir).run("init", {});
    const log = eventLog();
    const r = await localDriver(dir, { commandPrefix: DROP_READ_CAPS }).run("backup", {
      sources: [src],
    }, log);
    assert.equal(r.status, "warning", r.tail);
    assert.equal(r.exitCode, 3);
    assert.equal(
      r.warning,
      `The snapshot ${r.result!.snapshotId} was made, but 1 file or folder could not be read.`,
    );
    assert.ok(log.of("warning").some((w) => w.path === join(src, "closed.txt")));
  });
});

Deno.test("restic cancel mid-backup: graceful stop leaves no lock; a forced kill is unlocked", async () => {
  await withTempDir("restic-cancel", async (dir) => {
    const src = join(dir, "src");
    await writeTree(src, { files: 16, fileSize: 256 * 1024, perDir: 8 });
    const d = localDriver(dir);
    await d.run("init", {});
    for (const graceMs of [15_000, 0]) {
      const abort = new AbortController();
      const r = await d.run("backup", { sources: [src], limitUploadKiB: 512 }, {
        signal: abort.signal,
        graceMs,
        onEvent: (e) => e.type === "progress" ? abort.abort() : undefined,
      });
      assert.equal(r.status, "cancelled");
      if (graceMs) {
        assert.equal(r.exitCode, 130, "restic stopped on SIGINT by itself");
        assert.equal(r.lockCleanup, undefined);
      } else {
        assert.equal(r.forcedKill, true);
        assert.deepEqual(r.lockCleanup, {
          action: "unlock",
          ok: true,
          detail: "restic was killed; its stale lock was removed with restic unlock",
        });
      }
      assert.deepEqual(await listDir(join(dir, "repo", "locks")), [], "no lock is left");
    }
    assert.equal(
      (await d.run("snapshots", {})).result!.snapshots.length,
      0,
      "no snapshot was made",
    );
    const check = await d.run("check", {});
    assert.equal(check.status, "ok", check.tail);
  });
});
