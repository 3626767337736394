/**
 * borg 1.2 through the driver, against a local repository: the whole life of a repository,
 * prune compared with borg's own dry run, explained failures, and cancel (a FIFO read with
 * --read-special holds borg mid-archive, so the cancel lands mid-backup every time).
 */
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BorgConfig, createBorgDriver } from "../../agent/tools/borg/driver.ts";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import {
  assertNoSecrets,
  assertSameTree,
  DROP_READ_CAPS,
  eventLog,
  listDir,
  withTempDir,
} from "./fixtures.ts";
import { writeTree } from "./tree.ts";

const PASSPHRASE = "borg-local-test-passphrase-93e1c7";
const WRONG = "borg-local-wrong-passphrase-5a0f44";

function localDriver(dir: string, over: Partial<BorgConfig> = {}) {
  return createBorgDriver({
    repository: { kind: "local", path: join(dir, "repo") },
    passphrase: PASSPHRASE,
    baseDir: join(dir, "borg-base"),
    ...over,
  });
}

Deno.test("borg local: init, create, list, ls, extract, dump, info, check, compact", async () => {
  await withTempDir("borg-local", async (dir) => {
    const src = join(dir, "src");
    await writeTree(src, { files: 40, fileSize: 64 * 1024, perDir: 10 });
    const d = localDriver(dir);
    const init = await d.run("init", {});
    assert.equal(init.status, "ok", init.tail);
    const log = eventLog();
    const create = await d.run("backup", {
      archive: "web1-1",
      sources: [src],
      compression: "zstd,3",
    }, log);
    assert.equal(create.status, "ok", create.tail);
    assert.deepEqual(log.of("summary").map((s) => s.archive), ["web1-1"]);
    assert.equal(create.result!.stats.files, 40);
    assert.ok(log.of("progress").length > 0);

    const archives = (await d.run("snapshots", {})).result!.archives;
    assert.deepEqual(archives.map((a) => a.name), ["web1-1"]);
    assert.equal(archives[0].time, create.result!.archive.time);

    const ls = eventLog();
    await d.run("ls", { archive: "web1-1" }, ls);
    assert.equal(ls.of("item").filter((i) => i.kind === "file").length, 40);

    const target = join(dir, "restored");
    await mkdir(target);
    assert.equal((await d.run("restore", { archive: "web1-1", target })).status, "ok");
    await assertSameTree(src, join(target, src));

    const chunks: Uint8Array[] = [];
    const file = join(src, "d0001", "f000012.bin");
    const dump = await d.run("dump", {
      archive: "web1-1",
      path: file.slice(1),
      output: (c) => void chunks.push(c.slice()),
    });
    assert.equal(dump.result!.bytes, 64 * 1024);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(await Deno.readFile(file)));

    const stats = (await d.run("stats", {})).result!;
    assert.ok(stats.originalSize >= 40 * 64 * 1024 && stats.deduplicationRatio > 0);
    const check = await d.run("check", { verifyData: true });
    assert.equal(check.status, "ok", check.tail);
    assert.deepEqual(check.result, { problemsFound: false });
    assert.equal((await d.run("compact", {})).status, "ok");
    assertNoSecrets([PASSPHRASE], init, create, log.events, check);
  });
});

Deno.test("borg retention: prune keeps exactly what borg's own dry run says, within the glob", async () => {
  await withTempDir("borg-retention", async (dir) => {
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
    for (const [i, t] of times.entries()) {
      const r = await d.run("backup", {
        archive: `web1-${i}`,
        sources: [src],
        timestamp: new Date(t),
      });
      assert.equal(r.status, "ok", r.tail);
    }
    await d.run("backup", { archive: "db1-0", sources: [src], timestamp: new Date(times[0]) });
    const keep = { last: 2, daily: 3, weekly: 2, monthly: 2 };
    const plan = await d.run("prune", { keep, globArchives: "web1-*", dryRun: true });
    assert.equal(plan.status, "ok", plan.tail);
    const kept = plan.result!.keep.map((a) => a.name);
    assert.ok(
      kept.length > 0 && plan.result!.prune.length > 0,
      "the policy keeps some and prunes some",
    );
    assert.equal(kept.length + plan.result!.prune.length, times.length);

    const applied = await d.run("prune", { keep, globArchives: "web1-*" });
    assert.equal(applied.status, "ok", applied.tail);
    assert.deepEqual(applied.result!.keep.map((a) => a.name), kept);
    const left = (await d.run("snapshots", {})).result!.archives.map((a) => a.name);
    assert.deepEqual(left.filter((n) => n.startsWith("web1-")).sort(), [...kept].sort());
    assert.ok(left.includes("db1-0"), "archives outside the glob are untouched");
  });
});

