/**
 * Differences between two snapshots, from the index alone. Every entry lives in exactly one
 * directory listing, so merging the two snapshots' (directory, listing) rows by directory finds
 * every directory whose listing differs; only those listings are decoded and compared child by
 * child. Identical directories, most of a similar pair, cost one row read each.
 */
import { NotFoundError } from "../errors.ts";
import { entryAt, parsePath } from "./browse.ts";
import type { IndexEntry } from "./browse.ts";
import { createDirPaths } from "./dir_paths.ts";
import { DIR_CODE, joinPath } from "./entry.ts";
import { ownerAt } from "./listing_codec.ts";
import type { Listing } from "./listing_codec.ts";
import { loadListings } from "./listing_cache.ts";
import type { ListingCache } from "./listing_cache.ts";
import type { DirTotals, Pair, SnapshotIndexRepo } from "./repo.ts";

export interface DiffOptions {
  fromSnapshotId: string;
  toSnapshotId: string;
  /** Only this directory and what is under it. */
  path?: string;
  limit?: number;
}

export type ChangeField = "type" | "size" | "mtime" | "mode" | "owner" | "target";
export type EntryFacts = Omit<IndexEntry, "name" | "path">;

export interface DiffEntry {
  path: string;
  change: "added" | "removed" | "changed";
  fields: ChangeField[];
  from: EntryFacts | null;
  to: EntryFacts | null;
}

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  /** Sizes of added files plus growth of changed ones (directories count through their files). */
  bytesAdded: number;
  bytesRemoved: number;
  fromSize: number;
  toSize: number;
  /** (toSize − fromSize) / fromSize × 100; null when fromSize is 0. */
  sizeChangePercent: number | null;
}

export interface DiffResult {
  fromSnapshotId: string;
  toSnapshotId: string;
  path: string;
  summary: DiffSummary;
  entries: DiffEntry[];
  truncated: boolean;
}

interface Side {
  l: Listing;
  i: number;
}

const CHUNK_DIRS = 500;
export const MAX_DIFF_LIMIT = 10_000;
const bytes = (s: Side) => (s.l.types[s.i] === DIR_CODE ? 0 : s.l.sizes[s.i]);

function changedFields(a: Side, b: Side): ChangeField[] {
  const f: ChangeField[] = [];
  const dir = a.l.types[a.i] === DIR_CODE && b.l.types[b.i] === DIR_CODE;
  if (a.l.types[a.i] !== b.l.types[b.i]) f.push("type");
  if (!dir && a.l.sizes[a.i] !== b.l.sizes[b.i]) f.push("size");
  if (!Object.is(a.l.mtimes[a.i], b.l.mtimes[b.i])) f.push("mtime");
  if (a.l.modes[a.i] !== b.l.modes[b.i]) f.push("mode");
  const oa = ownerAt(a.l, a.i);
  const ob = ownerAt(b.l, b.i);
  if (oa.uid !== ob.uid || oa.gid !== ob.gid || oa.user !== ob.user || oa.group !== ob.group) {
    f.push("owner");
  }
  if ((a.l.links.get(a.i) ?? null) !== (b.l.links.get(b.i) ?? null)) f.push("target");
  return f;
}

/** Directories whose listing differs: [dirId, from listing or -1, to listing or -1]. */
async function differingDirs(repo: SnapshotIndexRepo, a: number, b: number) {
  const [ra, rb] = await Promise.all([repo.snapshotDirs(a), repo.snapshotDirs(b)]);
  const out: [number, number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < ra.length || j < rb.length) {
    const da = i < ra.length ? ra[i][0] : Infinity;
    const db = j < rb.length ? rb[j][0] : Infinity;
    if (da === db) {
      if (ra[i][1] !== rb[j][1]) out.push([da, ra[i][1], rb[j][1]]);
      i++, j++;
    } else if (da < db) out.push([da, ra[i++][1], -1]);
    else out.push([db, -1, rb[j++][1]]);
  }
  return out;
}

async function findPair(repo: SnapshotIndexRepo, o: DiffOptions) {
  const from = await repo.findSnapshot(o.fromSnapshotId);
  if (!from) throw new NotFoundError("Indexed snapshot", o.fromSnapshotId);
  const to = await repo.findSnapshot(o.toSnapshotId);
  if (!to) throw new NotFoundError("Indexed snapshot", o.toSnapshotId);
  return { from, to };
}

async function subtreeSizes(repo: SnapshotIndexRepo, seqs: number[], names: string[]) {
  const dir = await repo.resolveDir(names);
  const rows = dir === undefined
    ? []
    : await Promise.all(seqs.map((s) => repo.snapshotDir(s, dir)));
  if (!rows.some((r) => r !== undefined)) throw new NotFoundError("Directory in these snapshots");
  return rows.map((r) => r?.totalSize ?? 0);
}

interface Emitted {
  dir: string;
  dirId: number;
  nameId: number;
  change: DiffEntry["change"];
  a?: Side;
  b?: Side;
}

