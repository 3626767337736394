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

/**
 * The next free ids, read at the start of each batch: writers run one at a time, so the ingest
 * numbers what it inserts itself and never reads ids back. `mostlyNew` says whether most names
 * of the last lookup were new (a first snapshot): then inserting first saves a lookup per name.
 */
export interface IngestState {
  name: number;
  dir: number;
  listing: number;
  mostlyNew: boolean;
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

/** Interns the names of these children (new names in sorted order: appends, not splits). */
async function internNames(q: SnapshotIndexQueries, children: readonly Child[], st: IngestState) {
  const index = new Map<string, number>();
  const want: string[] = [];
  for (const c of children) {
    if (c.nameId < 0 && !index.has(c.name)) index.set(c.name, want.push(c.name) - 1);
  }
  if (want.length === 0) return;
  const found = st.mostlyNew
    ? new Array<number | undefined>(want.length)
    : await q.findNameIds(want);
  const missing = want.filter((_, i) => found[i] === undefined).sort(); // native string sort
  const clashed = new Set(await q.insertNames(st.name + 1, missing));
  missing.forEach((name, k) => {
    if (!clashed.has(k)) found[index.get(name)!] = st.name + 1 + k;
  });
  st.name += missing.length;
  // Only when inserting first: names the index had already.
  const again = [...clashed].map((k) => missing[k]);
  const known = again.length ? await q.findNameIds(again) : [];
  again.forEach((name, k) => found[index.get(name)!] = known[k]);
  st.mostlyNew = missing.length - clashed.size > want.length / 2;
  for (const c of children) if (c.nameId < 0) c.nameId = found[index.get(c.name)!]!;
}

/** Gives every directory of the batch its node id, one depth at a time. */
async function internDirs(q: SnapshotIndexQueries, dirs: readonly DirNode[], next: IngestState) {
  const todo = dirs.filter((d) => d.self !== null);
  for (let i = 0; i < todo.length;) {
    let j = i;
    while (j < todo.length && todo[j].depth === todo[i].depth) j++;
    const level = todo.slice(i, j);
    await internNames(q, level.map((d) => d.self!), next);
    const found = await q.findDirIds(level.map((d): Pair => [d.parent!.id, d.self!.nameId]));
    const added: [number, number, number][] = [];
    level.forEach((d, k) => {
      d.id = found[k] ?? ++next.dir;
      if (found[k] === undefined) added.push([d.id, d.parent!.id, d.self!.nameId]);
    });
    await q.insertDirs(added);
    i = j;
  }
}

/** Writes one batch of directories of the snapshot `seq`; the caller runs it in a transaction. */
export async function writeBatch(
  q: SnapshotIndexQueries,
  seq: number,
  batch: { dirs: readonly DirNode[]; mostlyNew: boolean },
): Promise<BatchStats & { mostlyNew: boolean }> {
  const { dirs } = batch;
  const next: IngestState = { ...await q.maxIds(), mostlyNew: batch.mostlyNew };
  await internDirs(q, dirs, next);
  const listingIds = await q.findListingIds(dirs.map((d) => d.hash!));
  const known = dirs.map((_, k) => k).filter((k) => listingIds[k] !== undefined);
  const inUse = await q.pairsInUse(known.map((k): Pair => [dirs[k].id, listingIds[k]!]));
  const reused = new Set(known.filter((_, i) => inUse[i]));
  const fresh = dirs.filter((_, k) => !reused.has(k));
  await internNames(q, fresh.flatMap((d) => d.children), next);
  const added = await addListings(q, dirs.filter((_, k) => listingIds[k] === undefined), next);
  dirs.forEach((d, k) => listingIds[k] ??= added.get(hex(d.hash!)));
  await q.insertChildren(sortedChildren(fresh));
  await q.insertSnapshotDirs(
    seq,
    dirs.map((d, k): SnapshotDirRow => [d.id, listingIds[k]!, d.count, d.total]),
  );
  return { listingsAdded: added.size, listingsReused: known.length, mostlyNew: next.mostlyNew };
}

const DIR_SPAN = 2 ** 26;

/**
 * The (name, dir) pairs of these directories' children in key order, so the inserts walk the
 * index instead of jumping around it; packed into one number each for a native sort.
 */
function sortedChildren(dirs: readonly DirNode[]): Pair[] {
  let n = 0;
  for (const d of dirs) n += d.children.length;
  const packed = new Float64Array(n);
  let k = 0;
  let packable = true;
  for (const d of dirs) {
    for (const c of d.children) {
      packable &&= c.nameId < DIR_SPAN * 2 && d.id < DIR_SPAN;
      packed[k++] = c.nameId * DIR_SPAN + d.id;
    }
  }
  if (!packable) return dirs.flatMap((d) => d.children.map((c): Pair => [c.nameId, d.id]));
  packed.sort();
  return Array.from(packed, (x): Pair => [Math.floor(x / DIR_SPAN), x % DIR_SPAN]);
}

const hex = (h: Uint8Array) => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("hex");

/** Stores the listings of these directories, one per distinct hash; their ids by hex hash. */
async function addListings(q: SnapshotIndexQueries, dirs: readonly DirNode[], next: IngestState) {
  const distinct = new Map<string, DirNode>();
  for (const d of dirs) distinct.set(hex(d.hash!), d);
  const ids = new Map<string, number>();
  const rows = [...distinct].map(([h, d]) => {
    ids.set(h, ++next.listing);
    return {
      id: next.listing,
      hash: d.hash!,
      entryCount: d.children.length,
      data: encodeListing(d.children),
    };
  });
  await q.insertListings(rows);
  return ids;
}
