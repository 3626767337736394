/**
 * Reports are never lost and never doubled, whatever dies when. Real processes on loopback:
 * (a) the appliance stops while the agent makes 10,000 reports, then comes back; (b) the agent
 * is SIGKILLed mid-flush again and again; (c) the appliance is SIGKILLed mid-batch again and
 * again. Kill points are random: each round waits until the appliance has stored a random
 * number more reports, which lands the kill between a commit and its acknowledgement as often
 * as not. Every report carries its number n; the check is that the appliance holds each n once.
 */
import assert from "node:assert/strict";
import type { AgentProcess, Appliance } from "./procs.ts";
import {
  agentCommand,
  applianceDb,
  enrollApproved,
  hostStatus,
  removeDirs,
  restartAppliance,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "./procs.ts";

const BATCH = { CAIRN_AGENT_BATCH_SIZE: "50", CAIRN_AGENT_LOG_LEVEL: "debug" };

/** A random 0–20 ms more, so kills land anywhere in a batch's round trip, not just after one. */
const jitter = () => new Promise((r) => setTimeout(r, Math.random() * 20));

function stored(a: Appliance, hostId: string): number {
  const db = applianceDb(a.dataDir);
  try {
    return db.count(
      "SELECT COUNT(*) AS n FROM agent_reports WHERE host_id = ? AND kind = 'event'",
      hostId,
    );
  } finally {
    db.close();
  }
}

/** Each of 0..total-1 stored exactly once, and nothing else. */
function assertExactlyOnce(a: Appliance, hostId: string, total: number) {
  const db = applianceDb(a.dataDir);
  try {
    const q = (sql: string) => db.count(sql, hostId);
    const where = "FROM agent_reports WHERE host_id = ? AND kind = 'event'";
    assert.equal(q(`SELECT COUNT(*) AS n ${where}`), total, "as many rows as reports made");
    assert.equal(
      q(`SELECT COUNT(DISTINCT json_extract(body, '$.n')) AS n ${where}`),
      total,
      "each report once",
    );
    assert.equal(
      q(`SELECT COUNT(*) AS n ${where} AND json_extract(body, '$.n') BETWEEN 0 AND ${total - 1}`),
      total,
    );
  } finally {
    db.close();
  }
}

function duplicatesSeen(procs: AgentProcess[]): number {
  let n = 0;
  for (const p of procs) {
    for (const l of p.lines) {
      const m = /"msg":"reports delivered".*"duplicates":(\d+)/.exec(l);
      if (m) n += Number(m[1]);
    }
  }
  return n;
}

async function outboxDepth(stateDir: string): Promise<number> {
  return JSON.parse((await agentCommand(["status", "--json", "--offline"], { stateDir })).out)
    .outboxDepth;
}

Deno.test("fault (a): the appliance is stopped while the agent makes 10,000 reports; after it returns all arrive exactly once", async () => {
  let a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  let run: AgentProcess | null = null;
  try {
    const hostId = await enrollApproved(a, dir);
    run = spawnAgent(["run"], { stateDir: dir, env: { CAIRN_AGENT_BATCH_SIZE: "500" } });
    await waitFor("online", async () => (await hostStatus(a, hostId)) === "online");
    const emit = spawnAgent(["emit", "--count", "10000", "--text", "fault a"], { stateDir: dir });
    await waitFor("the first reports to arrive", () => stored(a, hostId) > 0);
    await a.stop();
    assert.equal(await emit.exited, 0);
    const before = stored(a, hostId);
    assert.ok(before < 10_000, `the appliance went away mid-stream (had ${before})`);
    await new Promise((r) => setTimeout(r, 1500));
    a = await restartAppliance(a, "stop");
    await waitFor("all 10,000 reports", () => stored(a, hostId) >= 10_000, 60_000);
    assertExactlyOnce(a, hostId, 10_000);
    await waitFor("an empty outbox", async () => (await outboxDepth(dir)) === 0, 60_000);
    console.log(`fault (a): ${before} arrived before the stop, ${10_000 - before} after`);
  } finally {
    await run?.kill("SIGKILL");
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});

Deno.test("fault (b): the agent is killed -9 mid-flush at random points, again and again: none lost, none doubled", async () => {
  const a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  const total = 3000;
  const procs: AgentProcess[] = [];
  try {
    const hostId = await enrollApproved(a, dir);
    assert.equal(
      (await agentCommand(["emit", "--count", String(total)], { stateDir: dir })).code,
      0,
    );
    let kills = 0;
    for (let round = 0; round < 25; round++) {
      const have = stored(a, hostId);
      if (have >= total - 50) break;
      const target = have + 1 + Math.floor(Math.random() * 100);
      const p = spawnAgent(["run"], { stateDir: dir, env: BATCH });
      procs.push(p);
      await waitFor("the next random kill point", () => stored(a, hostId) >= target, 20_000);
      await jitter();
      await p.kill("SIGKILL");
      kills++;
    }
    const last = spawnAgent(["run"], { stateDir: dir, env: BATCH });
    procs.push(last);
    await waitFor("every report", () => stored(a, hostId) >= total, 30_000);
    // The last acknowledgements can wait out one retry delay (up to a minute) on a loaded machine.
    await waitFor("an empty outbox", async () => (await outboxDepth(dir)) === 0, 120_000);
    await last.kill("SIGTERM");
    assertExactlyOnce(a, hostId, total);
    assert.ok(kills >= 6, `killed the agent mid-flush ${kills} times`);
    console.log(
      `fault (b): ${kills} kills, ${
        duplicatesSeen(procs)
      } re-sent reports acknowledged as duplicates`,
    );
  } finally {
    for (const p of procs) await p.kill("SIGKILL");
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});

Deno.test("fault (c): the appliance is killed -9 mid-batch at random points, again and again: the agent retries, each report stored once", async () => {
  let a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  const total = 5000;
  let run: AgentProcess | null = null;
  try {
    const hostId = await enrollApproved(a, dir);
    assert.equal(
      (await agentCommand(["emit", "--count", String(total)], { stateDir: dir })).code,
      0,
    );
    run = spawnAgent(["run"], { stateDir: dir, env: BATCH });
    let kills = 0;
    for (let round = 0; round < 12; round++) {
      const have = stored(a, hostId);
      if (have >= total - 100) break;
      const target = have + 1 + Math.floor(Math.random() * 150);
      await waitFor("the next random kill point", () => stored(a, hostId) >= target, 20_000);
      await jitter();
      a = await restartAppliance(a, "kill");
      kills++;
    }
    await waitFor("every report", () => stored(a, hostId) >= total, 30_000);
    await waitFor("an empty outbox", async () => (await outboxDepth(dir)) === 0, 60_000);
    assertExactlyOnce(a, hostId, total);
    assert.ok(kills >= 5, `killed the appliance mid-batch ${kills} times`);
    console.log(
      `fault (c): ${kills} kills, ${
        duplicatesSeen([run])
      } re-sent reports acknowledged as duplicates`,
    );
  } finally {
    await run?.kill("SIGKILL");
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});
