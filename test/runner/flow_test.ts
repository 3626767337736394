/**
 * The runner's own behaviour with real restic on a local repository: hooks, cancel (running
 * and queued), progress latency, locks and unlock, an agent restart mid-job, the queue kept
 * across the restart, invalid specs and unknown jobs, and no secret in any report or log line.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RESTARTED_MESSAGE } from "../../agent/jobs/runner.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import { makeSpec, type RunnerFixture, runToEnd, type SpecInput, withRunner } from "./fixture.ts";

const PASSWORD = testSecret("runner-flow-pw");
const HOOK_TOKEN = testSecret("hook-token");

async function setUp(f: RunnerFixture) {
  const repo = join(f.dir, "repo");
  const src = join(f.dir, "src");
  await mkdir(src);
  await writeTree(src, { files: 40, fileSize: 512 * 1024, perDir: 20 });
  const base = { engine: "restic" as const, location: { kind: "local" as const, path: repo } };
  const spec = (s: Omit<SpecInput, "engine" | "location" | "passphrase">) =>
    makeSpec(f, { ...base, passphrase: PASSWORD, ...s });
  const init = await runToEnd(f, await spec({ jobId: "job_init", kind: "init" }));
  assert.equal(init.status, "ok", init.tail);
  return { repo, src, spec };
}

Deno.test("a failing pre-hook stops the backup; the post-hook still runs and is told", async () => {
  await withRunner(async (f) => {
    const { src, spec } = await setUp(f);
    const marker = join(f.dir, "post.txt");
    const hooks = {
      pre: `TOKEN=${HOOK_TOKEN}; echo "pre says hello"; echo "pre complains" >&2; exit 3`,
      post:
        `echo "$CAIRN_JOB_STATUS|$CAIRN_JOB_MESSAGE|$CAIRN_JOB_KIND|$CAIRN_HOST_ID" > ${marker}`,
    };
    const r = await runToEnd(
      f,
      await spec({ jobId: "job_hook", kind: "backup", plan: { sources: [src], hooks } }),
    );
    assert.equal(r.status, "failed");
    assert.equal(r.failureCode, "hook_failed");
    assert.equal(r.message, "The pre-backup hook exited with 3; the backup did not run");
    const reports = f.reports("job_hook");
    const started = reports.filter((x) => x.kind === "job.started");
    assert.deepEqual(started.map((x) => x.body.command), ["pre-backup hook"], "restic never ran");
    assert.ok(!reports.some((x) => x.kind === "snapshots"));
    const hookLogs = reports.filter((x) => x.kind === "job.log" && x.body.source === "hook");
    assert.deepEqual(hookLogs.map((x) => [x.body.level, x.body.text]), [
      ["info", "pre says hello"],
      ["warning", "pre complains"],
    ]);
    assert.equal(
      (await readFile(marker, "utf8")).trim(),
      "failed|The pre-backup hook exited with 3; the backup did not run|backup|hst_web1",
    );
    const text = JSON.stringify(f.reports()) + f.logLines.join("\n");
    for (const s of [PASSWORD, HOOK_TOKEN, hooks.pre, "exit 3"]) assert.ok(!text.includes(s));
  });
});

Deno.test("cancel a running backup: progress came fast, post-hook saw cancelled, then check passes", async () => {
  await withRunner(async (f) => {
    const { repo, src, spec } = await setUp(f);
    const marker = join(f.dir, "post.txt");
    const plan = {
      sources: [src],
      limits: { uploadKiB: 1024 },
      hooks: { post: `echo "$CAIRN_JOB_STATUS" > ${marker}` },
    };
    await f.submit(await spec({ jobId: "job_slow", kind: "backup", plan }));
    await f.submit(await spec({ jobId: "job_queued", kind: "snapshots" }));
    await f.waitFor(() => f.added.some((r) => r.jobId === "job_slow" && r.kind === "job.progress"));
    assert.deepEqual(await f.cancel("job_queued"), { cancelled: true, running: false });
    assert.equal(f.finished("job_queued").status, "cancelled");
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await f.cancel("job_slow", "alice"), { cancelled: true, running: true });
    await f.runner.idle();
    const done = f.finished("job_slow");
    assert.equal(done.status, "cancelled");
    assert.equal(done.message, "Cancelled by alice");
    assert.equal((await readFile(marker, "utf8")).trim(), "cancelled");

    const progress = f.added.filter((r) => r.jobId === "job_slow" && r.kind === "job.progress");
    assert.ok(progress.length >= 2, `progress reports: ${progress.length}`);
    for (const p of progress) {
      const lag = p.at - (p.body.emittedAt as number);
      assert.ok(lag >= 0 && lag <= 300, `progress reached the outbox ${lag} ms after the tool`);
    }
    const gaps = progress.slice(1).map((p, i) => p.at - progress[i].at);
    assert.ok(gaps.every((g) => g >= 200), `at most ~4 progress reports a second: ${gaps}`);

    await assert.rejects(() => f.cancel("job_nope"), /No such job on this host/);
    const check = await runToEnd(f, await spec({ jobId: "job_check", kind: "check" }));
    assert.equal(check.status, "ok", check.tail);
    const locks = await runToEnd(f, await spec({ jobId: "job_locks", kind: "locks" }));
    assert.deepEqual(locks.result, { locks: [] }, "the cancelled backup left no lock");
    assert.ok(repo);
  });
});

Deno.test("locks names a running backup's lock; unlock clears a stale one", async () => {
  await withRunner(async (f) => {
    const { repo, src, spec } = await setUp(f);
    const env = { RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: PASSWORD };
    const child = new Deno.Command("restic", {
      args: ["backup", "--limit-upload=512", src],
      env,
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await f.waitFor(() => {
        try {
          // Not its <id>-tmp-… file: restic renames that to the lock once written.
          return [...Deno.readDirSync(join(repo, "locks"))].some((e) =>
            /^[0-9a-f]{64}$/.test(e.name)
          );
        } catch {
          return false;
        }
      }, 20_000);
      const held = await runToEnd(f, await spec({ jobId: "job_locks1", kind: "locks" }));
      assert.equal(held.status, "ok", held.tail);
      const locks = held.result?.locks as Array<Record<string, unknown>>;
      assert.equal(locks.length, 1);
      assert.equal(locks[0].pid, child.pid);
      assert.equal(locks[0].hostname, Deno.hostname());
      assert.equal(locks[0].exclusive, false);
      assert.ok(Math.abs(Date.now() - (locks[0].since as number)) < 120_000);
      assert.match(String(locks[0].id), /^[0-9a-f]{64}$/);
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
    const stale = await runToEnd(f, await spec({ jobId: "job_locks2", kind: "locks" }));
    assert.equal((stale.result?.locks as unknown[]).length, 1, "the killed restic left its lock");
    const unlock = await runToEnd(f, await spec({ jobId: "job_unlock", kind: "unlock" }));
    assert.equal(unlock.status, "ok", unlock.tail);
    const after = await runToEnd(f, await spec({ jobId: "job_locks3", kind: "locks" }));
    assert.deepEqual(after.result, { locks: [] });
  });
});

Deno.test("an agent restart mid-job reports agent_restarted and resumes the queue", async () => {
  await withRunner(async (f) => {
    const { src, spec } = await setUp(f);
    const plan = { sources: [src], limits: { uploadKiB: 1024 } };
    await f.submit(await spec({ jobId: "job_long", kind: "backup", plan }));
    await f.submit(await spec({ jobId: "job_next", kind: "snapshots" }));
    await f.waitFor(() => f.added.some((r) => r.jobId === "job_long" && r.kind === "job.started"));
    await f.runner.stop();
    assert.ok(!f.added.some((r) => r.kind === "job.finished" && r.jobId !== "job_init"));
    const again = await f.restart();
    await again.idle();
    const lost = f.finished("job_long");
    assert.equal(lost.status, "failed");
    assert.equal(lost.failureCode, "agent_restarted");
    assert.equal(lost.message, RESTARTED_MESSAGE);
    assert.equal(f.finished("job_next").status, "ok", "the queued job ran after the restart");
    const dup = await f.submit(await spec({ jobId: "job_long", kind: "snapshots" }));
    assert.equal(dup.accepted, false);
  });
});

Deno.test("a malformed spec is refused and, with a readable job id, reported invalid", async () => {
  await withRunner(async (f) => {
    await assert.rejects(
      () => f.submit({ jobId: "job_bad", kind: "explode", engine: "restic" }),
      /The job spec is invalid: /,
    );
    const bad = f.finished("job_bad");
    assert.equal(bad.status, "failed");
    assert.equal(bad.failureCode, "invalid");
    const spec = await makeSpec(f, {
      jobId: "job_compact",
      kind: "compact",
      engine: "restic",
      location: { kind: "local", path: "/nonexistent" },
      passphrase: PASSWORD,
    });
    await assert.rejects(() => f.submit(spec), /restic has no compact/);
    const other = await makeSpec(f, {
      jobId: "job_forged",
      kind: "snapshots",
      engine: "restic",
      location: { kind: "local", path: "/nonexistent" },
      passphrase: PASSWORD,
    });
    (other.repository as { passphrase: { box: string } }).passphrase.box = "AAAA";
    const forged = await runToEnd(f, other);
    assert.equal(forged.failureCode, "invalid");
    assert.match(forged.message ?? "", /The repository passphrase could not be opened/);
    await writeFile(join(f.dir, "x"), "");
  });
});

Deno.test("a job that outlives its time limit is stopped and fails 'timeout'", async () => {
  await withRunner(async (f) => {
    const { src, spec } = await setUp(f);
    const plan = { sources: [src], limits: { uploadKiB: 512 } };
    const started = Date.now();
    const r = await runToEnd(
      f,
      await spec({ jobId: "job_timeout", kind: "backup", plan, timeoutMs: 2_000 }),
    );
    assert.equal(r.status, "failed");
    assert.equal(r.failureCode, "timeout");
    // restic may finish writing a pack through the upload limit before it honours SIGINT; past
    // the grace period it is killed and its lock removed, and the message says so.
    assert.match(
      String(r.message),
      /^The job did not finish within its time limit \(2 s\) and was stopped($|\. restic was killed; its stale lock was removed with restic unlock$)/,
    );
    assert.ok(Date.now() - started < 30_000, "stopped within the grace period");
    const locks = await runToEnd(f, await spec({ jobId: "job_locks", kind: "locks" }));
    assert.deepEqual(locks.result, { locks: [] }, "no lock is left, stopped or killed");
  });
});
