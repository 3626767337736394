/** The snapshot cache in SQL: each repository's listing as its last refresh showed it. */
import type { Db } from "../db/connect.ts";
import type { SnapshotsTable } from "../db/schema_backups.ts";

export interface CachedSnapshot {
  repositoryId: string;
  id: string;
  shortId: string;
  time: number;
  hostname: string;
  hostId: string | null;
  planId: string | null;
  paths: string[];
  tags: string[];
  sizeBytes: number | null;
  fileCount: number | null;
  refreshId: string;
}

function list(text: string): string[] {
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return []; // written by this code only; a damaged cell reads as empty
  }
}

function toSnapshot(r: SnapshotsTable): CachedSnapshot {
  return {
    repositoryId: r.repository_id,
    id: r.snapshot_id,
    shortId: r.short_id,
    time: r.time,
    hostname: r.hostname,
    hostId: r.host_id,
    planId: r.plan_id,
    paths: list(r.paths),
    tags: list(r.tags),
    sizeBytes: r.size_bytes,
    fileCount: r.file_count,
    refreshId: r.refresh_id,
  };
}

export function createSnapshotsRepo(db: Db) {
  return {
    /** The newest refresh id that wrote rows of this repository, if any. */
    async latestRefresh(repositoryId: string): Promise<string | null> {
      const r = await db.selectFrom("snapshots")
        .select((eb) => eb.fn.max("refresh_id").as("latest"))
        .where("repository_id", "=", repositoryId).executeTakeFirst();
      return (r?.latest as string | null | undefined) ?? null;
    },
    /** Inserts or refreshes rows; a known size or file count is kept when the listing has none. */
    async upsert(rows: CachedSnapshot[]) {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const s of rows) {
          const values = {
            repository_id: s.repositoryId,
            snapshot_id: s.id,
            short_id: s.shortId,
            time: s.time,
            hostname: s.hostname,
            host_id: s.hostId,
            plan_id: s.planId,
            paths: JSON.stringify(s.paths),
            tags: JSON.stringify(s.tags),
            size_bytes: s.sizeBytes,
            file_count: s.fileCount,
            refresh_id: s.refreshId,
          };
          await trx.insertInto("snapshots").values(values).onConflict((oc) =>
            oc.columns(["repository_id", "snapshot_id"]).doUpdateSet((eb) => ({
              short_id: values.short_id,
              time: values.time,
              hostname: values.hostname,
              host_id: values.host_id,
              plan_id: values.plan_id,
              paths: values.paths,
              tags: values.tags,
              size_bytes: eb.fn.coalesce(eb.val(values.size_bytes), eb.ref("snapshots.size_bytes")),
              file_count: eb.fn.coalesce(eb.val(values.file_count), eb.ref("snapshots.file_count")),
              refresh_id: values.refresh_id,
            }))
          ).execute();
        }
      });
    },
    /** Drops the rows an older listing saw and the newest one did not. */
    async deleteOlderRefreshes(repositoryId: string, refreshId: string): Promise<number> {
      const r = await db.deleteFrom("snapshots").where("repository_id", "=", repositoryId)
        .where("refresh_id", "<", refreshId).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async setSize(
      repositoryId: string,
      snapshotId: string,
      s: { sizeBytes: number | null; fileCount: number | null },
    ) {
      await db.updateTable("snapshots").set({ size_bytes: s.sizeBytes, file_count: s.fileCount })
        .where("repository_id", "=", repositoryId).where("snapshot_id", "=", snapshotId)
        .execute();
    },
    /** The result of the backup jobs that made these snapshots (for their size and file count). */
    async backupResults(
      repositoryId: string,
      snapshotIds: string[],
    ): Promise<Map<string, string>> {
      if (snapshotIds.length === 0) return new Map();
      const rows = await db.selectFrom("jobs").select(["snapshot_id", "result"])
        .where("repository_id", "=", repositoryId).where("kind", "=", "backup")
        .where("snapshot_id", "in", snapshotIds).where("result", "is not", null).execute();
      return new Map(rows.map((r) => [r.snapshot_id!, r.result!]));
    },
    async list(
      f: { repositoryId?: string; hostId?: string; planId?: string; limit: number },
    ): Promise<CachedSnapshot[]> {
      let q = db.selectFrom("snapshots").selectAll();
      if (f.repositoryId) q = q.where("repository_id", "=", f.repositoryId);
      if (f.hostId) q = q.where("host_id", "=", f.hostId);
      if (f.planId) q = q.where("plan_id", "=", f.planId);
      const rows = await q.orderBy("time", "desc").orderBy("snapshot_id").limit(f.limit)
        .execute();
      return rows.map(toSnapshot);
    },
  };
}

export type SnapshotsRepo = ReturnType<typeof createSnapshotsRepo>;
