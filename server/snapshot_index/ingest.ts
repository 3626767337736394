/**
 * Writes a finished snapshot tree into the index in three steps, each a series of
 * transactions, so the rest of the appliance (which shares the one connection) gets its turn
 * between them:
 *   1. the names the new listings need, numbered ahead in name order (`numberNamesAhead`);
 *   2. the directories in batches of tens of thousands of entries, parents first, each batch
 *      writing its directories' rows in index_snapshot_dirs with the directory nodes and
 *      listings they introduce (`writeBatch`);
 *   3. the (name, dir) pairs of the new listings, in key order (`writeChildren`).
 * Steps 1 and 3 go in key order because a batch's names and pairs lie all over their indexes:
 * written batch by batch, most of those indexes were written again at every commit (a first
 * snapshot of a million entries wrote 259 MB of WAL for a 74 MB database). Whatever a batch
 * adds is referenced by the loading snapshot, so dropping that snapshot (after a crash too)
 * collects it; the names of step 1 that no directory holds are deleted after a failure, and
 * swept after a crash.
 *
 * A directory whose content hash is already stored, under the same directory node, costs one
 * row and no name lookups: that is most directories of a snapshot similar to an earlier one.
 */
import { encodeListing } from "./listing_codec.ts";
import type { Pair, SnapshotDirRow, SnapshotIndexQueries, SnapshotIndexRepo } from "./repo.ts";
import type { Child, DirNode, NameRef } from "./tree.ts";
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

/** The id of a name already on the list to be numbered, so another child does not add it. */
const WANTED = -2;

function mark(ref: NameRef, want: NameRef[]) {
  if (ref.id === -1) {
    ref.id = WANTED;
    want.push(ref);
  }
}

/**
 * Gives these children their name ids. A name the tree has not numbered yet is looked up (or,
 * in a first snapshot, inserted first) once, for every child that carries it.
 */
async function internNames(q: SnapshotIndexQueries, children: readonly Child[], st: IngestState) {
  const want: NameRef[] = [];
  for (const c of children) mark(c.ref, want);
  if (want.length > 0) await numberNames(q, want, st);
  for (const c of children) c.nameId = c.ref.id;
}

async function numberNames(q: SnapshotIndexQueries, want: NameRef[], st: IngestState) {
  const found = st.mostlyNew ? [] : await q.findNameIds(want.map((r) => r.text));
  const missing: NameRef[] = [];
  want.forEach((r, i) => {
    const id = found[i];
    if (id === undefined) missing.push(r);
    else r.id = id;
  });
  const ids = await q.insertNames(st.name + 1, missing.map((r) => r.text));
  st.name += missing.length;
  // Only when inserting first: names the index had already.
  const again = missing.filter((r, k) => (r.id = ids[k] ?? -1) === -1);
  const known = again.length ? await q.findNameIds(again.map((r) => r.text)) : [];
  again.forEach((r, k) => r.id = known[k]!);
  st.mostlyNew = missing.length - again.length > want.length / 2;
}

/** Names numbered per transaction ahead of the batches. */
export const NAME_RUN = 50_000;

const byText = (a: NameRef, b: NameRef) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
const INDEX_SPAN = 2 ** 21;

/**
 * Names ordered by their first four characters (ASCII; others count as 127), which is enough to
 * give each run its own stretch of the name index: SQLite orders each run fully. A native sort
 * of numbers, each the prefix and the name's position, takes a tenth of a string sort.
 */
function byPrefix(refs: NameRef[]): NameRef[] {
  if (refs.length >= INDEX_SPAN) return refs.sort(byText);
  const keys = new Float64Array(refs.length);
  refs.forEach((r, i) => {
    let k = 0;
    for (let j = 0; j < 4; j++) k = k * 128 + Math.min(r.text.charCodeAt(j) || 0, 127);
    keys[i] = k * INDEX_SPAN + i;
  });
  keys.sort();
  return Array.from(keys, (k) => refs[k % INDEX_SPAN]);
}

/**
 * Numbers, ahead of the batches, the names the snapshot's new listings and directories need (in
 * a first snapshot, nearly all of its names), in name order and NAME_RUN per transaction. A
 * batch's names lie all over the name index, so numbering them batch by batch dirtied most of
 * that index at every commit; in name order each run writes its own stretch of it once. Returns
 * the names it numbered: should the ingest fail, those no listing holds are deleted again.
 */
