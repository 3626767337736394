/**
 * Search across snapshots. A name query scans the distinct names (a few hundred thousand, not
 * millions of entries), finds the directories they occur in (index_children), then reads those
 * directories' listings in the chosen snapshots to see where each path exists and with what
 * size and mtime. A glob such as "**\/nginx/*.conf" starts from the other end: the directories
 * whose own name fits ("nginx"), whose paths fit the rest, and then their listings. Candidates
 * come in chunks and the search stops once it has `limit` paths.
 */
import { entryAt } from "./browse.ts";
import type { IndexEntry } from "./browse.ts";
import { createDirPaths } from "./dir_paths.ts";
import type { DirPaths } from "./dir_paths.ts";
import { DIR_CODE } from "./entry.ts";
import { compileQuery } from "./glob.ts";
import type { CompiledQuery, SearchKind } from "./glob.ts";
import { loadListings } from "./listing_cache.ts";
import type { ListingCache } from "./listing_cache.ts";
import type { DirRow, DirTotals, IndexedSnapshot, Pair, SnapshotIndexRepo } from "./repo.ts";

export interface SearchOptions {
  /** One host's snapshots; leave out for the whole fleet. */
  hostId?: string;
  snapshotIds?: string[];
  query: string;
  kind?: SearchKind | "auto";
  limit?: number;
}

export interface SearchVersion extends Omit<IndexEntry, "name" | "path"> {
  snapshotId: string;
  hostId: string;
  snapshotTime: number;
}

export interface SearchMatch {
  path: string;
  name: string;
  /** Newest snapshot first. */
  versions: SearchVersion[];
}

export interface SearchResult {
  kind: SearchKind;
  matches: SearchMatch[];
  /** More paths match than were returned. */
  truncated: boolean;
}

export const MAX_SEARCH_LIMIT = 1000;
const DIR_CHUNK = 200;

