/**
 * The snapshot cache: each repository's listing as the agent last reported it, in parts
 * (`snapshots` reports of a snapshots job). Parts upsert rows under the listing's refresh id;
 * the last part drops the rows an older listing saw. A part of a listing older than the one the
 * cache already holds (a report re-sent late) is ignored, so it cannot bring back what a newer
 * listing removed. Which host and plan made a snapshot comes from Cairn's marks: the
 * `cairn-host:`/`cairn-plan:` tags (restic) or the `<hostId>.<planId>.` archive name (borg).
 */
import type { SnapshotView } from "../contract/backups.ts";
import * as v from "valibot";
import { SnapshotInfoSchema } from "../contract/jobs.ts";
import type { SnapshotInfo, SnapshotsReport } from "../contract/jobs.ts";
import type { CachedSnapshot, SnapshotsRepo } from "./repo.ts";

const HOST_TAG = /^cairn-host:(.{1,64})$/;
const PLAN_TAG = /^cairn-plan:(.{1,64})$/;
const ARCHIVE = /^(hst_[0-9a-z]{26})\.(pln_[0-9a-z]{26})\./;
const LIST_LIMIT = 5000;

/** The Cairn host and plan a snapshot belongs to, from its tags or its archive name. */
export function marksOf(s: Pick<SnapshotInfo, "id" | "tags">): {
  hostId: string | null;
  planId: string | null;
} {
  let hostId: string | null = null;
  let planId: string | null = null;
  for (const t of s.tags) {
    hostId ??= HOST_TAG.exec(t)?.[1] ?? null;
    planId ??= PLAN_TAG.exec(t)?.[1] ?? null;
  }
  const m = ARCHIVE.exec(s.id);
  if (m) {
    hostId ??= m[1];
    planId ??= m[2];
  }
  return { hostId, planId };
}

/** files and bytes from a backup job's result (`result.stats`), when it has them. */
export function backupSizeOf(result: unknown): { sizeBytes: number; fileCount: number } | null {
  const stats = (result as { stats?: { files?: unknown; bytes?: unknown } } | null)?.stats;
  if (!stats || typeof stats.bytes !== "number" || typeof stats.files !== "number") return null;
  return { sizeBytes: stats.bytes, fileCount: stats.files };
}

function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // written by this code only; a damaged cell just gives no size
  }
}

export function snapshotView(s: CachedSnapshot): SnapshotView {
  return {
    repositoryId: s.repositoryId,
    id: s.id,
    shortId: s.shortId,
    time: new Date(s.time).toISOString(),
    hostname: s.hostname,
    hostId: s.hostId,
    planId: s.planId,
    paths: s.paths,
    tags: s.tags,
    sizeBytes: s.sizeBytes,
    fileCount: s.fileCount,
  };
}

export function createSnapshotsService(deps: {
  repo: SnapshotsRepo;
  /** A repository's whole listing was replaced (its last part applied); must not throw. */
  onListingReplaced?: (repositoryId: string) => void;
}) {
  const { repo } = deps;
  return {
    /** Applies one part of a listing; "stale" when a newer listing is already cached. */
    async applyPart(part: SnapshotsReport): Promise<"applied" | "stale"> {
      const latest = await repo.latestRefresh(part.repositoryId);
      if (latest !== null && latest > part.refreshId) return "stale";
      // A restic backup job knows its snapshot by the short id: look both up.
      const unsized = part.snapshots.filter((s) => s.sizeBytes === undefined);
      const sizes = await repo.backupResults(
        part.repositoryId,
        [...new Set(unsized.flatMap((s) => [s.id, s.shortId]))],
      );
      await repo.upsert(part.snapshots.map((s) => {
        const text = sizes.get(s.id) ?? sizes.get(s.shortId);
        const made = text ? backupSizeOf(parseResult(text)) : null;
        return {
          repositoryId: part.repositoryId,
          id: s.id,
          shortId: s.shortId,
          time: s.time,
          hostname: s.hostname,
          ...marksOf(s),
          paths: s.paths,
          tags: s.tags,
          sizeBytes: s.sizeBytes ?? made?.sizeBytes ?? null,
          fileCount: s.fileCount ?? made?.fileCount ?? null,
          refreshId: part.refreshId,
        };
      }));
      if (part.last) {
        await repo.deleteOlderRefreshes(part.repositoryId, part.refreshId);
        deps.onListingReplaced?.(part.repositoryId);
      }
      return "applied";
    },

    /**
     * A backup finished: the snapshot it made goes into the cache at once (the agent sends what
     * it knows of it in `result.snapshot`, rather than listing the repository after every
     * backup), with the size the backup measured. restic names it by its short id until the
     * next listing replaces the row with the full one.
     */
    async noteBackup(
      b: { repositoryId: string; jobId: string; snapshotId: string; result: unknown },
    ) {
      const size = backupSizeOf(b.result);
      const made = v.safeParse(
        SnapshotInfoSchema,
        (b.result as { snapshot?: unknown } | null)?.snapshot,
      );
      if (!made.success || made.output.id !== b.snapshotId) {
        if (size) await repo.setSize(b.repositoryId, b.snapshotId, size);
        return;
      }
      const s = made.output;
      await repo.upsert([{
        repositoryId: b.repositoryId,
        id: s.id,
        shortId: s.shortId,
        time: s.time,
        hostname: s.hostname,
        ...marksOf(s),
        paths: s.paths,
        tags: s.tags,
        sizeBytes: size?.sizeBytes ?? null,
        fileCount: size?.fileCount ?? null,
        refreshId: b.jobId,
      }]);
    },

    async list(
      f: { repositoryId?: string; hostId?: string; planId?: string },
    ): Promise<SnapshotView[]> {
      return (await repo.list({ ...f, limit: LIST_LIMIT })).map(snapshotView);
    },
  };
}

export type SnapshotsService = ReturnType<typeof createSnapshotsService>;
