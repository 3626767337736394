/**
 * The runner with real borg 1.2: a local repository (backups at controlled times, forget whose
 * result must match `borg prune --dry-run --list` run directly, another plan's archive left
 * alone, stats, locks, wrong passphrase) and a repository over SSH through a key forced to
 * `borg serve --restrict-to-repository`.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startSshd } from "../helpers/sshd.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { makeSpec, runToEnd, withRunner } from "./fixture.ts";

const PASSPHRASE = testSecret("runner-borg-pass");

async function borg(args: string[], baseDir: string): Promise<string> {
  const out = await new Deno.Command("borg", {
    args,
    env: { BORG_PASSPHRASE: PASSPHRASE, BORG_BASE_DIR: baseDir, TZ: "UTC", LANG: "C.UTF-8" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  return text;
}

Deno.test("borg local: backups, forget matches borg's own dry run, other plans untouched", async () => {
  await withRunner(async (f) => {
    const repo = join(f.dir, "repo");
    const src = join(f.dir, "src");
    const direct = join(f.dir, "direct-base");
    await mkdir(src);
    await writeFile(join(src, "a.bin"), crypto.getRandomValues(new Uint8Array(60_000)));
    const base = {
      engine: "borg" as const,
      location: { kind: "local" as const, path: repo },
      passphrase: PASSPHRASE,
    };
    const plan = { sources: [src], retention: { daily: 2, weekly: 1 }, compression: "lz4" };
    const init = await runToEnd(f, await makeSpec(f, { ...base, jobId: "b_init", kind: "init" }));
    assert.equal(init.status, "ok", init.tail);
    const t0 = Date.UTC(2026, 2, 1, 8);
    for (let i = 0; i < 9; i++) {
      const t = t0 + i * 86_400_000 / 2;
      const r = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          jobId: `b_${i}`,
          kind: "backup",
          plan,
          options: { snapshotTime: t },
        }),
      );
      assert.equal(r.status, "ok", r.tail);
      assert.equal(r.snapshotId, `hst_web1.pln_daily.${new Date(t).toISOString().slice(0, 23)}`);
    }
    await borg(["create", `${repo}::hst_web1.pln_other.2026-01-01T00:00:00`, src], direct);
    const dry = await borg([
      "prune",
      "--dry-run",
      "--list",
      "--keep-daily=2",
      "--keep-weekly=1",
      "--glob-archives=hst_web1.pln_daily.*",
      repo,
    ], direct);
    const names = (re: RegExp) => [...dry.matchAll(re)].map((m) => m[1]).sort();
    const keep = names(/^Keeping archive \(rule: [^)]*\):\s+(\S+)/gm);
    const prune = names(/^Would prune:\s+(\S+)/gm);
    assert.ok(keep.length >= 2 && prune.length > 0, dry);

    const forget = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        jobId: "b_forget",
        kind: "forget",
        plan,
        options: { prune: true },
      }),
    );
    assert.equal(forget.status, "ok", forget.tail);
    assert.equal(forget.result?.kept, keep.length);
    assert.deepEqual((forget.result?.removedIds as string[]).slice().sort(), prune);
    const listed = f.reports("b_forget").filter((r) => r.kind === "snapshots");
    const ids = listed.flatMap((p) => (p.body.snapshots as Array<{ id: string }>).map((s) => s.id));
    assert.deepEqual(ids.sort(), [...keep, "hst_web1.pln_other.2026-01-01T00:00:00"].sort());
    assert.deepEqual(
      (listed[0].body.snapshots as Array<{ tags: string[] }>).find((s) => s.tags.length)!.tags,
      ["cairn", "cairn-host:hst_web1", "cairn-plan:pln_daily"],
    );

    const stats = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "b_stats", kind: "stats" }),
    );
    assert.equal(stats.status, "ok", stats.tail);
    assert.equal(stats.result?.snapshotCount, keep.length + 1);
    assert.ok((stats.result?.deduplicationRatio as number) > 2, JSON.stringify(stats.result));
    const locks = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "b_locks", kind: "locks" }),
    );
    assert.deepEqual(locks.result, { locks: [] });
    const check = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "b_check", kind: "check" }),
    );
    assert.equal(check.status, "ok", check.tail);
    const wrong = await runToEnd(
      f,
      await makeSpec(f, {
        ...base,
        passphrase: "not-the-passphrase",
        jobId: "b_wrong",
        kind: "snapshots",
      }),
    );
    assert.equal(wrong.failureCode, "wrong_password");
    assert.equal(wrong.message, "The repository passphrase is wrong.");
    const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
    assert.ok(!text.includes(PASSPHRASE));
  });
});

Deno.test("borg over SSH with a key forced to borg serve --restrict-to-repository", async () => {
  const sshd = await startSshd();
  try {
    await withRunner(async (f) => {
      const repoPath = join(f.dir, "server", "web1");
      await mkdir(join(f.dir, "server"));
      const key = await sshd.newClientKey("borg");
      const serve = `env BORG_BASE_DIR=${
        join(f.dir, "serve-base")
      } borg serve --restrict-to-repository ${repoPath}`;
      await sshd.authorize([`command="${serve}",restrict ${key.publicKey}`]);
      const privateKey = await readFile(key.privateKeyFile, "utf8");
      const src = join(f.dir, "src");
      await mkdir(src);
      await writeFile(join(src, "a.txt"), "hello over ssh");
      const base = {
        engine: "borg" as const,
        location: {
          kind: "ssh" as const,
          user: sshd.user,
          host: sshd.host,
          port: sshd.port,
          path: repoPath,
        },
        passphrase: PASSPHRASE,
        ssh: { privateKey, knownHosts: await readFile(sshd.knownHostsFile, "utf8") },
      };
      const t0 = await runToEnd(f, await makeSpec(f, { ...base, jobId: "s_test0", kind: "test" }));
      assert.equal(t0.status, "ok", t0.tail);
      assert.equal((t0.result as { repositoryFound: boolean }).repositoryFound, false);
      assert.equal(
        (await runToEnd(f, await makeSpec(f, { ...base, jobId: "s_init", kind: "init" }))).status,
        "ok",
      );
      const b = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "s_b", kind: "backup", plan: { sources: [src] } }),
      );
      assert.equal(b.status, "ok", b.tail);
      assert.match(b.snapshotId ?? "", /^hst_web1\.pln_daily\.\d{4}-/);
      const t1 = await runToEnd(f, await makeSpec(f, { ...base, jobId: "s_test1", kind: "test" }));
      const r1 = t1.result as { reachable: boolean; repositoryFound: boolean; hostKey?: string };
      assert.deepEqual([t1.status, r1.reachable, r1.repositoryFound], ["ok", true, true]);
      assert.match(r1.hostKey ?? "", /^ssh-ed25519 AAAA/);
      const locks = await runToEnd(
        f,
        await makeSpec(f, { ...base, jobId: "s_locks", kind: "locks" }),
      );
      assert.equal(locks.status, "ok", locks.tail);
      assert.equal(locks.result?.locked, false);
      const elsewhere = await runToEnd(
        f,
        await makeSpec(f, {
          ...base,
          location: { ...base.location, path: join(f.dir, "server", "other") },
          jobId: "s_other",
          kind: "init",
        }),
      );
      assert.equal(elsewhere.failureCode, "permission_denied");
      const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
      for (const s of [PASSPHRASE, privateKey.split("\n")[1]]) assert.ok(!text.includes(s));
    });
  } finally {
    await sshd.stop();
  }
});