interface Ctx {
  repo: SnapshotIndexRepo;
  cache: ListingCache;
  bySeq: Map<number, IndexedSnapshot>;
  seqs: number[];
  dirPaths: DirPaths;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/** Per-snapshot totals of the directories among these (name, parent) matches. */
async function dirTotals(ctx: Ctx, pairs: readonly Pair[]) {
  const rows = pairs.length ? await ctx.repo.dirRowsByName(pairs.map(([n, d]) => [d, n])) : [];
  return new Map<string, DirTotals>(rows.map((r) => [`${r.nameId}/${r.parentId}/${r.seq}`, r]));
}

/** The matches among these (name, dir) pairs, in the chosen snapshots. */
async function versionsOf(ctx: Ctx, pairs: readonly Pair[]): Promise<SearchMatch[]> {
  const rows = await ctx.repo.dirRows(pairs.map(([, d]) => d), ctx.seqs);
  const ls = await loadListings(ctx.cache, rows.map((r) => r.listingId), ctx.repo.listingData);
  const byDir = groupBy(rows, (r) => r.dirId);
  const found: { pair: Pair; hits: { r: DirRow; i: number }[] }[] = [];
  for (const pair of pairs) {
    const hits = (byDir.get(pair[1]) ?? [])
      .map((r) => ({ r, i: ls.get(r.listingId)!.nameIds.indexOf(pair[0]) }))
      .filter((h) => h.i >= 0);
    if (hits.length) found.push({ pair, hits });
  }
  if (found.length === 0) return [];
  const dirs = found.filter((f) =>
    f.hits.some((h) => ls.get(h.r.listingId)!.types[h.i] === DIR_CODE)
  );
  const totals = await dirTotals(ctx, dirs.map((f) => f.pair));
  const names = await ctx.repo.namesById(found.map((f) => f.pair[0]));
  const paths = await ctx.dirPaths(found.map((f) => f.pair[1]));
  return found.map(({ pair, hits }) => {
    const name = names.get(pair[0]) ?? "";
    const versions = hits.map(({ r, i }): SearchVersion => {
      const s = ctx.bySeq.get(r.seq)!;
      const at = { name, dirPath: "/", totals: totals.get(`${pair[0]}/${pair[1]}/${r.seq}`) };
      const { name: _n, path: _p, ...e } = entryAt(ls.get(r.listingId)!, i, at);
      return { snapshotId: s.id, hostId: s.hostId, snapshotTime: s.time, ...e };
    }).sort((a, b) => b.snapshotTime - a.snapshotTime || (a.snapshotId < b.snapshotId ? -1 : 1));
    const dir = paths.get(pair[1])!;
    return { name, path: dir === "/" ? `/${name}` : `${dir}/${name}`, versions };
  });
}

async function nameIdOf(ctx: Ctx, name: string): Promise<number | undefined> {
  return (await ctx.repo.findNameIds([name]))[0];
}

/** Names that fit, in chunks that grow: a common pattern stops after the first small one. */
async function* nameChunks(ctx: Ctx, q: CompiledQuery, limit: number): AsyncGenerator<number[]> {
  if (q.name.op === "exact") {
    const id = await nameIdOf(ctx, q.name.name);
    if (id !== undefined) yield [id];
    return;
  }
  let after = 0;
  for (let size = Math.max(100, limit * 2);; size = Math.min(size * 4, 50_000)) {
    const ids = (await ctx.repo.matchNames(q.name.op, q.name.pattern, after, size)).map((r) =>
      r.id
    );
    if (ids.length) yield ids;
    if (ids.length < size) return;
    after = ids[ids.length - 1];
  }
}

/** Directories that can hold a match of a glob with a parent part, chunk by chunk. */
async function* parentDirChunks(ctx: Ctx, q: CompiledQuery): AsyncGenerator<number[]> {
  const p = q.parent!;
  let dirs = p.op === "exact" && p.name === "" ? [0] : await ctx.repo.dirsNamed(p);
  if (q.dirTest) {
    const paths = await ctx.dirPaths(dirs);
    dirs = dirs.filter((d) => q.dirTest!(paths.get(d)!));
  }
  for (let i = 0; i < dirs.length; i += DIR_CHUNK) yield dirs.slice(i, i + DIR_CHUNK);
}

/** (name, dir) pairs of the children of these directories whose name fits. */
async function childrenFitting(ctx: Ctx, q: CompiledQuery, dirs: number[]): Promise<Pair[]> {
  const rows = await ctx.repo.dirRows(dirs, ctx.seqs);
  const ls = await loadListings(ctx.cache, rows.map((r) => r.listingId), ctx.repo.listingData);
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  for (const r of rows) {
    for (const n of ls.get(r.listingId)!.nameIds) {
      const key = `${n}/${r.dirId}`;
      if (!seen.has(key)) seen.add(key) && pairs.push([n, r.dirId]);
    }
  }
  const names = await ctx.repo.namesById(pairs.map(([n]) => n));
  return pairs.filter(([n]) => q.nameRegex.test(names.get(n) ?? ""));
}

/** Successive chunks of (name, dir) pairs that may match. */
async function* candidatePairs(ctx: Ctx, q: CompiledQuery, limit: number): AsyncGenerator<Pair[]> {
  if (q.kind === "path") {
    const dir = await ctx.repo.resolveDir(q.dirNames!);
    const id = await nameIdOf(ctx, (q.name as { name: string }).name);
    if (dir !== undefined && id !== undefined) yield [[id, dir]];
    return;
  }
  if (q.parent && q.name.op !== "exact") {
    for await (const dirs of parentDirChunks(ctx, q)) yield await childrenFitting(ctx, q, dirs);
    return;
  }
  for await (const ids of nameChunks(ctx, q, limit)) {
    let pairs = await ctx.repo.childrenNamed(ids);
    if (q.dirTest) {
      const paths = await ctx.dirPaths(pairs.map(([, d]) => d));
      pairs = pairs.filter(([, d]) => q.dirTest!(paths.get(d)!));
    }
    yield pairs;
  }
}

export async function searchIndex(
  deps: { repo: SnapshotIndexRepo; cache: ListingCache },
  o: SearchOptions,
): Promise<SearchResult> {
  const q = compileQuery(o.query, o.kind);
  const limit = Math.min(Math.max(1, o.limit ?? 100), MAX_SEARCH_LIMIT);
  const snaps = await deps.repo.listSnapshots({ hostId: o.hostId, snapshotIds: o.snapshotIds });
  const result: SearchResult = { kind: q.kind, matches: [], truncated: false };
  if (snaps.length === 0) return result;
  const ctx: Ctx = {
    ...deps,
    bySeq: new Map(snaps.map((s) => [s.seq, s])),
    seqs: snaps.map((s) => s.seq),
    dirPaths: createDirPaths(deps.repo),
  };
  for await (const chunk of candidatePairs(ctx, q, limit)) {
    for (let i = 0; i < chunk.length && !result.truncated; i += 500) {
      for (const m of await versionsOf(ctx, chunk.slice(i, i + 500))) {
        if (result.matches.length === limit) result.truncated = true;
        else result.matches.push(m);
      }
    }
    if (result.truncated) break;
  }
  result.matches.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return result;
}
