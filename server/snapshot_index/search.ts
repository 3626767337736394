/**
 * Search across snapshots: find the matching names among the distinct names (a few hundred
 * thousand, not millions of entries), the directories where they occur (index_children), then
 * read those directories' listings in the chosen snapshots to see in which snapshot each path
 * exists and with what size and mtime. Names are scanned in chunks and the search stops once it
 * has `limit` paths, so a common pattern costs no more than a rare one.
 */
import { entryAt } from "./browse.ts";
import type { IndexEntry } from "./browse.ts";
import { createDirPaths } from "./dir_paths.ts";
import type { DirPaths } from "./dir_paths.ts";
import { compileQuery } from "./glob.ts";
import type { CompiledQuery, SearchKind } from "./glob.ts";
import { loadListings } from "./listing_cache.ts";
import type { ListingCache } from "./listing_cache.ts";
import type { DirRow, IndexedSnapshot, Pair, SnapshotIndexRepo } from "./repo.ts";

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

const NAME_CHUNK = 5_000;
export const MAX_SEARCH_LIMIT = 1000;

interface Ctx {
  repo: SnapshotIndexRepo;
  cache: ListingCache;
  bySeq: Map<number, IndexedSnapshot>;
  dirPaths: DirPaths;
}

/** The matches among these (name, dir) pairs, in the chosen snapshots. */
async function versionsOf(ctx: Ctx, pairs: readonly Pair[]): Promise<SearchMatch[]> {
  const rows = await ctx.repo.dirRows(pairs.map(([, d]) => d), [...ctx.bySeq.keys()]);
  const listings = await loadListings(
    ctx.cache,
    rows.map((r) => r.listingId),
    ctx.repo.listingData,
  );
  const byDir = new Map<number, DirRow[]>();
  for (const r of rows) byDir.set(r.dirId, [...byDir.get(r.dirId) ?? [], r]);
  const found: { pair: Pair; versions: SearchVersion[] }[] = [];
  for (const pair of pairs) {
    const versions: SearchVersion[] = [];
    for (const r of byDir.get(pair[1]) ?? []) {
      const l = listings.get(r.listingId)!;
      const i = l.nameIds.indexOf(pair[0]);
      if (i < 0) continue;
      const s = ctx.bySeq.get(r.seq)!;
      const { name: _n, path: _p, ...e } = entryAt(l, i, "", "/");
      versions.push({ snapshotId: s.id, hostId: s.hostId, snapshotTime: s.time, ...e });
    }
    if (versions.length) found.push({ pair, versions });
  }
  if (found.length === 0) return [];
  const names = await ctx.repo.namesById(found.map((f) => f.pair[0]));
  const paths = await ctx.dirPaths(found.map((f) => f.pair[1]));
  return found.map(({ pair, versions }) => {
    const name = names.get(pair[0]) ?? "";
    const dir = paths.get(pair[1])!;
    versions.sort((a, b) =>
      b.snapshotTime - a.snapshotTime || a.snapshotId.localeCompare(b.snapshotId)
    );
    return { name, path: dir === "/" ? `/${name}` : `${dir}/${name}`, versions };
  });
}

async function pathPairs(ctx: Ctx, q: CompiledQuery): Promise<Pair[]> {
  if (q.name.op !== "exact" || !q.dirNames) return [];
  const dir = await ctx.repo.resolveDir(q.dirNames);
  const id = (await ctx.repo.findNameIds([q.name.name])).get(q.name.name);
  return dir === undefined || id === undefined ? [] : [[id, dir]];
}

/** Successive chunks of (name, dir) pairs whose name fits the query. */
async function* candidatePairs(ctx: Ctx, q: CompiledQuery): AsyncGenerator<Pair[]> {
  if (q.kind === "path") {
    yield await pathPairs(ctx, q);
    return;
  }
  let after = 0;
  for (;;) {
    let ids: number[];
    if (q.name.op === "exact") {
      const id = (await ctx.repo.findNameIds([q.name.name])).get(q.name.name);
      ids = id === undefined ? [] : [id];
    } else {
      const op = q.name.op;
      ids = (await ctx.repo.matchNames(op, q.name.pattern, after, NAME_CHUNK)).map((r) => r.id);
    }
    if (ids.length === 0) return;
    let pairs = await ctx.repo.childrenNamed(ids);
    if (q.dirTest) {
      const paths = await ctx.dirPaths(pairs.map(([, d]) => d));
      pairs = pairs.filter(([, d]) => q.dirTest!(paths.get(d)!));
    }
    yield pairs;
    if (q.name.op === "exact" || ids.length < NAME_CHUNK) return;
    after = ids[ids.length - 1];
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
    dirPaths: createDirPaths(deps.repo),
  };
  for await (const chunk of candidatePairs(ctx, q)) {
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
