/**
 * The runner in its own process (test/runner/agent_process.ts): its resident memory during a
 * large restic backup (the tool's own memory is apart), and a SIGKILL mid-job, after which the
 * next start reports the job as `agent_restarted` and unlock clears the lock restic left.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import { makeSpec, type RunnerFixture, runToEnd, withRunner } from "./fixture.ts";

const PASSWORD = testSecret("runner-proc-pw");
const SCRIPT = new URL("./agent_process.ts", import.meta.url).pathname;

async function rssKiB(pid: number): Promise<number> {
  const out = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(out.stdout).trim()) || 0;
}

async function startAgent(f: RunnerFixture, spec?: Record<string, unknown>) {
  const pinnedFile = join(f.dir, "pinned.json");
  await writeFile(
    pinnedFile,
    JSON.stringify({
      applianceId: f.appliance.applianceId,
      appliancePublicKey: f.appliance.publicKey,
      applianceFingerprint: f.appliance.fingerprint,
    }),
  );
  const args = ["run", "-A", "--no-check", SCRIPT, f.stateDir, pinnedFile];
  if (spec) {
    await writeFile(join(f.dir, "spec.json"), JSON.stringify(spec));
    args.push(join(f.dir, "spec.json"));
  }
  return new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "null" }).spawn();
}

async function setUp(f: RunnerFixture, tree: { files: number; fileSize: number }) {
  const repo = join(f.dir, "repo");
  const src = join(f.dir, "src");
  await writeTree(src, { ...tree, perDir: 100 });
  const base = { engine: "restic" as const, location: { kind: "local" as const, path: repo } };
  const init = await runToEnd(
    f,
    await makeSpec(f, { ...base, jobId: "p_init", kind: "init", passphrase: PASSWORD }),
  );
  assert.equal(init.status, "ok", init.tail);
  return { src, base };
}

Deno.test("the agent's own memory stays under 80 MB during a large backup", async () => {
  await withRunner(async (f) => {
    const { src, base } = await setUp(f, { files: 3000, fileSize: 48 * 1024 });
    const spec = await makeSpec(f, {
      ...base,
      jobId: "p_big",
      kind: "backup",
      passphrase: PASSWORD,
      plan: { sources: [src] },
    });
    const child = await startAgent(f, spec);
    let peak = 0;
    let samples = 0;
    const done = child.status;
    let finished = false;
    done.then(() => (finished = true));
    while (!finished) {
      peak = Math.max(peak, await rssKiB(child.pid));
      samples++;
      await new Promise((r) => setTimeout(r, 200));
    }
    await child.stdout.cancel();
    assert.equal((await done).code, 0);
    const end = f.outbox.take(100_000).find((r) =>
      r.jobId === "p_big" && r.kind === "job.finished"
    );
    assert.equal(end?.body.status, "ok", String(end?.body.tail));
    console.log(`agent RSS peak ${Math.round(peak / 1024)} MB over ${samples} samples`);
    assert.ok(samples >= 5, "the backup ran long enough to be measured");
    assert.ok(peak < 80 * 1024, `agent RSS peaked at ${Math.round(peak / 1024)} MB`);
  });
});

Deno.test("SIGKILL mid-job: the next start reports agent_restarted; unlock clears the lock", async () => {
  await withRunner(async (f) => {
    const { src, base } = await setUp(f, { files: 40, fileSize: 512 * 1024 });
    const spec = await makeSpec(f, {
      ...base,
      jobId: "p_killed",
      kind: "backup",
      passphrase: PASSWORD,
      plan: { sources: [src], limits: { uploadKiB: 512 } },
    });
    const child = await startAgent(f, spec);
    const jobFile = join(f.stateDir, "jobs", "p_killed.json");
    await f.waitFor(() => {
      try {
        return JSON.parse(Deno.readTextFileSync(jobFile)).state === "running" &&
          f.outbox.take(100_000).some((r) => r.jobId === "p_killed" && r.kind === "job.progress");
      } catch {
        return false;
      }
    }, 30_000);
    const kids = new TextDecoder().decode(
      (await new Deno.Command("pgrep", { args: ["-P", String(child.pid)], stdout: "piped" })
        .output()).stdout,
    ).trim().split("\n").filter(Boolean).map(Number);
    assert.ok(kids.length >= 1, "restic runs under the agent");
    // A power loss takes the tool down with the agent.
    for (const pid of [child.pid, ...kids]) Deno.kill(pid, "SIGKILL");
    await child.status;
    await child.stdout.cancel();
    // restic judges a lock stale only once its process is gone from the process table; a killed
    // tool stays there as a zombie until it is reaped, which a busy machine can delay.
    for (const pid of kids) {
      const deadline = Date.now() + 30_000;
      while (await inProcessTable(pid)) {
        assert.ok(Date.now() < deadline, `restic (pid ${pid}) is still in the process table`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(
      !f.outbox.take(100_000).some((r) => r.kind === "job.finished" && r.jobId === "p_killed"),
    );

    const again = await startAgent(f);
    assert.equal((await again.status).code, 0);
    await again.stdout.cancel();
    const end = f.outbox.take(100_000).find((r) =>
      r.jobId === "p_killed" && r.kind === "job.finished"
    );
    assert.equal(end?.body.failureCode, "agent_restarted");
    assert.match(String(end?.body.message), /The agent stopped while this job ran/);
    assert.equal(
      JSON.parse(await readFile(join(f.stateDir, "jobs", "finished.json"), "utf8")).ids.includes(
        "p_killed",
      ),
      true,
    );

    const locks = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "p_locks", kind: "locks", passphrase: PASSWORD }),
    );
    assert.equal((locks.result?.locks as unknown[]).length, 1, "the killed restic left its lock");
    const unlock = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "p_unlock", kind: "unlock", passphrase: PASSWORD }),
    );
    assert.equal(unlock.status, "ok", unlock.tail);
    const after = await runToEnd(
      f,
      await makeSpec(f, { ...base, jobId: "p_locks2", kind: "locks", passphrase: PASSWORD }),
    );
    assert.deepEqual(after.result, { locks: [] });
  });
});

/** Whether `pid` is still in the process table (running, or a zombie not yet reaped). */
async function inProcessTable(pid: number): Promise<boolean> {
  const ps = await new Deno.Command("ps", { args: ["-p", String(pid)], stdout: "null" }).output();
  return ps.code === 0;
}
