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
import Database from "libsql";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDrillRuleQueries } from "../../server/alerts/rules/drill_repo.ts";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { newId } from "../../server/ids.ts";

const HOSTS = Number(Deno.env.get("CAIRN_BENCH_HOSTS") ?? 1000);
const DAYS = 365;
const RUNS = 30;
const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 1, 12);

const dir = await mkdtemp(join(tmpdir(), "cairn-bench-drills-"));
/** CAIRN_BENCH_DB names a seeded file to reuse (it is kept); by default a fresh one is made. */
const kept = Deno.env.get("CAIRN_BENCH_DB");
const file = kept ?? join(dir, "cairn.db");

function seed() {
  const raw = new Database(file);
  raw.exec("PRAGMA journal_mode = WAL");
  const ins = (table: string, cols: string[]) =>
    raw.prepare(
      `INSERT INTO ${table} (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`,
    );
  const host = ins("hosts", [
    "id",
    "name",
    "public_key",
    "box_public_key",
    "fingerprint",
    "state",
    "enrolled_ip",
    "protocol_version",
    "created_at",
    "updated_at",
  ]);
  const repo = ins("repositories", [
    "id",
    "name",
    "engine",
    "location",
    "passphrase_sealed",
    "created_by",
    "created_at",
    "updated_at",
  ]);
  const plan = ins("plans", [
    "id",
    "name",
    "repository_id",
    "target_host_id",
    "sources",
    "created_by",
    "created_at",
    "updated_at",
  ]);
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
  const job = ins("jobs", [
    "id",
    "host_id",
    "repository_id",
    "plan_id",
    "kind",
    "exclusive",
    "status",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
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
  const rid = newId("rep", start);
  repo.run(rid, "main", "restic", "{}", "sb1:x", "admin", start, start);
  for (let h = 0; h < HOSTS; h++) {
    const hid = newId("hst", start);
    const key = `k${h}`.padEnd(44, "=");
    host.run(
      hid,
      `host-${h}`,
      key,
      key,
      h.toString(16).padStart(64, "0"),
      "approved",
      "10.0.0.1",
      1,
      start,
      start,
    );
    const pid = newId("pln", start);
    plan.run(pid, `plan-${h}`, rid, hid, '["/data"]', "admin", start, start);
    const rule = '{"type":"daily","at":"03:00"}';
    if (h % 2 === 0) {
      sched.run(
        newId("drs", start),
        "plan",
        pid,
        null,
        rule,
        "0 3 * * *",
        "UTC",
        20,
        "a",
        start,
        start,
      );
    } else {
      sched.run(
        newId("drs", start),
        "host",
        null,
        hid,
        rule,
        "0 3 * * *",
        "UTC",
        20,
        "a",
        start,
        start,
      );
    }
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

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
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
  if (!kept || !existsSync(kept)) {
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
  console.log(`drill_failed, a job ended: ${stats(jobEnd)}`);
  console.log(`drill_failed, a tick:      ${stats(tick)}`);
  console.log(`drill_overdue (${(await q.drillDuties(now)).length} duties): ${stats(duties)}`);
  close();
} finally {
  if (!kept) await rm(dir, { recursive: true, force: true });
}
