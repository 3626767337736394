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
import type { Pair, SnapshotDirRow, SnapshotIndexQueries } from "./repo.ts";
import type { Child, DirNode } from "./tree.ts";
import { Buffer } from "node:buffer";

export const BATCH_ENTRIES = 50_000;

export interface BatchStats {
  listingsAdded: number;
  listingsReused: number;
}

/** What one ingest learns as it goes: how many of the names it looked up were new. */
export interface IngestState {
  looked: number;
  added: number;
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

/**
 * Interns the names of these children. Looking a name up first is cheapest when most exist (a
 * similar snapshot); when most were new so far (a first snapshot), inserting first saves a
 * lookup per name.
 */
async function internNames(q: SnapshotIndexQueries, children: readonly Child[], st: IngestState) {
  const index = new Map<string, number>();
  const want: string[] = [];
  for (const c of children) {
    if (c.nameId < 0 && !index.has(c.name)) index.set(c.name, want.push(c.name) - 1);
  }
  if (want.length === 0) return;
  let found: (number | undefined)[];
  if (st.added > st.looked / 2) {
    await q.insertNames(want);
    found = await q.findNameIds(want);
  } else {
    found = await q.findNameIds(want);
    const missing = want.filter((_, i) => found[i] === undefined);
    if (missing.length) {
      await q.insertNames(missing);
      const again = await q.findNameIds(missing);
      let k = 0;
      for (let i = 0; i < found.length; i++) if (found[i] === undefined) found[i] = again[k++];
      st.added += missing.length;
    }
  }
  st.looked += want.length;
  for (const c of children) if (c.nameId < 0) c.nameId = found[index.get(c.name)!]!;
}

/** Gives every directory of the batch its node id, one depth at a time. */
async function internDirs(q: SnapshotIndexQueries, dirs: readonly DirNode[], st: IngestState) {
  const todo = dirs.filter((d) => d.self !== null);
  for (let i = 0; i < todo.length;) {
    let j = i;
    while (j < todo.length && todo[j].depth === todo[i].depth) j++;
    const level = todo.slice(i, j);
    await internNames(q, level.map((d) => d.self!), st);
    const pairs = level.map((d): Pair => [d.parent!.id, d.self!.nameId]);
    let found = await q.findDirIds(pairs);
    if (found.includes(undefined)) {
      await q.insertDirs(pairs.filter((_, k) => found[k] === undefined));
      found = await q.findDirIds(pairs);
    }
    level.forEach((d, k) => d.id = found[k]!);
    i = j;
  }
}

/** Writes one batch of directories of the snapshot `seq`; the caller runs it in a transaction. */
export async function writeBatch(
  q: SnapshotIndexQueries,
  seq: number,
  batch: { dirs: readonly DirNode[]; state: IngestState },
): Promise<BatchStats> {
  const { dirs, state } = batch;
  await internDirs(q, dirs, state);
  const listingIds = await q.findListingIds(dirs.map((d) => d.hash!));
  const known = dirs.map((_, k) => k).filter((k) => listingIds[k] !== undefined);
  const inUse = await q.pairsInUse(known.map((k): Pair => [dirs[k].id, listingIds[k]!]));
  const reused = new Set(known.filter((_, i) => inUse[i]));
  const fresh = dirs.filter((_, k) => !reused.has(k));
  await internNames(q, fresh.flatMap((d) => d.children), state);
  const added = await addListings(q, dirs.filter((_, k) => listingIds[k] === undefined));
  dirs.forEach((d, k) => listingIds[k] ??= added.get(d.hash!));
  const children = fresh.flatMap((d) => d.children.map((c): Pair => [c.nameId, d.id]));
  await q.insertChildren(children.sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  await q.insertSnapshotDirs(
    seq,
    dirs.map((d, k): SnapshotDirRow => [d.id, listingIds[k]!, d.count, d.total]),
  );
  return { listingsAdded: added.size, listingsReused: known.length };
}

/** Stores the listings of these directories (one per distinct hash); their ids by hash. */
async function addListings(q: SnapshotIndexQueries, dirs: readonly DirNode[]) {
  const byHash = new Map<Uint8Array, number>();
  if (dirs.length === 0) return byHash;
  const distinct = new Map<string, DirNode>();
  for (const d of dirs) distinct.set(Buffer.from(d.hash!).toString("hex"), d);
  const list = [...distinct.values()];
  await q.insertListings(list.map((d) => ({
    hash: d.hash!,
    entryCount: d.children.length,
    data: encodeListing(d.children),
  })));
  const ids = await q.findListingIds(list.map((d) => d.hash!));
  const idOf = new Map([...distinct.keys()].map((h, i) => [h, ids[i]!]));
  for (const d of dirs) byHash.set(d.hash!, idOf.get(Buffer.from(d.hash!).toString("hex"))!);
  return byHash;
}