/** Compares one directory's two listings (either may be missing), counting into `summary`. */
function compareListings(
  A: Listing | undefined,
  B: Listing | undefined,
  acc: { summary: DiffSummary; emit: (e: Omit<Emitted, "dir" | "dirId">) => void },
) {
  const { summary, emit } = acc;
  const inA = new Map<number, number>();
  if (A) { for (let i = 0; i < A.length; i++) inA.set(A.nameIds[i], i); }
  for (let j = 0; B && j < B.length; j++) {
    const b = { l: B, i: j };
    const i = inA.get(B.nameIds[j]);
    if (i === undefined) {
      summary.added++;
      summary.bytesAdded += bytes(b);
      emit({ nameId: B.nameIds[j], change: "added", b });
      continue;
    }
    inA.delete(B.nameIds[j]);
    const a = { l: A!, i };
    if (changedFields(a, b).length === 0) continue;
    const delta = bytes(b) - bytes(a);
    summary.changed++;
    if (delta > 0) summary.bytesAdded += delta;
    else summary.bytesRemoved -= delta;
    emit({ nameId: B.nameIds[j], change: "changed", a, b });
  }
  for (const [nameId, i] of inA) {
    const a = { l: A!, i };
    summary.removed++;
    summary.bytesRemoved += bytes(a);
    emit({ nameId, change: "removed", a });
  }
}

/** What an entry was on one side, with its totals if it is a directory. */
function facts(e: Emitted, side: "a" | "b", totals: Map<string, DirTotals>): EntryFacts | null {
  const s = e[side];
  if (!s) return null;
  const at = { name: "", dirPath: "/", totals: totals.get(`${e.dirId}/${e.nameId}/${side}`) };
  const { name: _n, path: _p, ...rest } = entryAt(s.l, s.i, at);
  return rest;
}

/** Per-side totals of the directories among the emitted entries. */
async function emittedTotals(repo: SnapshotIndexRepo, kept: Emitted[], seqs: [number, number]) {
  const isDir = (s?: Side) => s !== undefined && s.l.types[s.i] === DIR_CODE;
  const dirs = kept.filter((e) => isDir(e.a) || isDir(e.b)).map((e): Pair => [e.dirId, e.nameId]);
  const out = new Map<string, DirTotals>();
  if (dirs.length === 0) return out;
  for (const r of await repo.dirRowsByName(dirs)) {
    if (r.seq === seqs[0]) out.set(`${r.parentId}/${r.nameId}/a`, r);
    if (r.seq === seqs[1]) out.set(`${r.parentId}/${r.nameId}/b`, r);
  }
  return out;
}

export async function diffSnapshots(
  deps: { repo: SnapshotIndexRepo; cache: ListingCache },
  o: DiffOptions,
): Promise<DiffResult> {
  const { from, to } = await findPair(deps.repo, o);
  const names = parsePath(o.path ?? "/");
  const root = joinPath(names);
  const limit = Math.min(Math.max(1, o.limit ?? 1000), MAX_DIFF_LIMIT);
  const [fromSize, toSize] = names.length
    ? await subtreeSizes(deps.repo, [from.seq, to.seq], names)
    : [from.totalSize, to.totalSize];
  const summary: DiffSummary = {
    ...{ added: 0, removed: 0, changed: 0, bytesAdded: 0, bytesRemoved: 0, fromSize, toSize },
    sizeChangePercent: fromSize ? ((toSize - fromSize) / fromSize) * 100 : null,
  };
  const dirs = await differingDirs(deps.repo, from.seq, to.seq);
  const paths = await createDirPaths(deps.repo)(dirs.map(([d]) => d));
  const inside = (p: string) => root === "/" || p === root || p.startsWith(root + "/");
  const todo = dirs.filter(([d]) => inside(paths.get(d)!))
    .sort((x, y) => (paths.get(x[0])! < paths.get(y[0])! ? -1 : 1));
  const emitted: Emitted[] = [];
  for (let k = 0; k < todo.length; k += CHUNK_DIRS) {
    const chunk = todo.slice(k, k + CHUNK_DIRS);
    const ids = chunk.flatMap(([, la, lb]) => [la, lb]).filter((x) => x >= 0);
    const ls = await loadListings(deps.cache, ids, deps.repo.listingData);
    for (const [d, la, lb] of chunk) {
      const dir = paths.get(d)!;
      const emit = (e: Omit<Emitted, "dir" | "dirId">) =>
        void (emitted.length <= limit && emitted.push({ ...e, dir, dirId: d }));
      compareListings(ls.get(la), ls.get(lb), { summary, emit });
    }
  }
  const kept = emitted.slice(0, limit);
  const nameOf = await deps.repo.namesById(kept.map((e) => e.nameId));
  const totals = await emittedTotals(deps.repo, kept, [from.seq, to.seq]);
  const entries = kept.map((e): DiffEntry => ({
    path: e.dir === "/" ? `/${nameOf.get(e.nameId)}` : `${e.dir}/${nameOf.get(e.nameId)}`,
    change: e.change,
    fields: e.a && e.b ? changedFields(e.a, e.b) : [],
    from: facts(e, "a", totals),
    to: facts(e, "b", totals),
  })).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const truncated = emitted.length > limit;
  return { fromSnapshotId: from.id, toSnapshotId: to.id, path: root, summary, entries, truncated };
}
