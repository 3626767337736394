/**
 * Restores in SQL: the restores table (what was asked, beside the job row), the hosts'
 * restore roots, and the reads a restore request is checked against (repository, cached
 * snapshot, host with its facts).
 */
import type { Db } from "../db/connect.ts";
import type { Engine, OverwritePolicy } from "../contract/jobs.ts";
import type { RestoreTarget } from "../contract/restores.ts";

export interface RestoreRecord {
  jobId: string;
  repositoryId: string;
  snapshotId: string;
  sourceHostId: string | null;
  targetHostId: string;
  target: RestoreTarget;
  targetDir: string;
  paths: string[];
  overwrite: OverwritePolicy;
  createdBy: string;
  createdAt: number;
}

export interface RestoreHost {
  id: string;
  name: string;
  state: string;
  facts: Record<string, unknown>;
  restoreRoots: string[];
}

export interface RestoreFilter {
  hostId?: string;
  repositoryId?: string;
  /** Any of these names of one snapshot (restic's short and full id). */
  snapshotIds?: string[];
  limit: number;
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? JSON.parse(text) as T : fallback;
  } catch {
    return fallback; // written by this code only; a damaged cell reads as the default
  }
}

export function createRestoresRepo(db: Db) {
  return {
    async findRepository(id: string): Promise<{ id: string; engine: Engine } | undefined> {
      const r = await db.selectFrom("repositories").select(["id", "engine"])
        .where("id", "=", id).executeTakeFirst();
      return r && { id: r.id, engine: r.engine as Engine };
    },
    /** A cached snapshot by its full id, short id or archive name. */
    async findSnapshot(repositoryId: string, snapshotId: string) {
      const r = await db.selectFrom("snapshots")
        .select(["snapshot_id", "short_id", "host_id", "paths"])
        .where("repository_id", "=", repositoryId)
        .where((eb) => eb.or([eb("snapshot_id", "=", snapshotId), eb("short_id", "=", snapshotId)]))
        .orderBy("time", "desc")
        .executeTakeFirst();
      return r && {
        id: r.snapshot_id,
        shortId: r.short_id,
        hostId: r.host_id,
        paths: parseJson<string[]>(r.paths, []),
      };
    },
    async findHost(id: string): Promise<RestoreHost | undefined> {
      const r = await db.selectFrom("hosts")
        .select(["id", "name", "state", "facts", "restore_roots"])
        .where("id", "=", id).executeTakeFirst();
      return r && {
        id: r.id,
        name: r.name,
        state: r.state,
        facts: parseJson<Record<string, unknown>>(r.facts, {}),
        restoreRoots: parseJson<string[]>(r.restore_roots, []),
      };
    },
    async setRestoreRoots(hostId: string, roots: string[], now: number): Promise<boolean> {
      const r = await db.updateTable("hosts")
        .set({ restore_roots: JSON.stringify(roots), updated_at: now })
        .where("id", "=", hostId).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async insertRestore(r: RestoreRecord) {
      await db.insertInto("restores").values({
        job_id: r.jobId,
        repository_id: r.repositoryId,
        snapshot_id: r.snapshotId,
        source_host_id: r.sourceHostId,
        target_host_id: r.targetHostId,
        target: JSON.stringify(r.target),
        target_dir: r.targetDir,
        paths: JSON.stringify(r.paths),
        overwrite: r.overwrite,
        created_by: r.createdBy,
        created_at: r.createdAt,
      }).execute();
    },
    /** Newest first. hostId matches the target host or the snapshot's own host. */
    async listRestores(f: RestoreFilter): Promise<RestoreRecord[]> {
      let q = db.selectFrom("restores").selectAll();
      if (f.repositoryId) q = q.where("repository_id", "=", f.repositoryId);
      if (f.snapshotIds?.length) q = q.where("snapshot_id", "in", f.snapshotIds);
      if (f.hostId) {
        const h = f.hostId;
        q = q.where((eb) => eb.or([eb("target_host_id", "=", h), eb("source_host_id", "=", h)]));
      }
      const rows = await q.orderBy("created_at", "desc").orderBy("job_id", "desc")
        .limit(f.limit).execute();
      return rows.map((r) => ({
        jobId: r.job_id,
        repositoryId: r.repository_id,
        snapshotId: r.snapshot_id,
        sourceHostId: r.source_host_id,
        targetHostId: r.target_host_id,
        target: parseJson<RestoreTarget>(r.target, { type: "original" }),
        targetDir: r.target_dir,
        paths: parseJson<string[]>(r.paths, []),
        overwrite: r.overwrite as OverwritePolicy,
        createdBy: r.created_by,
        createdAt: r.created_at,
      }));
    },
  };
}

export type RestoresRepo = ReturnType<typeof createRestoresRepo>;
