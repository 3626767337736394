/**
 * Standby replication figures (issue 7), with real appliance processes on loopback.
 *
 *   deno run -A scripts/bench/replication.ts
 *   CAIRN_BENCH_BOOTSTRAP_MB=100 CAIRN_BENCH_LAG_SECONDS=20 deno run -A scripts/bench/replication.ts
 *   (CAIRN_BENCH_ONLY=capture|lag|bootstrap|promotion runs one part)
 *
 * 1. Capture overhead, synthetic context (the target itself is measured on report ingest
 *    through the appliance's API: capture_ingest.ts): the same insert workload on a database
 *    with and without the capture triggers, as single-row transactions (how the appliance
 *    writes), 20,000 rows in one transaction through Kysely, a 2,000-snapshot listing refreshed
 *    through the snapshots repo (the replicated bulk writer: every row an update), and 20,000 raw
 *    inserts in one transaction (the worst case). The raw case also prints its floor: an empty
 *    AFTER INSERT trigger (`SELECT 1`) instead of capture, which costs about 30 % by itself,
 *    and, written INSERT OR ROLLBACK, nothing: that floor is SQLite's statement journal, opened
 *    for every statement on a table with a trigger inside a transaction. Capture costs the same
 *    with OR ROLLBACK (its INSERT into the log keeps the journal). Prints the throughput ratio.
 * 2. Lag: a writer commits 200 single-row transactions a second into the primary's file; the
 *    standby's applied position is read every 2 ms; per write, the time from its commit to the
 *    standby holding it. Prints p50/p99/max. Target p99 < 1 s.
 * 3. Bootstrap: a primary holding about 100 MB of state; from starting a fresh standby to it
 *    holding the primary's position (pairing, VACUUM INTO, transfer, copy). Target < 15 s.
 * 4. Promotion: from POST /api/replication/promote to the first accepted write. Target < 5 s.
 */
import process from "node:process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMigrationsDir, loadMigrations, migrate } from "../../server/db/migrate.ts";
import { installCapture, lastPosition } from "../../server/replication/capture.ts";
import { openDb } from "../../server/db/connect.ts";
import { openReplicationConn } from "../../server/replication/repo.ts";
import { createSnapshotsRepo } from "../../server/snapshots/repo.ts";
import type { SqlConn } from "../../server/replication/repo.ts";
import { signIn } from "../../test/agents/procs.ts";
import {
  caughtUp,
  dbFile,
  openWriter,
  pairingCode,
  startPrimary,
  startStandby,
  status,
  writeRows,
} from "../../test/replication/rig.ts";

const only = Deno.env.get("CAIRN_BENCH_ONLY");
const want = (part: string) => !only || only === part;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

function insertJob(conn: SqlConn, i: number, or = "") {
  conn.run(
    `INSERT ${or} INTO audit_log (id, at, actor_type, actor_name, action, target_type, ` +
      "target_id, details) VALUES (?, ?, 'user', 'admin', 'job.run', 'job', ?, ?)",
    [`aud_${i}`, i, `job_${i}`, JSON.stringify({ host: `hst_${i}`, repository: "rep_1", n: i })],
  );
}

interface Rate {
  /** Writes per second of wall time (disk waits included). */
  wall: number;
  /** Writes per second of this process's CPU time: steadier on a shared machine. */
  cpu: number;
}

function measure(): (writes: number) => Rate {
  const t = performance.now();
  const c = process.cpuUsage();
  return (writes) => {
    const used = process.cpuUsage(c);
    return {
      wall: writes / ((performance.now() - t) / 1000),
      cpu: writes / ((used.user + used.system) / 1e6),
    };
  };
}

