/**
 * Restore drills in SQL: the drills table (what was asked, then the figures when the job ends),
 * and the reads a drill request is checked against (host, repository, plan, the latest cached
 * snapshot of a host).
 */
import type { Db } from "../db/connect.ts";
import type { Engine } from "../contract/jobs.ts";

export interface DrillRecord {
  jobId: string;
  hostId: string;
  targetHostId: string;
  repositoryId: string;
  planId: string | null;
  snapshotId: string;
  sampleSize: number;
  canary: string | null;
  createdBy: string;
  createdAt: number;
  finishedAt: number | null;
  outcome: "ok" | "failed" | "cancelled" | null;
  checked: number | null;
  mismatches: number | null;
  bytes: number | null;
  durationMs: number | null;
  throughput: number | null;
  message: string | null;
}

export interface DrillFigures {
  finishedAt: number;
  outcome: "ok" | "failed" | "cancelled";
  checked: number | null;
  mismatches: number | null;
  bytes: number | null;
  durationMs: number | null;
  throughput: number | null;
  message: string | null;
}

export interface CachedSnapshot {
  id: string;
  hostId: string | null;
  planId: string | null;
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? JSON.parse(text) as T : fallback;
  } catch {
    return fallback; // written by Cairn only; a damaged cell reads as the default
  }
}

type Row = Awaited<ReturnType<ReturnType<typeof selectDrills>["execute"]>>[number];
const selectDrills = (db: Db) => db.selectFrom("drills").selectAll();

function toRecord(r: Row): DrillRecord {
  return {
    jobId: r.job_id,
    hostId: r.host_id,
    targetHostId: r.target_host_id,
    repositoryId: r.repository_id,
    planId: r.plan_id,
    snapshotId: r.snapshot_id,
    sampleSize: r.sample_size,
    canary: r.canary,
    createdBy: r.created_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    outcome: r.outcome as DrillRecord["outcome"],
    checked: r.checked,
    mismatches: r.mismatches,
    bytes: r.bytes,
    durationMs: r.duration_ms,
    throughput: r.throughput,
    message: r.message,
  };
}

export function createDrillsRepo(db: Db) {
  return {
    async findHost(id: string) {
      const r = await db.selectFrom("hosts").select(["id", "name", "state", "facts"])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        state: r.state,
        facts: parseJson<Record<string, unknown>>(r.facts, {}),
      };
    },
    async findRepository(id: string): Promise<{ id: string; engine: Engine } | undefined> {
      const r = await db.selectFrom("repositories").select(["id", "engine"])
        .where("id", "=", id).executeTakeFirst();
      return r && { id: r.id, engine: r.engine as Engine };
    },
    async findPlan(id: string) {
      const r = await db.selectFrom("plans").select(["id", "repository_id", "sources"])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        repositoryId: r.repository_id,
        sources: parseJson<string[]>(r.sources, []),
      };
    },
    /** A cached snapshot by full id, short id or archive name. */
    async findSnapshot(repositoryId: string, ref: string): Promise<CachedSnapshot | undefined> {
      const r = await db.selectFrom("snapshots").select(["snapshot_id", "host_id", "plan_id"])
        .where("repository_id", "=", repositoryId)
        .where((eb) => eb.or([eb("snapshot_id", "=", ref), eb("short_id", "=", ref)]))
        .orderBy("time", "desc").executeTakeFirst();
      return r && { id: r.snapshot_id, hostId: r.host_id, planId: r.plan_id };
    },
    /** The host's newest cached snapshot in a repository (of one plan, when given). */
    async latestSnapshot(f: { repositoryId: string; hostId: string; planId?: string }) {
      let q = db.selectFrom("snapshots").select(["snapshot_id", "host_id", "plan_id"])
        .where("repository_id", "=", f.repositoryId).where("host_id", "=", f.hostId);
      if (f.planId) q = q.where("plan_id", "=", f.planId);
      const r = await q.orderBy("time", "desc").executeTakeFirst();
      return r && { id: r.snapshot_id, hostId: r.host_id, planId: r.plan_id } as CachedSnapshot;
    },
    async insertDrill(r: Omit<DrillRecord, keyof DrillFigures>) {
      await db.insertInto("drills").values({
        job_id: r.jobId,
        host_id: r.hostId,
        target_host_id: r.targetHostId,
        repository_id: r.repositoryId,
        plan_id: r.planId,
        snapshot_id: r.snapshotId,
        sample_size: r.sampleSize,
        canary: r.canary,
        created_by: r.createdBy,
        created_at: r.createdAt,
      }).execute();
    },
    /** Writes the figures once; false when the drill is unknown or already has them. */
    async finishDrill(jobId: string, f: DrillFigures): Promise<boolean> {
      const r = await db.updateTable("drills").set({
        finished_at: f.finishedAt,
        outcome: f.outcome,
        checked: f.checked,
        mismatches: f.mismatches,
        bytes: f.bytes,
        duration_ms: f.durationMs,
        throughput: f.throughput,
        message: f.message,
      }).where("job_id", "=", jobId).where("finished_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async findDrill(jobId: string): Promise<DrillRecord | undefined> {
      const r = await selectDrills(db).where("job_id", "=", jobId).executeTakeFirst();
      return r && toRecord(r);
    },
    /** Newest first; hostId matches the drilled host or the host it ran on. */
    async listDrills(f: { hostId?: string; ended?: boolean; limit: number }) {
      let q = selectDrills(db);
      if (f.hostId) {
        const h = f.hostId;
        q = q.where((eb) => eb.or([eb("host_id", "=", h), eb("target_host_id", "=", h)]));
      }
      if (f.ended) q = q.where("outcome", "in", ["ok", "failed"]);
      const rows = await q.orderBy("created_at", "desc").orderBy("job_id", "desc")
        .limit(f.limit).execute();
      return rows.map(toRecord);
    },
  };
}

export type DrillsRepo = ReturnType<typeof createDrillsRepo>;
