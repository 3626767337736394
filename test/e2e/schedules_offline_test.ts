/**
 * Schedules that keep firing while the appliance is away, with real processes: the appliance,
 * one agent (`deno run agent/main.ts run`) and real restic. A one-minute schedule is pushed to
 * the agent; the appliance is killed; the agent keeps making snapshots on its own (read from
 * the repository with restic itself); the appliance comes back on the same data dir and adopts
 * each run as a 'schedule' job, once. Then the schedule changes while the agent is stopped: the
 * drift shows until the agent runs again.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobView } from "../../server/contract/backups.ts";
import type { HostScheduleState, ScheduleView } from "../../server/contract/schedules.ts";
import { type Appliance, restartAppliance, spawnAgent, waitFor } from "../agents/procs.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import { startBackupRig } from "./backup_rig.ts";

async function resticSnapshots(repo: string, password: string): Promise<string[]> {
  const out = await new Deno.Command("restic", {
    args: ["-r", repo, "snapshots", "--json", "--no-lock"],
    env: { RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: join(repo, "..", "restic-cache") },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`restic snapshots failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return (JSON.parse(new TextDecoder().decode(out.stdout)) as Array<{ id: string }>).map((s) =>
    s.id
  );
}

async function api<T>(a: Appliance, method: string, path: string, body?: unknown): Promise<T> {
  const r = await a.admin.json<T>(method, path, body);
  if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const hostState = async (a: Appliance, hostId: string) =>
  (await api<{ state: HostScheduleState }>(a, "GET", `/api/hosts/${hostId}/schedule-state`)).state;

Deno.test("a one-minute schedule keeps firing real backups while the appliance is away", async () => {
  const work = await mkdtemp(join(tmpdir(), "cairn-sched-e2e-"));
  const rig = await startBackupRig();
  let appliance: Appliance = rig.appliance;
  const agent = rig.agents[0];
  let agentProc = agent.process;
  const t0 = Date.now();
  const mark = (what: string) =>
    console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  try {
    const src = join(work, "src");
    await writeTree(src, { files: 20, fileSize: 4096 });
    const repoPath = join(work, "repo");
    const passphrase = testSecret("sched-offline-pass");
    const { repository } = await rig.createRepository({
      name: "offline",
      engine: "restic",
      location: { kind: "local", path: repoPath },
      passphrase,
    });
    const [init] = await rig.run({
      kind: "init",
      repositoryId: repository.id,
      hostId: agent.hostId,
    });
    assert.equal((await rig.finish(init.id)).job.status, "ok");
    const plan = await rig.createPlan({
      name: "every minute",
      repositoryId: repository.id,
      target: { type: "host", hostId: agent.hostId },
      sources: [src],
      retention: { last: 100 },
    });
    const { schedule } = await rig.api<{ schedule: ScheduleView }>("POST", "/api/schedules", {
      planId: plan.id,
      kind: "backup",
      rule: { type: "cron", expression: "* * * * *" },
      timeZone: "UTC",
    });
    let last: HostScheduleState | null = null;
    const applied = await waitFor("the agent to apply the schedule", async () => {
      const s = last = await hostState(appliance, agent.hostId);
      return s.pushedVersion > 0 && !s.drift && s.appliedVersion === s.pushedVersion ? s : null;
    }, 30_000).catch((err) => {
      const said = agentProc.lines.filter((l) => /schedule|command/.test(l)).slice(-20);
      throw new Error(`${err.message}: ${JSON.stringify(last)}\n${said.join("\n")}`);
    });
    mark(`schedule version ${applied.appliedVersion} applied`);

    await appliance.kill();
    const before = (await resticSnapshots(repoPath, passphrase)).length;
    mark(`appliance killed (${before} snapshots so far)`);
    const away = await waitFor("two snapshots made while the appliance is away", async () => {
      const ids = await resticSnapshots(repoPath, passphrase);
      return ids.length >= before + 2 ? ids : null;
    }, 150_000);
    mark(`${away.length - before} snapshots while away`);
    appliance = await restartAppliance(appliance, "kill");
    mark("appliance back");

    const jobs = await waitFor("the runs to be reconciled", async () => {
      const snaps = await resticSnapshots(repoPath, passphrase);
      const { jobs } = await api<{ jobs: JobView[] }>(
        appliance,
        "GET",
        `/api/jobs?planId=${plan.id}&limit=200`,
      );
      const scheduled = jobs.filter((j) => j.trigger === "schedule");
      const done = scheduled.filter((j) => j.status === "ok" && j.snapshotId);
      const running = scheduled.some((j) =>
        !["ok", "warning", "failed", "cancelled"].includes(j.status)
      );
      return !running && done.length >= away.length && done.length === snaps.length
        ? { scheduled, snaps }
        : null;
    }, 60_000);
    mark(`${jobs.scheduled.length} scheduled jobs reconciled`);
    assert.ok(jobs.scheduled.every((j) => j.status === "ok"), "every scheduled run ended ok");
    assert.equal(
      new Set(jobs.scheduled.map((j) => j.id)).size,
      jobs.scheduled.length,
      "no job twice",
    );
    const fullIds = new Set(jobs.snaps);
    const named = jobs.scheduled.map((j) => j.snapshotId!);
    assert.equal(new Set(named).size, named.length, "no snapshot claimed by two jobs");
    for (const id of named) {
      assert.ok([...fullIds].some((f) => f.startsWith(id) || id.startsWith(f)), id);
    }
    assert.ok(jobs.scheduled.every((j) => /^job_[0-9a-hjkmnp-tv-z]{26}$/.test(j.id)));

    await agentProc.kill("SIGTERM");
    mark("agent stopped");
    await api(appliance, "PATCH", `/api/schedules/${schedule.id}`, {
      rule: { type: "cron", expression: "*/5 * * * *" },
    });
    const drift = await waitFor("the drift to show", async () => {
      const s = await hostState(appliance, agent.hostId);
      return s.drift && s.pushedVersion > s.appliedVersion ? s : null;
    }, 30_000);
    mark(`drift: version ${drift.pushedVersion} pushed, host runs ${drift.appliedVersion}`);
    assert.equal(drift.appliedVersion, applied.appliedVersion);

    agentProc = spawnAgent(["run"], { stateDir: agent.stateDir });
    agent.process = agentProc;
    const cleared = await waitFor("the drift to clear", async () => {
      const s = await hostState(appliance, agent.hostId);
      return !s.drift && s.appliedVersion === drift.pushedVersion ? s : null;
    }, 30_000);
    mark(`drift cleared at version ${cleared.appliedVersion}`);
  } finally {
    await agentProc.kill("SIGTERM");
    if (appliance !== rig.appliance) {
      await appliance.stop();
    }
    await rig.close();
    await rm(work, { recursive: true, force: true });
  }
});