Deno.test("borg failures are explained: wrong passphrase, no repository, a restic repository, a lock", async () => {
  await withTempDir("borg-fail", async (dir) => {
    const d = localDriver(dir);
    await d.run("init", {});
    const wrong = await localDriver(dir, { passphrase: WRONG }).run("snapshots", {});
    assert.deepEqual(wrong.failure, {
      code: "wrong_password",
      message: "The repository passphrase is wrong.",
    });
    const missing = await localDriver(dir, {
      repository: { kind: "local", path: join(dir, "absent") },
    })
      .run("snapshots", {});
    assert.equal(missing.failure?.code, "repo_missing");
    const resticPath = join(dir, "restic");
    await createResticDriver({
      repository: { kind: "local", path: resticPath },
      password: PASSPHRASE,
      cacheDir: join(dir, "rc"),
    })
      .run("init", {});
    const engine = await localDriver(dir, { repository: { kind: "local", path: resticPath } }).run(
      "snapshots",
      {},
    );
    assert.deepEqual(engine.failure, {
      code: "wrong_engine",
      message: "This is a restic repository, not a borg one.",
    });

    const holder = new Deno.Command("borg", {
      args: ["with-lock", join(dir, "repo"), "sleep", "30"],
      env: { BORG_PASSPHRASE: PASSPHRASE, BORG_BASE_DIR: join(dir, "borg-base"), LANG: "C.UTF-8" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitFor(async () => (await listDir(join(dir, "repo"))).includes("lock.roster"));
      const locked = await d.run("backup", { archive: "x", sources: [dir] });
      assert.equal(locked.failure?.code, "locked");
      assert.match(locked.failure!.message, /^The repository is locked by process \d+ on \S+\.$/);
    } finally {
      holder.kill("SIGTERM");
      await holder.status;
    }
    assertNoSecrets([PASSPHRASE, WRONG], wrong, missing, engine);
  });
});

Deno.test("borg with an unreadable file: the archive is made and the run is a warning (exit 1)", async () => {
  await withTempDir("borg-partial", async (dir) => {
    const src = join(dir, "src");
    await mkdir(src);
    await writeFile(join(src, "ok.txt"), "ok\n");
    await writeFile(join(src, "closed.txt"), "closed\n");
    await chmod(join(src, "closed.txt"), 0o000);
    await localDriver(dir).run("init", {});
    const r = await localDriver(dir, { commandPrefix: DROP_READ_CAPS }).run("backup", {
      archive: "p",
      sources: [src],
    });
    assert.equal(r.status, "warning", r.tail);
    assert.equal(r.exitCode, 1);
    assert.equal(r.warning, "The archive p was made, but 1 file or folder could not be read.");
  });
});

Deno.test("borg cancel mid-backup: graceful stop, then a forced kill whose lock is broken", async () => {
  await withTempDir("borg-cancel", async (dir) => {
    const src = join(dir, "src");
    await writeTree(src, { files: 4, fileSize: 64 * 1024 });
    const fifo = join(src, "zz-pipe");
    const mkfifo = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(mkfifo.success);
    const d = localDriver(dir);
    await d.run("init", {});
    for (const graceMs of [15_000, 0]) {
      // borg acts on its first SIGINT only between chunks, so a FIFO nobody writes to would
      // hold it forever; this writer feeds it until the cancel, then closes it.
      const stop = join(dir, `stop-${graceMs}`);
      const writer = new Deno.Command("sh", {
        args: [
          "-c",
          'exec >"$1"; until [ -e "$2" ]; do head -c 1048576 /dev/zero; done',
          "sh",
          fifo,
          stop,
        ],
        stderr: "null",
      }).spawn();
      const abort = new AbortController();
      const r = await d.run(
        "backup",
        { archive: `c${graceMs}`, sources: [src], readSpecial: true },
        {
          signal: abort.signal,
          graceMs,
          onEvent: (e) => {
            if (e.type !== "progress" || e.bytes === undefined || abort.signal.aborted) return;
            abort.abort();
            Deno.writeTextFileSync(stop, "");
          },
        },
      );
      try {
        writer.kill("SIGKILL"); // still waiting for borg to open the FIFO
      } catch { /* it has already ended */ }
      await writer.status;
      assert.equal(r.status, "cancelled", r.tail);
      if (graceMs) {
        assert.equal(r.exitCode, 2, "borg stopped on SIGINT by itself");
        assert.ok(r.tail.includes("Got Ctrl-C / SIGINT."));
      } else {
        assert.equal(r.forcedKill, true);
        assert.deepEqual(r.lockCleanup, {
          action: "break-lock",
          ok: true,
          detail: "borg was killed; its lock was removed with borg break-lock",
        });
      }
      assert.ok(!(await listDir(join(dir, "repo"))).includes("lock.exclusive"), "no lock is left");
    }
    assert.deepEqual((await d.run("snapshots", {})).result!.archives, [], "no archive was made");
    const check = await d.run("check", {});
    assert.equal(check.status, "ok", check.tail);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
