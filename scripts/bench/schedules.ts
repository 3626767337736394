/**
 * The schedule side of one tick at fleet size: 1,000 approved hosts, 2,000 plans, 10,000
 * schedules (every kind on every plan) in a real libSQL file. Prints:
 *
 * - the first push (every host's document built, secrets sealed to each host, commands queued);
 * - a reconcile with nothing changed (the work the 30 s timer does; the budget is
 *   < 100 ms together with the alert tick), median of several;
 * - a reconcile after one schedule changed (one host's document rebuilt);
 * - nextRunAfter + typicalIntervalMs over the 10,000 schedules, cold and warm (the alert
 *   engine's stale-backup arithmetic).
 *
 *   deno run -A scripts/bench/schedules.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextRunAfter, typicalIntervalMs } from "../../server/contract/schedule_time.ts";
import { SCHEDULE_KINDS } from "../../server/contract/schedules.ts";
import { openDb } from "../../server/db/connect.ts";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { newId } from "../../server/ids.ts";
import { createRedactor } from "../../server/secrets/redact.ts";
import { createServices } from "../../server/services.ts";

const HOSTS = Number(Deno.env.get("CAIRN_BENCH_HOSTS") ?? 1000);
const PLANS_PER_HOST = 2;
const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"];

const dir = await mkdtemp(join(tmpdir(), "cairn-bench-schedules-"));
const dbFile = join(dir, "cairn.db");
await migrate(dbFile, await loadMigrations(defaultMigrationsDir()));
const { db, close } = openDb(dbFile);
let now = Date.UTC(2026, 10, 1, 12);
const clock = { now: () => now };
const services = createServices({
  db,
  clock,
  redactor: createRedactor(),
  config: { sessionIdleMinutes: 60, sessionAbsoluteHours: 24 },
  facts: {
    version: "bench",
    runtime: "bench",
    dataDir: dir,
    dbFile,
    startedAt: now,
    tls: { enabled: false, caCertPem: null, caFingerprint: null, hostnames: [] },
  },
});

async function seed() {
  const box = services.secretBox;
  const repoId = newId("rep", now);
  await db.insertInto("repositories").values({
    id: repoId,
    name: "fleet",
    engine: "borg",
    location: JSON.stringify({ kind: "local", path: "/srv/backup/fleet" }),
    passphrase_sealed: box.seal("bench passphrase"),
    credentials_sealed: null,
    ssh_key_id: null,
    known_hosts: null,
    state: "ready",
    append_only: null,
    stats: "{}",
    lock_state: "{}",
    last_check_at: null,
    last_check_status: null,
    created_by: "bench",
    created_at: now,
    updated_at: now,
  }).execute();
  let n = 0;
  for (let h = 0; h < HOSTS; h++) {
    const hostId = newId("hst", now);
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    await db.insertInto("hosts").values({
      id: hostId,
      name: `host-${String(h).padStart(4, "0")}`,
      public_key: key,
      box_public_key: key,
      fingerprint: hostId,
      state: "approved",
      tags: "[]",
      facts: "{}",
      lock_ip: null,
      enrolled_ip: "127.0.0.1",
      protocol_version: 1,
      created_at: now,
      updated_at: now,
      decided_at: now,
      decided_by: "bench",
    }).execute();
    for (let p = 0; p < PLANS_PER_HOST; p++) {
      const planId = newId("pln", now);
      await db.insertInto("plans").values({
        id: planId,
        name: `plan-${h}-${p}`,
        repository_id: repoId,
        target_host_id: hostId,
        target_tag: null,
        sources: JSON.stringify(["/etc", "/home"]),
        excludes: "[]",
        exclude_if_present: "[]",
        one_file_system: 0,
        compression: null,
        tags: "[]",
        limits: "{}",
        retention: JSON.stringify({ daily: 7 }),
        hooks_sealed: null,
        enabled: 1,
        created_by: "bench",
        created_at: now,
        updated_at: now,
      }).execute();
      for (const kind of SCHEDULE_KINDS) {
        const minute = n % 60;
        await db.insertInto("schedules").values({
          id: newId("sch", now),
          plan_id: planId,
          kind,
          rule: JSON.stringify({
            type: "daily",
            at: `0${n % 10}:${String(minute).padStart(2, "0")}`,
          }),
          cron: `${minute} ${n % 10} * * *`,
          time_zone: ZONES[n % ZONES.length],
          jitter_minutes: 15,
          catch_up: "once",
          enabled: 1,
          runner_host_id: null,
          created_by: "bench",
          created_at: now,
          updated_at: now,
        }).execute();
        n++;
      }
    }
  }
  return n;
}

const ms = (t0: number) => performance.now() - t0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const schedules = await seed();
  let t0 = performance.now();
  const first = await services.schedulePush.reconcile();
  console.log(
    `first push: ${first.pushed} hosts, ${schedules} schedules: ${ms(t0).toFixed(0)} ms`,
  );
  const idle: number[] = [];
  for (let i = 0; i < 7; i++) {
    t0 = performance.now();
    const r = await services.schedulePush.reconcile();
    idle.push(ms(t0));
    if (r.pushed !== 0) throw new Error("an unchanged fleet was pushed again");
  }
  console.log(
    `reconcile, nothing changed (the stamp): median ${median(idle).toFixed(1)} ms ` +
      `(min ${Math.min(...idle).toFixed(1)}, max ${Math.max(...idle).toFixed(1)})`,
  );
  const full: number[] = [];
  for (let i = 0; i < 3; i++) {
    t0 = performance.now();
    const r = await services.schedulePush.reconcile({ force: true });
    full.push(ms(t0));
    if (r.pushed !== 0) throw new Error("an unchanged fleet was pushed again");
  }
  console.log(
    `reconcile, nothing changed, every host's content compared: median ` +
      `${median(full).toFixed(1)} ms`,
  );
  const one = await db.selectFrom("schedules").select("id").limit(1).executeTakeFirstOrThrow();
  await db.updateTable("schedules").set({ catch_up: "skip", updated_at: now + 1 }).where(
    "id",
    "=",
    one.id,
  ).execute();
  t0 = performance.now();
  const changed = await services.schedulePush.reconcile();
  console.log(`reconcile, one schedule changed: ${changed.pushed} host, ${ms(t0).toFixed(1)} ms`);

  const rows = await db.selectFrom("schedules").select(["cron", "time_zone"]).execute();
  for (const label of ["cold", "warm", "warm, a minute later"]) {
    t0 = performance.now();
    for (const r of rows) {
      nextRunAfter(r.cron, r.time_zone, now);
      typicalIntervalMs(r.cron, r.time_zone);
    }
    console.log(
      `nextRunAfter + typicalIntervalMs x ${rows.length} (${label}): ` +
        `${ms(t0).toFixed(1)} ms`,
    );
    if (label === "warm") now += 60_000;
  }
} finally {
  await close();
  await rm(dir, { recursive: true, force: true });
}