async function captureOverhead() {
  const rounds = Number(Deno.env.get("CAIRN_BENCH_CAPTURE_ROUNDS") ?? "7");
  const dir = await mkdtemp(join(tmpdir(), "cairn-bench-cap-"));
  const migrations = await loadMigrations(defaultMigrationsDir());
  let n = 0;
  const fresh = async (capture: boolean) => {
    const file = join(dir, `db-${n++}.db`);
    await migrate(file, migrations);
    const conn = openReplicationConn(file);
    if (capture) installCapture(conn, { migrations, now: Date.now() });
    return { file, conn };
  };
  /** Single-row transactions on the file, synchronous = FULL: how the appliance writes. */
  const single = async (capture: boolean) => {
    const { conn } = await fresh(capture);
    const m = measure();
    for (let i = 0; i < 500; i++) conn.write(() => insertJob(conn, i));
    conn.close();
    return m(500);
  };
  /** 20,000 rows in one transaction through Kysely (the services' path). */
  const kysely = async (capture: boolean) => {
    const { file, conn } = await fresh(capture);
    conn.close();
    const { db, close } = openDb(file);
    const m = measure();
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < 20_000; i++) {
        await tx.insertInto("audit_log").values({
          id: `aud_${i}`,
          at: i,
          actor_type: "user",
          actor_id: null,
          actor_name: "admin",
          action: "job.run",
          target_type: "job",
          target_id: `job_${i}`,
          ip: null,
          details: JSON.stringify({ host: `hst_${i}`, repository: "rep_1", n: i }),
        }).execute();
      }
    });
    const rate = m(20_000);
    await close();
    return rate;
  };
  /**
   * 20,000 rows in one transaction of raw SQL: the triggers' worst case. `floor` replaces the
   * capture triggers with one AFTER INSERT trigger on audit_log whose body is `SELECT 1`, so the
   * line shows what any trigger costs; `orRollback` writes the rows with INSERT OR ROLLBACK.
   */
  const raw = (floor = false, orRollback = false) => async (capture: boolean) => {
    const { conn } = await fresh(capture && !floor);
    if (capture && floor) {
      conn.exec("CREATE TRIGGER bench_floor AFTER INSERT ON audit_log BEGIN SELECT 1; END");
    }
    const m = measure();
    conn.write(() => {
      for (let i = 0; i < 20_000; i++) insertJob(conn, i, orRollback ? "OR ROLLBACK" : "");
    });
    const rate = m(20_000);
    conn.close();
    return rate;
  };
  /**
   * A repository's snapshot listing refreshed through the snapshots repo (the services' code):
   * 2,000 snapshots upserted in one transaction, the second refresh of the same listing (every
   * row an update, as each refresh after the first).
   */
  const refresh = async (capture: boolean) => {
    const { file, conn } = await fresh(capture);
    conn.run(
      "INSERT INTO repositories (id, name, engine, location, passphrase_sealed, created_by, " +
        "created_at, updated_at) VALUES ('rep_1', 'bench', 'restic', '{}', 'x', 'admin', 0, 0)",
    );
    conn.close();
    const { db, close } = openDb(file);
    const repo = createSnapshotsRepo(db);
    const rows = (refreshId: string) =>
      Array.from({ length: 2000 }, (_, i) => ({
        repositoryId: "rep_1",
        id: `${i}`.padStart(64, "a"),
        shortId: `${i}`.padStart(8, "a"),
        time: 1_700_000_000_000 + i * 3_600_000,
        hostname: `host-${i % 20}`,
        hostId: `hst_${i % 20}`,
        planId: "pln_1",
        paths: ["/etc", "/home", "/var/lib/app"],
        tags: ["cairn", `cairn-host:hst_${i % 20}`, "cairn-plan:pln_1"],
        sizeBytes: 1_000_000 + i,
        fileCount: 5_000 + i,
        refreshId,
      }));
    await repo.upsert(rows("job_1"));
    const again = rows("job_2");
    const m = measure();
    await repo.upsert(again);
    const rate = m(again.length);
    await close();
    return rate;
  };
  const median = (xs: number[]) => pct(xs, 50);
  for (
    const [name, fn] of [
      ["single-row transactions (the appliance's writes)", single],
      ["20k rows in one transaction through Kysely", kysely],
      ["a snapshot listing of 2,000 refreshed through the snapshots repo", refresh],
      ["20k rows in one transaction of raw SQL (worst case)", raw()],
      ["  the same with an empty trigger instead of capture (the floor)", raw(true)],
      ["  the floor, rows written INSERT OR ROLLBACK (no statement journal)", raw(true, true)],
      ["  capture, rows written INSERT OR ROLLBACK (no statement journal)", raw(false, true)],
    ] as const
  ) {
    // Alternating rounds, medians: the disk and the other processes move the figures a lot.
    const a: Rate[] = [];
    const b: Rate[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await fn(false));
      b.push(await fn(true));
    }
    const wall = median(b.map((x) => x.wall)) / median(a.map((x) => x.wall));
    const cpu = median(b.map((x) => x.cpu)) / median(a.map((x) => x.cpu));
    const cost = (ratio: number) => `${((1 - ratio) * 100).toFixed(1)} %`;
    console.log(
      `capture overhead, ${name}: ${median(a.map((x) => x.wall)).toFixed(0)} → ${
        median(b.map((x) => x.wall)).toFixed(0)
      } writes/s, cost ${cost(wall)} by wall time, ${cost(cpu)} by CPU time (target ≤ 25 %)`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

async function lag() {
  const seconds = Number(Deno.env.get("CAIRN_BENCH_LAG_SECONDS") ?? "15");
  const primary = await startPrimary();
  const standby = await startStandby(primary.url, { code: await pairingCode(primary) });
  const writer = openWriter(primary);
  const watch = openReplicationConn(dbFile(standby));
  try {
    await caughtUp(primary, standby);
    const committed = new Map<number, number>();
    const lags: number[] = [];
    let done = false;
    const watcher = (async () => {
      let seen = 0;
      while (!done || committed.size > 0) {
        const applied = Number(
          watch.get<{ p: number }>("SELECT applied_position AS p FROM replication_state")!.p,
        );
        if (applied > seen) {
          const now = performance.now();
          for (const [pos, at] of committed) {
            if (pos <= applied) {
              lags.push(now - at);
              committed.delete(pos);
            }
          }
          seen = applied;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const total = seconds * 200;
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + i * 5;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      writer.write(() => insertJob(writer, 1_000_000 + i));
      committed.set(lastPosition(writer), performance.now());
    }
    const rate = total / ((performance.now() - start) / 1000);
    done = true;
    await watcher;
    console.log(
      `replication lag at ${rate.toFixed(0)} writes/s over ${seconds} s (${lags.length} writes): ` +
        `p50 ${pct(lags, 50).toFixed(0)} ms, p99 ${pct(lags, 99).toFixed(0)} ms, max ${
          Math.max(...lags).toFixed(0)
        } ms (target p99 < 1000 ms)`,
    );
  } finally {
    watch.close();
    writer.close();
    await standby.stop();
    await primary.stop();
    await standby.cleanup();
    await primary.cleanup();
  }
}

async function bootstrap() {
  const mb = Number(Deno.env.get("CAIRN_BENCH_BOOTSTRAP_MB") ?? "100");
  const primary = await startPrimary();
  const writer = openWriter(primary);
  try {
    const body = JSON.stringify({ line: "x".repeat(900) });
    let i = 0;
    while ((await stat(dbFile(primary))).size < mb * 1024 * 1024) {
      writeRows(writer, 1, `bulk${i}_`);
      writer.write(() => {
        for (let k = 0; k < 2000; k++, i++) {
          writer.run(
            "INSERT INTO agent_reports (id, host_id, job_id, kind, seq, at, body, received_at) " +
              "SELECT ?, id, NULL, 'job.log', ?, 0, ?, 0 FROM hosts LIMIT 1",
            [`rpt_bulk_${i}`, i, body],
          );
        }
      });
      // The log of an unpaired primary is trimmed; do it now rather than wait for the timer.
      writer.run(
        "DELETE FROM replication_log WHERE position < (SELECT max(position) FROM replication_log)",
      );
    }
    writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const size = (await stat(dbFile(primary))).size;
    const code = await pairingCode(primary);
    const t = performance.now();
    const standby = await startStandby(primary.url, { code });
    try {
      await caughtUp(primary, standby);
      const ms = performance.now() - t;
      console.log(
        `bootstrap of a ${(size / 1048576).toFixed(0)} MB database: ${(ms / 1000).toFixed(1)} s ` +
          `from starting the standby to holding the primary's position (target < 15 s)`,
      );
    } finally {
      await standby.stop();
      await standby.cleanup();
    }
  } finally {
    writer.close();
    await primary.stop();
    await primary.cleanup();
  }
}

async function promotion() {
  const primary = await startPrimary();
  const standby = await startStandby(primary.url, { code: await pairingCode(primary) });
  try {
    await caughtUp(primary, standby);
    await primary.stop();
    const admin = await signIn(standby.url);
    // The standby promised the primary a write lease: a promotion right now would first wait it
    // out (up to 7 s after the last grant). Measured apart, then the promotion itself.
    const stopped = performance.now();
    while ((await status({ url: standby.url, admin })).lease.promotableInMs !== 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(
      `lease wait after the primary stopped: ${(performance.now() - stopped).toFixed(0)} ms`,
    );
    const t = performance.now();
    const p = await admin.json("POST", "/api/replication/promote", { confirm: "promote" });
    if (p.status !== 200) throw new Error(`promote: ${p.status}`);
    const w = await admin.json("PATCH", "/api/settings", { applianceName: "promoted" });
    if (w.status !== 200) throw new Error(`first write: ${w.status} ${JSON.stringify(w.body)}`);
    const ms = performance.now() - t;
    const s = await status({ url: standby.url, admin });
    console.log(
      `promotion to first accepted write: ${ms.toFixed(0)} ms (epoch ${s.epoch}, target < 5 s)`,
    );
  } finally {
    await standby.stop();
    await standby.cleanup();
    await primary.cleanup();
  }
}

if (want("capture")) await captureOverhead();
if (want("lag")) await lag();
if (want("bootstrap")) await bootstrap();
if (want("promotion")) await promotion();
