/**
 * borg 1.2 through the driver over SSH, to a throwaway sshd on 127.0.0.1 whose key is forced
 * to `borg serve --restrict-to-repository <path>` (as in the Docker how-to seed). Also cancel
 * mid-backup: --upload-ratelimit (a remote-only flag) makes a small tree take seconds.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createBorgDriver } from "../../agent/tools/borg/driver.ts";
import type { BorgRepository } from "../../agent/tools/borg/repository.ts";
import { type SshServer, startSshd } from "../helpers/sshd.ts";
import { assertNoSecrets, assertSameTree, eventLog, listDir, withTempDir } from "./fixtures.ts";
import { writeTree } from "./tree.ts";

const PASSPHRASE = "borg-ssh-test-passphrase-61d0ab";

async function setUp(sshd: SshServer, dir: string) {
  const repoPath = join(dir, "server", "web1");
  await mkdir(join(dir, "server"));
  const key = await sshd.newClientKey("borg");
  const serve = `env BORG_BASE_DIR=${
    join(dir, "serve-base")
  } borg serve --restrict-to-repository ${repoPath}`;
  await sshd.authorize([`command="${serve}",restrict ${key.publicKey}`]);
  const repository = (path = repoPath): BorgRepository => ({
    kind: "ssh",
    user: sshd.user,
    host: sshd.host,
    port: sshd.port,
    path,
    ssh: { keyFile: key.privateKeyFile, knownHostsFile: sshd.knownHostsFile },
  });
  const driver = (path?: string, lockWaitSeconds?: number) =>
    createBorgDriver({
      repository: repository(path),
      passphrase: PASSPHRASE,
      baseDir: join(dir, "client-base"),
      lockWaitSeconds,
    });
  return { repoPath, driver };
}

Deno.test("borg over SSH with a key forced to borg serve --restrict-to-repository", async () => {
  const sshd = await startSshd();
  try {
    await withTempDir("borg-ssh", async (dir) => {
      const { driver } = await setUp(sshd, dir);
      const src = join(dir, "src");
      await writeTree(src, { files: 12, fileSize: 32 * 1024, perDir: 6 });
      const d = driver();
      const init = await d.run("init", {});
      assert.equal(init.status, "ok", init.tail);
      const log = eventLog();
      const create = await d.run("backup", { archive: "web1-1", sources: [src] }, log);
      assert.equal(create.status, "ok", create.tail);
      assert.match(create.command, /^borg create .* ssh:\/\/\S+@127\.0\.0\.1:\d+\/\S+::web1-1 /);
      assert.deepEqual((await d.run("snapshots", {})).result!.archives.map((a) => a.name), [
        "web1-1",
      ]);
      const target = join(dir, "restored");
      await mkdir(target);
      assert.equal((await d.run("restore", { archive: "web1-1", target })).status, "ok");
      await assertSameTree(src, join(target, src));

      const elsewhere = await driver(join(dir, "server", "other")).run("init", {});
      assert.deepEqual(elsewhere.failure, {
        code: "permission_denied",
        message:
          "The server lets this key use only another repository path (borg serve --restrict-to-…).",
      });
      assertNoSecrets([PASSPHRASE], init, create, log.events, elsewhere);
    });
  } finally {
    await sshd.stop();
  }
});

Deno.test("borg over SSH: cancel mid-backup, graceful and forced; the server keeps no lock", async () => {
  const sshd = await startSshd();
  try {
    await withTempDir("borg-ssh-cancel", async (dir) => {
      const { driver, repoPath } = await setUp(sshd, dir);
      const src = join(dir, "src");
      await writeTree(src, { files: 8, fileSize: 512 * 1024, perDir: 8 });
      const d = driver(undefined, 10);
      assert.equal((await d.run("init", {})).status, "ok");
      for (const graceMs of [15_000, 0]) {
        const abort = new AbortController();
        const r = await d.run("backup", {
          archive: `c${graceMs}`,
          sources: [src],
          uploadRatelimitKiB: 512,
        }, {
          signal: abort.signal,
          graceMs,
          onEvent: (e) => e.type === "progress" && e.bytes ? abort.abort() : undefined,
        });
        assert.equal(r.status, "cancelled", r.tail);
        assert.equal(r.forcedKill, graceMs === 0);
        if (graceMs === 0) assert.equal(r.lockCleanup?.action, "none");
        const check = await d.run("check", {});
        assert.equal(check.status, "ok", check.tail);
        assert.ok(
          !(await listDir(repoPath)).includes("lock.exclusive"),
          "the server released the lock",
        );
      }
      assert.deepEqual((await d.run("snapshots", {})).result!.archives, [], "no archive was made");
    });
  } finally {
    await sshd.stop();
  }
});
