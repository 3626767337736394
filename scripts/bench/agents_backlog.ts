/**
 * Backlog drain: a real agent whose outbox holds 100,000 reports (made while the appliance was
 * away) starts against a real appliance; prints how long until the appliance has stored them
 * all (the issue asks for < 60 s), and how fast the outbox took them in.
 *
 *   deno run -A scripts/bench/agents_backlog.ts
 *   CAIRN_BENCH_REPORTS=100000 CAIRN_AGENT_BATCH_SIZE=200 deno run -A scripts/bench/agents_backlog.ts
 */
import {
  agentCommand,
  applianceDb,
  enrollApproved,
  removeDirs,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "../../test/agents/procs.ts";
import { processUsage } from "../../test/agents/sim.ts";

const REPORTS = Number(Deno.env.get("CAIRN_BENCH_REPORTS") ?? 100_000);
const BATCH = Deno.env.get("CAIRN_AGENT_BATCH_SIZE") ?? "200";

const a = await startAppliance();
const dir = await tempDir("cairn-bench-agent-");
let run: ReturnType<typeof spawnAgent> | null = null;
try {
  const hostId = await enrollApproved(a, dir);
  const t0 = performance.now();
  const emitted = await agentCommand(["emit", "--count", String(REPORTS), "--text", "backlog"], {
    stateDir: dir,
  });
  if (emitted.code !== 0) throw new Error(emitted.out);
  const emitS = (performance.now() - t0) / 1000;
  console.log(
    `outbox: ${REPORTS} reports queued in ${emitS.toFixed(1)} s (${
      Math.round(REPORTS / emitS)
    }/s, one transaction per 1,000)`,
  );
  const db = applianceDb(a.dataDir);
  const count = () => db.count("SELECT COUNT(*) AS n FROM agent_reports WHERE host_id = ?", hostId);
  const cpu0 = (await processUsage(a.child.pid)).cpuSeconds;
  const started = performance.now();
  run = spawnAgent(["run"], { stateDir: dir, env: { CAIRN_AGENT_BATCH_SIZE: BATCH } });
  let peakRss = 0;
  await waitFor("the backlog to drain", async () => {
    peakRss = Math.max(peakRss, (await processUsage(run!.child.pid)).rssMb);
    return count() >= REPORTS;
  }, 300_000);
  const drainS = (performance.now() - started) / 1000;
  const cpu = ((await processUsage(a.child.pid)).cpuSeconds - cpu0) / drainS * 100;
  const stored = count();
  db.close();
  console.log(
    `drained ${stored} reports in ${
      drainS.toFixed(1)
    } s including agent start-up (target < 60 s): ` +
      `${Math.round(stored / drainS)} reports/s, batches of ${BATCH}; appliance CPU ${
        cpu.toFixed(0)
      } % of one core; ` +
      `agent peak RSS ${peakRss.toFixed(0)} MB`,
  );
} finally {
  await run?.kill("SIGKILL");
  await a.stop();
  await removeDirs(dir, a.dataDir);
}
