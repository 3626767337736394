/**
 * What the fleet benches (alerts.ts, drill_rules.ts) share: the database file they seed, raw
 * prepared inserts (a year of a fleet's history in seconds, where the repos would take minutes),
 * the rows every seeded fleet has, and how the figures are printed.
 */
import Database from "libsql";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../server/ids.ts";

export interface BenchDbFile {
  file: string;
  /** No seeded file to reuse: the bench migrates and seeds it. */
  fresh: boolean;
  /** Removes the temporary directory (never a kept file). */
  dispose(): Promise<void>;
}

/** CAIRN_BENCH_DB names a seeded file to reuse (it is kept); by default a fresh one is made. */
export async function benchDbFile(prefix: string): Promise<BenchDbFile> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const kept = Deno.env.get("CAIRN_BENCH_DB");
  return {
    file: kept ?? join(dir, "cairn.db"),
    fresh: !kept || !(await Deno.stat(kept).catch(() => null)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Opens the file for seeding: prepared inserts of the tables every fleet has. */
export function openSeeder(file: string) {
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
    "decided_at",
    "always_online",
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
  return {
    raw,
    ins,
    job,
    /** The h-th approved host, `host-<h>`, enrolled at `at`; returns its id. */
    addHost(h: number, at: number, alwaysOnline = true): string {
      const id = newId("hst", at);
      const key = `k${h}`.padEnd(44, "=");
      const fingerprint = h.toString(16).padStart(64, "0");
      host.run(
        id,
        `host-${h}`,
        key,
        key,
        fingerprint,
        "approved",
        "10.0.0.1",
        1,
        at,
        at,
        at,
        +alwaysOnline,
      );
      return id;
    },
    /** A restic repository made at `at`; returns its id. */
    addRepository(name: string, at: number): string {
      const id = newId("rep", at);
      repo.run(id, name, "restic", "{}", "sb1:x", "admin", at, at);
      return id;
    },
    /** A plan of one host backing up /data; returns its id. */
    addPlan(p: { name: string; repositoryId: string; hostId: string; at: number }): string {
      const id = newId("pln", p.at);
      plan.run(id, p.name, p.repositoryId, p.hostId, '["/data"]', "admin", p.at, p.at);
      return id;
    },
  };
}

/** "p50 1.2 ms, p95 3.4 ms, max 5.6 ms". */
export function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
}
