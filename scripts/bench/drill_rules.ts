/**
 * The drill rules' queries over a year of drills: 1,000 hosts with one plan each, a daily drill
 * schedule per plan (half the fleet) or per host (the other half), and 365 drills per host
 * (365,000 drills and jobs; one host in twenty fails its latest drill). Prints p50 / p95 / max of
 * drill_failed's query as a job end asks it (one job) and as a tick asks it (ten minutes of
 * ended drills, the open subjects), and of drill_overdue's query (every schedule's host and its
 * last passing drill).
 *
 *   deno run -A scripts/bench/drill_rules.ts
 */
import { createDrillRuleQueries } from "../../server/alerts/rules/drill_repo.ts";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { newId } from "../../server/ids.ts";
import { benchDbFile, openSeeder, summary } from "./seed_db.ts";

const HOSTS = Number(Deno.env.get("CAIRN_BENCH_HOSTS") ?? 1000);
const DAYS = 365;
const RUNS = 30;
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 1, 12);

const { file, fresh, dispose } = await benchDbFile("cairn-bench-drills-");

function seed() {
  const { raw, ins, job, addHost, addRepository, addPlan } = openSeeder(file);
  const sched = ins("drill_schedules", [
    "id",
    "scope",
    "plan_id",
    "host_id",
    "rule",
    "cron",
    "time_zone",
    "sample_size",
    "created_by",
    "created_at",
    "updated_at",
  ]);
  const drill = ins("drills", [
    "job_id",
    "host_id",
    "target_host_id",
    "repository_id",
    "plan_id",
    "snapshot_id",
    "sample_size",
    "created_by",
    "created_at",
    "finished_at",
    "outcome",
  ]);
  const start = now - (DAYS + 1) * DAY;
  raw.exec("BEGIN");
  const rid = addRepository("main", start);
  for (let h = 0; h < HOSTS; h++) {
    const hid = addHost(h, start);
    const pid = addPlan({ name: `plan-${h}`, repositoryId: rid, hostId: hid, at: start });
    const rule = '{"type":"daily","at":"03:00"}';
    // Half the schedules cover the plan, the other half the host.
    const [scope, planId, hostId] = h % 2 === 0 ? ["plan", pid, null] : ["host", null, hid];
    sched.run(
      newId("drs", start),
      scope,
      planId,
      hostId,
      rule,
      "0 3 * * *",
      "UTC",
      20,
      "a",
      start,
      start,
    );
    for (let d = 0; d < DAYS; d++) {
      const at = start + d * DAY + 3 * 3600_000;
      const failed = d === DAYS - 1 && h % 20 === 3;
      const id = newId("job", at);
      const status = failed ? "failed" : "ok";
      job.run(id, hid, rid, null, "drill", 0, status, "schedule", at, at, at + 60_000);
      drill.run(id, hid, hid, rid, pid, `s${d}`, 20, "schedule", at, at + 60_000, status);
    }
  }
  raw.exec("COMMIT");
  raw.close();
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

try {
  if (fresh) {
    await migrate(file, await loadMigrations(defaultMigrationsDir()));
    const t0 = performance.now();
    seed();
    console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const { db, close } = openDb(file);
  const q = createDrillRuleQueries(db);
  const open = (await q.latestDrills({ since: now - 2 * DAY, jobIds: [], subjects: [] }))
    .filter((r) => r.status === "failed").map((r) => r.subject);
  console.log(`failed subjects: ${open.length}`);
  const last = (await db.selectFrom("drills").select("job_id").orderBy("created_at", "desc")
    .executeTakeFirstOrThrow()).job_id;
  const jobEnd = await time(() => q.latestDrills({ since: now, jobIds: [last], subjects: open }));
  const tick = await time(() =>
    q.latestDrills({ since: now - 10 * 60_000, jobIds: [], subjects: open })
  );
  const duties = await time(() => q.drillDuties(now));
  console.log(`drill_failed, a job ended: ${summary(jobEnd)}`);
  console.log(`drill_failed, a tick:      ${summary(tick)}`);
  console.log(`drill_overdue (${(await q.drillDuties(now)).length} duties): ${summary(duties)}`);
  close();
} finally {
  await dispose();
}
