/**
 * The host rules raised and resolved by real events: a real appliance judging ticks every
 * 500 ms (CAIRN_ALERT_TICK_MS) and real agent processes. An agent enrolled and not yet approved
 * is host_pending until approved; an agent stopped longer than the host_offline threshold is
 * offline until it runs again, while the agent still running is not; a plan run by hand is stale
 * once older than its window, until a backup. Every assertion reads
 * GET /api/alerts, and a webhook channel hears the info alert's opened and resolved events.
 */
import assert from "node:assert/strict";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import type { AlertView } from "../../server/contract/alerts.ts";
import {
  agentCommand,
  removeDirs,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "../agents/procs.ts";
import { startBackupRig } from "../e2e/backup_rig.ts";
import type { BackupRig } from "../e2e/backup_rig.ts";
import { testSecret } from "../helpers/log_capture.ts";
import { writeTree } from "../tools/tree.ts";
import {
  addWebhookChannel,
  listAlerts,
  setRule,
  startWebhookReceiver,
  waitAlert,
  waitReceived,
} from "./real_helpers.ts";

Deno.test("host rules by real events: waiting for approval, a stopped agent, a stale plan", async () => {
  const hook = startWebhookReceiver();
  const rig = await startBackupRig({ env: { CAIRN_ALERT_TICK_MS: "500" } });
  const stateDir = await tempDir("cairn-alerts-host-");
  const work = await tempDir("cairn-alerts-stale-");
  let agent: ReturnType<typeof spawnAgent> | null = null;
  try {
    await addWebhookChannel(rig, hook.url);
    const steady = rig.agents[0].hostId;
    const stale = await unscheduledPlan(rig, work);

    // Enrolled, not approved: waits for approval until an admin approves it.
    const enrolled = await agentCommand(["enroll", "--server", rig.appliance.url, "--json"], {
      stateDir,
    });
    assert.equal(enrolled.code, 0, enrolled.out);
    const { hostId } = JSON.parse(enrolled.out.split("\n").find((l) => l.startsWith("{"))!);
    const pending = await waitAlert(rig, "host_pending", hostId, "open", 10_000);
    assert.equal(pending.severity, "info");
    assert.equal(pending.link, `/hosts/${hostId}`);
    assert.match(pending.message, /enrolled from 127\.0\.0\.1 at /);
    await rig.api("POST", `/api/hosts/${hostId}/approve`, {});
    assert.equal((await waitAlert(rig, "host_pending", hostId, "resolved", 10_000)).id, pending.id);
    await waitReceived(hook, pending.id, "opened");
    await waitReceived(hook, pending.id, "resolved");

    // Running, then stopped for longer than 15 s: offline; running again: resolved.
    agent = spawnAgent(["run"], { stateDir });
    const online = async () =>
      (await rig.api<{ host: { status: string } }>("GET", `/api/hosts/${hostId}`)).host.status ===
        "online";
    await waitFor("the new agent online", online, 30_000);
    await setRule(rig, "host_offline", { minutes: 0.25 });
    await new Promise((r) => setTimeout(r, 2_000)); // a few ticks with both agents running
    assert.deepEqual(await listAlerts(rig, { rule: "host_offline" }), [], "nobody is offline");
    await agent.kill("SIGTERM");
    const stoppedAt = Date.now();
    const offline = await waitAlert(rig, "host_offline", hostId, "open", 40_000);
    assert.ok(Date.now() - stoppedAt >= 10_000, "not before the threshold (less the last write)");
    assert.match(offline.message, / was last seen at \S+ \(more than 15 s ago\)$/);
    assert.equal(offline.severity, "warning");
    const active = await listAlerts(rig, { rule: "host_offline", state: "active" });
    assert.deepEqual(active.map((a) => a.subject), [hostId], `${steady} still runs`);
    agent = spawnAgent(["run"], { stateDir });
    assert.equal((await waitAlert(rig, "host_offline", hostId, "resolved", 20_000)).id, offline.id);

    // A plan run by hand, judged against 36 s (unscheduledHours 0.01): stale until a backup.
    await waitFor("the plan to be 36 s old", () => Date.now() - stale.createdAt > 37_000, 60_000);
    const judge = () =>
      setRule(rig, "backup_stale", { factor: 2, graceMinutes: 60, unscheduledHours: 0.01 });
    await judge();
    const old = await waitAlert(rig, "backup_stale", `${steady}/${stale.planId}`, "open", 5_000);
    assert.match(old.message, /^Plan by hand: no successful backup within 36 s for a plan /);
    const [job] = await rig.run({ kind: "backup", planId: stale.planId });
    assert.equal((await rig.finish(job.id)).job.status, "ok");
    await judge();
    assert.equal(
      (await waitAlert(rig, "backup_stale", `${steady}/${stale.planId}`, "resolved", 5_000)).id,
      old.id,
    );
  } finally {
    await agent?.kill("SIGTERM");
    await rig.close();
    await hook.close();
    await removeDirs(stateDir, work);
  }
});

/** A restic repository and a plan without a schedule on the rig's first agent. */
async function unscheduledPlan(rig: BackupRig, work: string) {
  const hostId = rig.agents[0].hostId;
  const src = join(work, "src");
  await writeTree(src, { files: 5, fileSize: 4096 });
  const { repository } = await rig.createRepository({
    name: "stale",
    engine: "restic",
    location: { kind: "local", path: join(work, "repo") },
    passphrase: testSecret("alerts-stale-pass"),
  });
  const [init] = await rig.run({ kind: "init", repositoryId: repository.id, hostId });
  assert.equal((await rig.finish(init.id)).job.status, "ok");
  const createdAt = Date.now();
  const plan = await rig.createPlan({
    name: "by hand",
    repositoryId: repository.id,
    target: { type: "host", hostId },
    sources: [src],
  });
  return { planId: plan.id, createdAt };
}

/**
 * The agent, meeting a changed key at hello, still asks for a challenge that names the key it
 * pinned (then refuses the answer), so the appliance can tell its admin.
 */
Deno.test(
  "appliance_key_changed by a real key change: the appliance comes back with a new identity",
  keyChanged,
);

async function keyChanged() {
  const rig = await startBackupRig({ env: { CAIRN_ALERT_TICK_MS: "500" } });
  let appliance = rig.appliance;
  const identity = join(appliance.dataDir, "identity.json");
  try {
    const hostId = rig.agents[0].hostId;
    // The appliance is reinstalled from its database without its key: a new identity.
    await appliance.stop();
    await rename(identity, `${identity}.old`);
    appliance = await startAppliance({
      dataDir: appliance.dataDir,
      listen: `127.0.0.1:${appliance.port}`,
      env: { CAIRN_ALERT_TICK_MS: "500" },
    });
    const changed = await waitFor("appliance_key_changed to open", async () => {
      const r = await appliance.admin.json<{ alerts: AlertView[] }>(
        "GET",
        "/api/alerts?rule=appliance_key_changed&state=open",
      );
      return r.body.alerts.find((a) => a.subject === hostId) ?? null;
    }, 30_000).catch((err) => {
      throw new Error(`${err.message}; the agent said: ${rig.agents[0].process.lines.slice(-8)}`);
    });
    assert.equal(changed.severity, "critical");
    assert.notEqual(await rig.agents[0].process.exited, 0, "the agent refuses the new key");
    assert.ok(rig.agents[0].process.lines.some((l) => /another key/.test(l)));
  } finally {
    await appliance.stop();
    await rig.close().catch(() => {});
  }
}
