/**
 * Writes a finished snapshot tree into the index in batches of tens of thousands of entries,
 * each batch one transaction, so the rest of the appliance (which shares the one connection)
 * gets its turn between batches. Directories go parents first, and each batch writes its
 * directories' rows in index_snapshot_dirs together with every name, directory node, listing
 * and child pair they introduce: whatever a batch adds is referenced by the loading snapshot, so
 * dropping that snapshot (after a crash too) collects it all.
 *
 * A directory whose content hash is already stored, under the same directory node, costs one
 * row and no name lookups: that is most directories of a snapshot similar to an earlier one.
 */
import { encodeListing } from "./listing_codec.ts";
import type { Pair, SnapshotIndexQueries } from "./repo.ts";
import type { Child, DirNode } from "./tree.ts";

export const BATCH_ENTRIES = 50_000;

export interface BatchStats {
  listingsAdded: number;
  listingsReused: number;
}

interface Ids {
  dir: Map<DirNode, number>;
  name: Map<Child, number>;
}

export function newIds(root: DirNode): Ids {
  return { dir: new Map([[root, 0]]), name: new Map() };
}

/** Splits the directories (parents first) into batches of about BATCH_ENTRIES children. */
export function batchesOf(dirs: readonly DirNode[], size = BATCH_ENTRIES): DirNode[][] {
  const out: DirNode[][] = [];
  let cur: DirNode[] = [];
  let n = 0;
  for (const d of dirs) {
    cur.push(d);
    n += d.children.length + 1;
    if (n >= size) {
      out.push(cur);
      cur = [];
      n = 0;
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

async function nameIdsFor(q: SnapshotIndexQueries, children: readonly Child[], ids: Ids) {
  const want = [...new Set(children.filter((c) => !ids.name.has(c)).map((c) => c.name))];
  if (want.length === 0) return;
  let found = await q.findNameIds(want);
  const missing = want.filter((n) => !found.has(n));
  if (missing.length) {
    await q.insertNames(missing);
    found = new Map([...found, ...await q.findNameIds(missing)]);
  }
  for (const c of children) if (!ids.name.has(c)) ids.name.set(c, found.get(c.name)!);
}

/** Gives every directory of the batch its node id, one depth at a time. */
async function dirIdsFor(q: SnapshotIndexQueries, dirs: readonly DirNode[], ids: Ids) {
  const todo = dirs.filter((d) => d.self !== null);
  for (let i = 0; i < todo.length;) {
    const depth = todo[i].names.length;
    let j = i;
    while (j < todo.length && todo[j].names.length === depth) j++;
    const level = todo.slice(i, j);
    await nameIdsFor(q, level.map((d) => d.self!), ids);
    const pairs: Pair[] = level.map((d) => [ids.dir.get(d.parent!)!, ids.name.get(d.self!)!]);
    let found = await q.findDirIds(pairs);
    const missing = pairs.filter((_, k) => found[k] === undefined);
    if (missing.length) {
      await q.insertDirs(missing);
      found = await q.findDirIds(pairs);
    }
    level.forEach((d, k) => ids.dir.set(d, found[k]!));
    i = j;
  }
}

/** Writes one batch of directories of the snapshot `seq`; the caller runs it in a transaction. */
export async function writeBatch(
  q: SnapshotIndexQueries,
  seq: number,
  batch: { dirs: readonly DirNode[]; ids: Ids },
): Promise<BatchStats> {
  const { dirs, ids } = batch;
  await dirIdsFor(q, dirs, ids);
  const listingIds = await q.findListingIds(dirs.map((d) => d.hash!));
  const dirIdOf = (d: DirNode) => ids.dir.get(d)!;
  const known = dirs.map((_, k) => k).filter((k) => listingIds[k] !== undefined);
  const inUse = await q.pairsInUse(known.map((k): Pair => [dirIdOf(dirs[k]), listingIds[k]!]));
  const reused = new Set(known.filter((_, i) => inUse[i]));
  const fresh = dirs.filter((_, k) => !reused.has(k));
  await nameIdsFor(q, fresh.flatMap((d) => d.children), ids);
  const newOnes = new Map<string, DirNode>();
  dirs.forEach((d, k) => {
    if (listingIds[k] === undefined) newOnes.set(hexKey(d.hash!), d);
  });
  await q.insertListings([...newOnes.values()].map((d) => ({
    hash: d.hash!,
    entryCount: d.children.length,
    data: encodeListing(d.children.map((c) => ({ ...c, nameId: ids.name.get(c)! }))),
  })));
  const allIds = newOnes.size ? await q.findListingIds(dirs.map((d) => d.hash!)) : listingIds;
  await q.insertChildren(
    fresh.flatMap((d) => d.children.map((c): Pair => [ids.name.get(c)!, dirIdOf(d)])),
  );
  await q.insertSnapshotDirs(seq, dirs.map((d, k): Pair => [dirIdOf(d), allIds[k]!]));
  for (const d of fresh) for (const c of d.children) if (!c.dir) ids.name.delete(c);
  return { listingsAdded: newOnes.size, listingsReused: known.length };
}

function hexKey(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
