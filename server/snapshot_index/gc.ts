/**
 * Removes one (hidden) snapshot version from the index and collects what only it used, eagerly
 * and in batches of directories, each one transaction. The unit of sharing is the pair
 * (directory node, listing): when the last snapshot with a pair goes, the names that listing
 * put in that directory and that no remaining listing of the directory has are taken out of
 * index_children; directory nodes and names nobody holds any more go with them, and so do
 * listings no snapshot uses. The work is proportional to what the snapshot did not share with
 * the others: forgetting one of ten similar snapshots touches a few percent of its directories.
 */
import { decodeNameIds } from "./listing_codec.ts";
import type { Pair, SnapshotIndexQueries, SnapshotIndexRepo } from "./repo.ts";

export const GC_BATCH_DIRS = 5_000;

export interface DropStats {
  dirs: number;
  listingsDeleted: number;
  childrenDeleted: number;
}

async function collectBatch(
  q: SnapshotIndexQueries,
  gone: readonly Pair[],
): Promise<{ childrenDeleted: number; deadListings: number[] }> {
  const stillUsed = await q.pairsInUse(gone);
  // A pair another snapshot still has keeps its directory, listing and names: nothing to do.
  const lost = gone.filter((_, i) => !stillUsed[i]);
  if (lost.length === 0) return { childrenDeleted: 0, deadListings: [] };
  const live = await q.dirRows(lost.map(([d]) => d));
  const data = await q.listingData([...lost.map(([, l]) => l), ...live.map((r) => r.listingId)]);
  const names = new Map<number, Float64Array>();
  const namesOf = (id: number) => {
    let n = names.get(id);
    if (!n) {
      const d = data.get(id); // missing only if a crash left a row pointing nowhere
      names.set(id, n = d ? decodeNameIds(d) : new Float64Array(0));
    }
    return n;
  };
  const liveByDir = new Map<number, number[]>();
  for (const r of live) liveByDir.set(r.dirId, [...liveByDir.get(r.dirId) ?? [], r.listingId]);
  const garbage: Pair[] = [];
  for (const [dir, listing] of lost) {
    const kept = new Set<number>();
    for (const l of new Set(liveByDir.get(dir))) for (const n of namesOf(l)) kept.add(n);
    for (const n of namesOf(listing)) if (!kept.has(n)) garbage.push([n, dir]);
  }
  await q.deleteChildren(garbage);
  await q.deleteUnusedDirs(lost.map(([d]) => d));
  await q.deleteUnusedNames([...new Set(garbage.map(([n]) => n))]);
  const deadListings = await q.unusedListings(lost.map(([, l]) => l));
  await q.deleteListings(deadListings);
  return { childrenDeleted: garbage.length, deadListings };
}

/**
 * Deletes every row of snapshot version `seq` (already hidden from readers), then its registry
 * row. `onListingsDeleted` hears which listing ids are gone, for caches.
 */
export async function dropSnapshotVersion(
  repo: SnapshotIndexRepo,
  seq: number,
  onListingsDeleted: (ids: number[]) => void,
): Promise<DropStats> {
  const stats: DropStats = { dirs: 0, listingsDeleted: 0, childrenDeleted: 0 };
  for (;;) {
    const done = await repo.transaction(async (q) => {
      const rows = await q.snapshotDirs(seq, -1, GC_BATCH_DIRS);
      if (rows.length === 0) return true;
      await q.deleteSnapshotDirs(seq, rows[rows.length - 1][0]);
      const r = await collectBatch(q, rows);
      stats.dirs += rows.length;
      stats.childrenDeleted += r.childrenDeleted;
      stats.listingsDeleted += r.deadListings.length;
      onListingsDeleted(r.deadListings);
      return false;
    });
    if (done) break;
  }
  await repo.deleteSnapshotRow(seq);
  return stats;
}
