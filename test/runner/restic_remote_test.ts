/**
 * The runner with restic against real servers on 127.0.0.1: `rclone serve restic
 * --append-only --htpasswd` (backup works, forget is refused quickly and in plain words, the
 * REST password never shows) and sftp through a throwaway sshd (the key written for the run
 * only, the host key trusted on first use and reported by `test`, then pinned).
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { listNames } from "../../agent/jobs/files.ts";
import { startRcloneRestServer } from "../helpers/rclone.ts";
import { startSshd } from "../helpers/sshd.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { makeSpec, runToEnd, withRunner } from "./fixture.ts";

const PASSWORD = testSecret("runner-rest-pw");
const REST_PASSWORD = testSecret("rest-http-pw");

Deno.test("restic to an append-only REST server: backup ok, forget refused within 60 s", async () => {
  const rest = await startRcloneRestServer({ users: { alice: REST_PASSWORD }, appendOnly: true });
  try {
    await withRunner(async (f) => {
      const src = join(f.dir, "src");
      await mkdir(src);
      await writeFile(join(src, "a.txt"), "hello");
      const base = {
        engine: "restic" as const,
        location: { kind: "rest" as const, url: `${rest.url}alice/`, username: "alice" },
        passphrase: PASSWORD,
        credentials: { restPassword: REST_PASSWORD },
      };
      const plan = { sources: [src], retention: { last: 1 } };
      assert.equal(
        (await runToEnd(f, await makeSpec(f, { ...base, jobId: "j_init", kind: "init" }))).status,
        "ok",
      );
      for (const i of [1, 2]) {
        const b = await runToEnd(
          f,
          await makeSpec(f, { ...base, jobId: `j_b${i}`, kind: "backup", plan }),
        );
        assert.equal(b.status, "ok", b.tail);
      }
      const started = Date.now();
      const forget = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "j_forget", kind: "forget", plan }),
      );
      const took = Date.now() - started;
      assert.equal(forget.status, "failed");
      assert.equal(forget.failureCode, "append_only");
      assert.equal(
        forget.message,
        "The repository server is append-only: it refuses to delete snapshots. Run forget and prune on the server itself.",
      );
      assert.ok(took < 60_000, `forget ended after ${took} ms`);
      const list = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "j_list", kind: "snapshots" }),
      );
      assert.equal(list.result?.snapshotCount, 2, "nothing was deleted");

      const wrong = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          credentials: { restPassword: "wrong-wrong" },
          jobId: "j_401",
          kind: "test",
        }),
      );
      assert.equal(wrong.failureCode, "wrong_password");
      const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
      for (const s of [PASSWORD, REST_PASSWORD, encodeURIComponent(REST_PASSWORD)]) {
        assert.ok(!text.includes(s), "no secret in reports or logs");
      }
    });
  } finally {
    await rest.stop();
  }
});

Deno.test("restic over sftp: key only for the run, first host key trusted then reported", async () => {
  const sshd = await startSshd();
  try {
    await withRunner(async (f) => {
      const keyPassphrase = testSecret("ssh-key-pass");
      const key = await sshd.newClientKey("restic", keyPassphrase);
      await sshd.authorize([key.publicKey]);
      const privateKey = await readFile(key.privateKeyFile, "utf8");
      const src = join(f.dir, "src");
      await mkdir(src);
      await writeFile(join(src, "a.txt"), "over sftp");
      const base = {
        engine: "restic" as const,
        location: {
          kind: "sftp" as const,
          user: sshd.user,
          host: sshd.host,
          port: sshd.port,
          path: join(f.dir, "remote-repo"),
        },
        passphrase: PASSWORD,
        ssh: { privateKey, passphrase: keyPassphrase },
      };
      const probe = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "s_test0", kind: "test" }),
      );
      assert.equal(probe.status, "ok", probe.tail);
      const r0 = probe.result as { reachable: boolean; repositoryFound: boolean; hostKey: string };
      assert.equal(r0.reachable, true);
      assert.equal(r0.repositoryFound, false);
      assert.match(probe.message ?? "", /holds no restic repository yet/);
      const hostKey = (await readFile(`${join(sshd.dir, "host_ed25519")}.pub`, "utf8")).trim()
        .split(" ");
      assert.equal(r0.hostKey, `${hostKey[0]} ${hostKey[1]}`);
      assert.equal(
        (await runToEnd(f, await makeSpec(f, { ...base, jobId: "s_init", kind: "init" }))).status,
        "ok",
      );
      const b = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "s_b1", kind: "backup", plan: { sources: [src] } }),
      );
      assert.equal(b.status, "ok", b.tail);
      assert.deepEqual(await listNames(join(f.stateDir, "jobs", "run")), [], "no key left behind");
      const pinned = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          ssh: {
            privateKey,
            passphrase: keyPassphrase,
            knownHosts: await readFile(sshd.knownHostsFile, "utf8"),
          },
          jobId: "s_test1",
          kind: "test",
        }),
      );
      assert.equal(pinned.status, "ok", pinned.tail);
      assert.equal((pinned.result as { repositoryFound: boolean }).repositoryFound, true);
      const other = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          ssh: {
            privateKey,
            passphrase: keyPassphrase,
            knownHosts:
              `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFakeFake`,
          },
          jobId: "s_test2",
          kind: "test",
        }),
      );
      assert.equal(other.status, "failed");
      assert.equal(other.failureCode, "unreachable");
      const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
      for (const s of [PASSWORD, keyPassphrase, privateKey.split("\n")[1]]) {
        assert.ok(!text.includes(s), "no secret in reports or logs");
      }
    });
  } finally {
    await sshd.stop();
  }
});
