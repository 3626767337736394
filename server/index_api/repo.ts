/**
 * What the index API reads from the appliance's own tables: the index job an upload belongs to,
 * a snapshot in the snapshot cache (by full or short id), a repository's engine, and the ids a
 * repository's cached listing holds now.
 */
import type { Db } from "../db/connect.ts";

export interface IndexJobRecord {
  id: string;
  hostId: string;
  repositoryId: string;
  kind: string;
  status: string;
  /** The snapshot the job lists (options.snapshot.id). */
  snapshotRef: string | null;
}

export interface CachedSnapshotRef {
  id: string;
  shortId: string;
  hostId: string | null;
  time: number;
}

function snapshotRefOf(options: string): string | null {
  try {
    const o = JSON.parse(options) as { snapshot?: { id?: unknown } };
    return typeof o?.snapshot?.id === "string" ? o.snapshot.id : null;
  } catch {
    return null; // written by the jobs service only; a damaged cell names no snapshot
  }
}

export function createIndexApiRepo(db: Db) {
  return {
    async findJob(id: string): Promise<IndexJobRecord | undefined> {
      const r = await db.selectFrom("jobs")
        .select(["id", "host_id", "repository_id", "kind", "status", "options"])
        .where("id", "=", id)
        .executeTakeFirst();
      return r && {
        id: r.id,
        hostId: r.host_id,
        repositoryId: r.repository_id,
        kind: r.kind,
        status: r.status,
        snapshotRef: snapshotRefOf(r.options),
      };
    },

    /** A cached snapshot by its full id, short id, or (restic) an id prefix of 8+ characters. */
    async findCachedSnapshot(
      repositoryId: string,
      ref: string,
    ): Promise<CachedSnapshotRef | undefined> {
      let q = db.selectFrom("snapshots")
        .select(["snapshot_id", "short_id", "host_id", "time"])
        .where("repository_id", "=", repositoryId);
      q = /^[0-9a-f]{8,64}$/.test(ref)
        ? q.where((eb) =>
          eb.or([
            eb("snapshot_id", "=", ref),
            eb("short_id", "=", ref),
            eb("snapshot_id", ">=", ref).and("snapshot_id", "<", ref + "g"),
          ])
        )
        : q.where("snapshot_id", "=", ref);
      const rows = await q.limit(2).execute();
      const exact = rows.find((r) => r.snapshot_id === ref || r.short_id === ref);
      const r = exact ?? (rows.length === 1 ? rows[0] : undefined);
      return r && { id: r.snapshot_id, shortId: r.short_id, hostId: r.host_id, time: r.time };
    },

    /**
     * restic 0.14 names a new snapshot by its short id; once its listing brings the full id, the
     * snapshot cache and the backup job that made it take the full one, so every screen and
     * lookup (downloads, restores, the index) names the snapshot the same way.
     */
    async adoptFullSnapshotId(repositoryId: string, shortId: string, fullId: string) {
      if (shortId === fullId || !fullId.startsWith(shortId)) return;
      await db.transaction().execute(async (trx) => {
        const listed = await trx.selectFrom("snapshots").select("snapshot_id")
          .where("repository_id", "=", repositoryId).where("snapshot_id", "=", fullId)
          .executeTakeFirst();
        const row = trx.selectFrom("snapshots").where("repository_id", "=", repositoryId)
          .where("snapshot_id", "=", shortId);
        if (listed) {
          await trx.deleteFrom("snapshots").where("repository_id", "=", repositoryId)
            .where("snapshot_id", "=", shortId).execute();
        } else if (await row.select("snapshot_id").executeTakeFirst()) {
          await trx.updateTable("snapshots").set({ snapshot_id: fullId })
            .where("repository_id", "=", repositoryId).where("snapshot_id", "=", shortId)
            .execute();
        }
        await trx.updateTable("jobs").set({ snapshot_id: fullId })
          .where("repository_id", "=", repositoryId).where("kind", "=", "backup")
          .where("snapshot_id", "=", shortId).execute();
      });
    },

    async hostState(id: string): Promise<string | undefined> {
      const r = await db.selectFrom("hosts").select("state").where("id", "=", id)
        .executeTakeFirst();
      return r?.state;
    },

    async repositoryEngine(id: string): Promise<"restic" | "borg" | undefined> {
      const r = await db.selectFrom("repositories").select("engine").where("id", "=", id)
        .executeTakeFirst();
      return r?.engine as "restic" | "borg" | undefined;
    },

    /** Full and short ids of the snapshots a repository's cached listing holds. */
    async cachedSnapshotIds(repositoryId: string): Promise<Set<string>> {
      const rows = await db.selectFrom("snapshots").select(["snapshot_id", "short_id"])
        .where("repository_id", "=", repositoryId).execute();
      return new Set(rows.flatMap((r) => [r.snapshot_id, r.short_id]));
    },
  };
}

export type IndexApiRepo = ReturnType<typeof createIndexApiRepo>;