export async function numberNamesAhead(
  repo: SnapshotIndexRepo,
  dirs: readonly DirNode[],
): Promise<NameRef[]> {
  const listed = await repo.findListingIds(dirs.map((d) => d.hash!));
  const want: NameRef[] = [];
  let unlisted = 0;
  dirs.forEach((d, k) => {
    if (d.self) mark(d.self.ref, want);
    d.listing = listed[k] ?? -1;
    if (d.listing !== -1) return;
    unlisted++;
    for (const c of d.children) mark(c.ref, want);
  });
  const sorted = byPrefix(want);
  for (let i = 0; i < sorted.length; i += NAME_RUN) {
    await repo.transaction(async (q) => {
      const st = { ...await q.maxIds(), mostlyNew: unlisted > dirs.length / 2 };
      await numberNames(q, sorted.slice(i, i + NAME_RUN), st);
    });
  }
  return want;
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
): Promise<BatchStats & { mostlyNew: boolean; fresh: DirNode[] }> {
  const { dirs } = batch;
  const next: IngestState = { ...await q.maxIds(), mostlyNew: batch.mostlyNew };
  await internDirs(q, dirs, next);
  // Listings the lookup ahead did not find may have come since, from an earlier batch.
  const unlisted = dirs.filter((d) => d.listing === -1);
  const found = await q.findListingIds(unlisted.map((d) => d.hash!));
  unlisted.forEach((d, k) => d.listing = found[k] ?? -1);
  const known = dirs.filter((d) => d.listing !== -1);
  const inUse = await q.pairsInUse(known.map((d): Pair => [d.id, d.listing]));
  const reused = new Set(known.filter((_, i) => inUse[i]));
  const fresh = dirs.filter((d) => !reused.has(d));
  await internNames(q, fresh.flatMap((d) => d.children), next);
  const added = await addListings(q, dirs.filter((d) => d.listing === -1), next);
  for (const d of dirs) if (d.listing === -1) d.listing = added.get(hex(d.hash!))!;
  await q.insertSnapshotDirs(
    seq,
    dirs.map((d): SnapshotDirRow => [d.id, d.listing, d.count, d.total]),
  );
  return {
    listingsAdded: added.size,
    listingsReused: known.length,
    mostlyNew: next.mostlyNew,
    fresh,
  };
}

/** Child pairs written per transaction. */
export const CHILD_RUN = 100_000;

/**
 * Writes the (name, dir) pairs of these directories' children after the batches, all of them
 * in key order and CHILD_RUN per transaction, so each run writes its own stretch of the index
 * once instead of every batch touching all of it.
 */
export async function writeChildren(repo: SnapshotIndexRepo, dirs: readonly DirNode[]) {
  const pairs = sortedChildren(dirs);
  for (let i = 0; i < pairs.length; i += 2 * CHILD_RUN) {
    await repo.transaction((q) => q.insertChildren(pairs.slice(i, i + 2 * CHILD_RUN)));
  }
}

const DIR_SPAN = 2 ** 26;

/**
 * The (name, dir) pairs of these directories' children in key order, flat (name, dir, name,
 * …), so the inserts walk the index instead of jumping around it; packed into one number each
 * for a native sort.
 */
function sortedChildren(dirs: readonly DirNode[]): number[] {
  let n = 0;
  for (const d of dirs) n += d.children.length;
  const packed = new Float64Array(n);
  const out = new Array<number>(2 * n);
  let k = 0;
  let packable = true;
  for (const d of dirs) {
    for (const c of d.children) {
      packable &&= c.nameId < DIR_SPAN * 2 && d.id < DIR_SPAN;
      packed[k++] = c.nameId * DIR_SPAN + d.id;
    }
  }
  if (packable) {
    packed.sort();
    packed.forEach((x, i) => {
      out[2 * i] = Math.floor(x / DIR_SPAN);
      out[2 * i + 1] = x % DIR_SPAN;
    });
  } else { // unsorted: the ids outgrew the packing
    k = 0;
    for (const d of dirs) {
      for (const c of d.children) {
        out[k++] = c.nameId;
        out[k++] = d.id;
      }
    }
  }
  return out;
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
