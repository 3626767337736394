/**
 * What change capture costs the primary's real write throughput (issue 7: ≤ 25 %), measured on
 * its heaviest write path through its own API: agent report ingest. 200 simulated agents (real
 * protocol, one session each, as in agents_ingest.ts) post their next batch as soon as the last
 * is acknowledged, against a real appliance process; the ceiling in reports/s and the
 * appliance's CPU time per report are taken with the capture triggers in place (every primary
 * captures) and with them dropped, in alternating rounds. Prints each round, the medians and the
 * cost by wall (ceiling) and by the appliance's CPU per report.
 *
 *   deno run -A scripts/bench/capture_ingest.ts
 *   CAIRN_BENCH_ROUNDS=8 CAIRN_BENCH_SECONDS=8 CAIRN_BENCH_AGENTS=200 CAIRN_BENCH_BATCH=30 \
 *     deno run -A scripts/bench/capture_ingest.ts
 *
 * BENCH-ONLY STEP: for the "off" rounds the bench drops the appliance's `cairn_rep_%` triggers
 * from its database file while it runs, and builds them again (installCapture, as the appliance
 * does at start) for the "on" rounds. No appliance ever runs without capture otherwise. SQLite
 * prepares a statement again after a schema change, so the appliance keeps working: the bench
 * checks that no batch failed, that the log grew by at least one entry per stored report in each
 * "on" round and not at all in an "off" round, and that the appliance stored each acknowledged
 * report once.
 *
 * The simulated agents share the machine (2 cores here) with the appliance, so the ceiling by
 * wall is bounded by both; the appliance's CPU per report is the steadier figure.
 */
import { defaultMigrationsDir, loadMigrations } from "../../server/db/migrate.ts";
import { installCapture, lastPosition, removeCapture } from "../../server/replication/capture.ts";
import { openReplicationConn } from "../../server/replication/repo.ts";
import { applianceDb, removeDirs, startAppliance } from "../../test/agents/procs.ts";
import { enrollSimAgents, percentile, processUsage } from "../../test/agents/sim.ts";
import type { SimAgent } from "../../test/agents/sim.ts";

const AGENTS = Number(Deno.env.get("CAIRN_BENCH_AGENTS") ?? 200);
const BATCH = Number(Deno.env.get("CAIRN_BENCH_BATCH") ?? 30);
const SECONDS = Number(Deno.env.get("CAIRN_BENCH_SECONDS") ?? 8);
const ROUNDS = Number(Deno.env.get("CAIRN_BENCH_ROUNDS") ?? 8);

interface Round {
  capture: boolean;
  acked: number;
  failures: number;
  /** Reports acknowledged per second of wall time. */
  rate: number;
  /** The appliance's CPU microseconds per acknowledged report. */
  cpuUs: number;
  /** Log entries written during the round. */
  logged: number;
}

async function saturate(agents: SimAgent[], pid: number) {
  let acked = 0;
  let failures = 0;
  const cpu0 = (await processUsage(pid)).cpuSeconds;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(agents.map(async (agent) => {
    while (performance.now() < deadline) {
      try {
        const s = await agent.session();
        const res = await agent.client.postReports(s.token, agent.reports(BATCH));
        acked += res.acked.length; // after the await: `acked += await …` would lose counts
      } catch (err) {
        failures++;
        console.error(`batch failed: ${(err as Error).message}`);
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await processUsage(pid)).cpuSeconds - cpu0;
  return { acked, failures, rate: acked / elapsed, cpuUs: (cpu / Math.max(1, acked)) * 1e6 };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

const a = await startAppliance();
const migrations = await loadMigrations(defaultMigrationsDir());
const conn = openReplicationConn(`${a.dataDir}/cairn.db`);
try {
  const agents = await enrollSimAgents(a, AGENTS);
  const triggers = () =>
    conn.all("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cairn_rep_%'")
      .length;
  console.log(
    `${AGENTS} agents, batches of ${BATCH}, ${SECONDS} s per round, ${ROUNDS} rounds ` +
      `alternating; the appliance started with ${triggers()} capture triggers`,
  );
  // Warm-up: JIT, caches, the tables' first pages.
  let total = (await saturate(agents, a.child.pid)).acked;
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const capture = r % 2 === 1;
    if (capture) installCapture(conn, { migrations, now: Date.now() });
    else removeCapture(conn);
    const before = lastPosition(conn);
    const res = await saturate(agents, a.child.pid);
    const logged = lastPosition(conn) - before;
    rounds.push({ capture, ...res, logged });
    total += res.acked;
    console.log(
      `round ${r + 1} capture ${capture ? "on " : "off"} (${triggers()} triggers): ` +
        `${res.rate.toFixed(0)} reports/s, ${res.cpuUs.toFixed(0)} µs appliance CPU per report, ` +
        `${res.failures} failed, ${logged} log entries`,
    );
    if (res.failures > 0) throw new Error("the appliance failed batches");
    if (capture ? logged < res.acked : logged !== 0) {
      throw new Error(`round ${r + 1}: ${logged} log entries for ${res.acked} reports`);
    }
  }
  installCapture(conn, { migrations, now: Date.now() }); // leave it as a primary runs
  const of = (on: boolean, f: (x: Round) => number) =>
    median(rounds.filter((x) => x.capture === on).map(f));
  const [offRate, onRate] = [of(false, (x) => x.rate), of(true, (x) => x.rate)];
  const [offCpu, onCpu] = [of(false, (x) => x.cpuUs), of(true, (x) => x.cpuUs)];
  console.log(
    `report ingest ceiling, medians: ${offRate.toFixed(0)} → ${onRate.toFixed(0)} reports/s, ` +
      `cost ${((1 - onRate / offRate) * 100).toFixed(1)} % by wall; appliance CPU per report ` +
      `${offCpu.toFixed(0)} → ${onCpu.toFixed(0)} µs, cost ${
        ((1 - offCpu / onCpu) * 100).toFixed(1)
      } % of its throughput by CPU (target ≤ 25 %)`,
  );
  const db = applianceDb(a.dataDir);
  const stored = db.count("SELECT COUNT(*) AS n FROM agent_reports");
  db.close();
  console.log(
    `stored ${stored} reports (${
      stored === total ? "= acknowledged" : `MISMATCH: ${total} acknowledged`
    })`,
  );
  if (stored !== total) throw new Error("stored reports differ from acknowledged ones");
} finally {
  conn.close();
  await a.stop();
  await removeDirs(a.dataDir);
}
