/**
 * One full alert engine tick (every rule) over a fleet of 1,000 hosts, 5,000 plans with 10,000
 * schedules (a backup and a forget schedule per plan), 30 days of nightly backup jobs and
 * snapshots per host and plan (150,000 of each), a few failing hosts and silent ones. The
 * issue asks for < 100 ms. Prints p50 / p95 / max over 20 ticks, and the first tick (which
 * looks at every ended job once) apart.
 *
 *   deno run -A scripts/bench/alerts.ts
 */
import process from "node:process";
import { createAlertEngine } from "../../server/alerts/engine.ts";
import { createAlertsRepo } from "../../server/alerts/repo.ts";
import { createRuleQueries } from "../../server/alerts/rules/repo.ts";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { newId } from "../../server/ids.ts";
import { benchDbFile, openSeeder, summary } from "./seed_db.ts";

const HOSTS = Number(Deno.env.get("CAIRN_BENCH_HOSTS") ?? 1000);
const PLANS_PER_HOST = 5;
const DAYS = 30;
const TICKS = 20;
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 1, 12);

const { file, fresh, dispose } = await benchDbFile("cairn-bench-alerts-");

function seed() {
  const { raw, ins, job, addHost, addRepository, addPlan } = openSeeder(file);
  const contact = ins("host_contacts", ["host_id", "last_seen_at", "last_ip"]);
  const sched = ins("schedules", [
    "id",
    "plan_id",
    "kind",
    "rule",
    "cron",
    "time_zone",
    "created_by",
    "created_at",
    "updated_at",
  ]);
  const snap = ins("snapshots", [
    "repository_id",
    "snapshot_id",
    "short_id",
    "time",
    "hostname",
    "host_id",
    "plan_id",
    "size_bytes",
    "refresh_id",
  ]);
  const start = now - (DAYS + 1) * DAY;
  raw.exec("BEGIN");
  const repos = Array.from({ length: 20 }, (_, i) => addRepository(`repo-${i}`, start));
  for (let h = 0; h < HOSTS; h++) {
    const hid = addHost(h, start, h % 10 !== 0);
    // One host in fifty went silent two hours ago.
    contact.run(hid, h % 50 === 7 ? now - 2 * 3600_000 : now - 10_000, "10.0.0.1");
    for (let p = 0; p < PLANS_PER_HOST; p++) {
      const rid = repos[(h + p) % repos.length];
      const pid = addPlan({ name: `plan-${h}-${p}`, repositoryId: rid, hostId: hid, at: start });
      sched.run(
        newId("sch", start),
        pid,
        "backup",
        "{}",
        `${(h + p) % 60} 2 * * *`,
        "Europe/Berlin",
        "admin",
        start,
        start,
      );
      sched.run(
        newId("sch", start),
        pid,
        "forget",
        "{}",
        `${(h + p) % 60} 4 * * 0`,
        "UTC",
        "admin",
        start,
        start,
      );
      const failing = h % 100 === 3 && p === 0;
      for (let d = DAYS; d >= 1; d--) {
        const at = now - d * DAY + 3600_000;
        const status = failing && d <= 4 ? "failed" : "ok";
        job.run(
          newId("job", at),
          hid,
          rid,
          pid,
          "backup",
          0,
          status,
          "admin",
          at - 600_000,
          at - 600_000,
          at,
        );
        if (status === "ok") {
          const id = crypto.randomUUID().replaceAll("-", "").repeat(2);
          snap.run(rid, id, id.slice(0, 8), at, `host-${h}`, hid, pid, 1e9 + d * 1e6, "job_x");
        }
      }
    }
  }
  raw.exec("COMMIT");
  raw.close();
}

const t0 = performance.now();
await migrate(file, await loadMigrations(defaultMigrationsDir()));
if (fresh) seed();
console.log(`seeded ${HOSTS} hosts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const { db, close } = openDb(file);
let clockNow = now;
const engine = createAlertEngine({
  repo: createAlertsRepo(db),
  queries: createRuleQueries(db),
  clock: { now: () => clockNow },
});
const RULES = [
  "job_failed",
  "failures_in_row",
  "check_failed",
  "size_changed",
  "lock_held",
  "host_offline",
  "host_pending",
  "backup_stale",
] as const;
const first = await engine.tick();
console.log(`first tick: ${first.ms.toFixed(1)} ms (opened ${first.opened})`);
const times: number[] = [];
const tickCpu: number[] = [];
for (let i = 0; i < TICKS; i++) {
  clockNow += 30_000;
  const c0 = process.cpuUsage();
  times.push((await engine.tick()).ms);
  const c = process.cpuUsage(c0);
  tickCpu.push((c.user + c.system) / 1000);
}
if (Deno.env.get("CAIRN_BENCH_VERBOSE")) {
  console.log(times.map((t, i) => `${t.toFixed(0)}/${tickCpu[i].toFixed(0)}`).join(" "));
}
console.log(
  `tick over ${HOSTS} hosts, ${HOSTS * PLANS_PER_HOST * 2} schedules, ` +
    `${HOSTS * PLANS_PER_HOST * DAYS} jobs: ${summary(times)} (target < 100 ms)`,
);
// The tick that also judges staleness (every 5 minutes in production), every rule at once.
// CPU time is printed beside wall time: on a shared machine the wall time mostly measures the
// wait for a core (the database work runs on this thread).
const full: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < TICKS; i++) {
  clockNow += 30_000;
  const c0 = process.cpuUsage();
  full.push((await engine.evaluateRules(RULES)).ms);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
}
console.log(`full tick (every rule, staleness included): ${summary(full)} (target < 100 ms)`);
console.log(`full tick, CPU time of this process: ${summary(cpu)}`);
console.log(`load average during the run: ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
// Where the time goes: each rule alone.
const each: string[] = [];
for (const rule of RULES) {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) ms.push((await engine.evaluateRules([rule])).ms);
  ms.sort((a, b) => a - b);
  each.push(`${rule} ${ms[2].toFixed(1)}`);
}
console.log(`per rule (median of 5, ms): ${each.join(", ")}`);
await close();
await dispose();
