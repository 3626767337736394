/**
 * restic 0.14 through the driver, against `rclone serve restic --append-only --htpasswd` on
 * 127.0.0.1: backups work, wrong credentials are explained, and a forget is refused with a
 * plain sentence as soon as the server says 403, instead of after restic's ~40 s of retries.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createResticDriver } from "../../agent/tools/restic/driver.ts";
import type { ResticRepository } from "../../agent/tools/restic/repository.ts";
import { startRcloneRestServer } from "../helpers/rclone.ts";
import { assertNoSecrets, eventLog, listDir, withTempDir } from "./fixtures.ts";

const PASSWORD = "restic-rest-repo-password-71ac3e";
const HTTP_PASSWORD = "rclone-http-password-5e9b20";
const WRONG = "restic-rest-wrong-secret-d4e8f1";

Deno.test("restic to rclone serve restic --append-only: backup, wrong credentials, refused forget", async () => {
  const rest = await startRcloneRestServer({ users: { alice: HTTP_PASSWORD }, appendOnly: true });
  try {
    await withTempDir("restic-rest", async (dir) => {
      const src = join(dir, "src");
      await mkdir(src);
      await writeFile(join(src, "a.txt"), "first\n");
      const repository = (password = HTTP_PASSWORD): ResticRepository => ({
        kind: "rest",
        url: `${rest.url}alice/`,
        username: "alice",
        password,
      });
      const driver = (repo = repository(), password = PASSWORD) =>
        createResticDriver({ repository: repo, password, cacheDir: join(dir, "cache") });
      const d = driver();
      const init = await d.run("init", {});
      assert.equal(init.status, "ok", init.tail);
      const log = eventLog();
      const first = await d.run("backup", { sources: [src], hostname: "web1" }, log);
      assert.equal(first.status, "ok", first.tail);
      await writeFile(join(src, "a.txt"), "second\n");
      assert.equal((await d.run("backup", { sources: [src], hostname: "web1" })).status, "ok");

      const wrongRepoPassword = await driver(repository(), WRONG).run("snapshots", {});
      assert.equal(wrongRepoPassword.failure?.code, "wrong_password");
      const wrongHttp = await driver(repository(WRONG)).run("snapshots", {});
      assert.deepEqual(wrongHttp.failure, {
        code: "wrong_password",
        message: "The REST server refused the username or password (HTTP 401).",
      });

      const forget = await d.run("forget", { keep: { last: 1 } });
      assert.equal(forget.status, "failed");
      assert.deepEqual(forget.failure, {
        code: "append_only",
        message: "The repository server is append-only: it refuses to delete snapshots. " +
          "Run forget and prune on the server itself.",
      });
      assert.equal(
        forget.exitCode,
        130,
        "the driver stopped restic instead of waiting out its retries",
      );
      assert.equal(
        (await d.run("snapshots", {})).result!.snapshots.length,
        2,
        "nothing was deleted",
      );
      assert.deepEqual(
        await listDir(join(rest.dataDir, "alice", "locks")),
        [],
        "restic released its lock",
      );

      for (const r of [init, first, wrongRepoPassword, wrongHttp, forget]) {
        assert.ok(
          !r.command.includes(HTTP_PASSWORD) && r.command.includes("rest:http://127.0.0.1:"),
        );
      }
      assertNoSecrets(
        [PASSWORD, HTTP_PASSWORD, WRONG],
        init,
        first,
        log.events,
        wrongRepoPassword,
        wrongHttp,
        forget,
      );
    });
  } finally {
    await rest.stop();
  }
});

Deno.test("a restic run that outlives its time limit is stopped and reported", async () => {
  const rest = await startRcloneRestServer({ users: { bob: HTTP_PASSWORD } });
  try {
    await withTempDir("restic-timeout", async (dir) => {
      const d = createResticDriver({
        repository: {
          kind: "rest",
          url: `${rest.url}bob/`,
          username: "bob",
          password: HTTP_PASSWORD,
        },
        password: PASSWORD,
        cacheDir: join(dir, "cache"),
      });
      await d.run("init", {});
      const src = join(dir, "src");
      await mkdir(src);
      await writeFile(
        join(src, "big.bin"),
        crypto.getRandomValues(new Uint8Array(65536)).join(","),
      );
      const r = await d.run("backup", { sources: [src], limitUploadKiB: 8 }, { timeoutMs: 1000 });
      assert.equal(r.status, "failed");
      assert.equal(r.timedOut, true);
      assert.deepEqual(r.failure, {
        code: "unknown",
        message: "restic did not finish in time and was stopped",
      });
      assert.equal((await d.run("snapshots", {})).result!.snapshots.length, 0);
    });
  } finally {
    await rest.stop();
  }
});

Deno.test("restic's rclone: backend, with rclone's own settings in the environment", async () => {
  await withTempDir("restic-rclone", async (dir) => {
    const src = join(dir, "src");
    await mkdir(src);
    await writeFile(join(src, "a.txt"), "via rclone\n");
    const d = createResticDriver({
      repository: {
        kind: "rclone",
        remote: `:local:${join(dir, "remote", "repo")}`,
        env: { RCLONE_CONFIG: join(dir, "rclone.conf") },
      },
      password: PASSWORD,
      cacheDir: join(dir, "cache"),
    });
    assert.equal((await d.run("init", {})).status, "ok");
    const backup = await d.run("backup", { sources: [src] });
    assert.equal(backup.status, "ok", backup.tail);
    assert.match(
      backup.command,
      /^RESTIC_REPOSITORY=rclone::local:\S+\/remote\/repo restic backup /,
    );
    assert.ok((await listDir(join(dir, "remote", "repo", "snapshots"))).length === 1);
  });
});
