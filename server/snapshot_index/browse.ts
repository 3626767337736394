/**
 * One directory of one snapshot, a page at a time: resolve the path to its directory node, read
 * that directory's listing for the snapshot (one row, one blob), order it, and look up the names
 * of the page only. Item counts and recursive sizes were computed at ingest.
 */
import { NotFoundError, ValidationError } from "../errors.ts";
import { DIR_CODE, ENTRY_TYPES, joinPath, splitPath } from "./entry.ts";
import type { EntryType } from "./entry.ts";
import { ownerAt } from "./listing_codec.ts";
import type { Listing } from "./listing_codec.ts";
import { loadListings } from "./listing_cache.ts";
import type { ListingCache } from "./listing_cache.ts";
import type { IndexedSnapshot, SnapshotIndexRepo } from "./repo.ts";

export type SortKey = "name" | "size" | "mtime";

export interface ListDirectoryOptions {
  snapshotId: string;
  path: string;
  sort?: SortKey;
  order?: "asc" | "desc";
  /** Directories before everything else, whatever the sort (default true). */
  foldersFirst?: boolean;
  limit?: number;
  offset?: number;
}

export interface IndexEntry {
  name: string;
  path: string;
  type: EntryType;
  /** Bytes; for a directory, the total of everything under it. */
  size: number;
  mtime: number | null;
  mode: number;
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
  linkTarget: string | null;
  /** Direct children, for directories; null for the rest. */
  itemCount: number | null;
}

export interface Breadcrumb {
  name: string;
  path: string;
}

export interface DirectoryPage {
  snapshotId: string;
  path: string;
  breadcrumbs: Breadcrumb[];
  itemCount: number;
  totalSize: number;
  offset: number;
  limit: number;
  entries: IndexEntry[];
}

export const MAX_PAGE = 1000;

export function childPath(dirPath: string, name: string): string {
  return dirPath === "/" ? `/${name}` : `${dirPath}/${name}`;
}

/** The entry at index `i` of a listing, given its name and its directory's path. */
export function entryAt(l: Listing, i: number, name: string, dirPath: string): IndexEntry {
  const type = l.types[i];
  const mtime = l.mtimes[i];
  return {
    name,
    path: childPath(dirPath, name),
    type: ENTRY_TYPES[type] ?? "other",
    size: l.sizes[i],
    mtime: Number.isNaN(mtime) ? null : mtime,
    mode: l.modes[i],
    ...ownerAt(l, i),
    linkTarget: l.links.get(i) ?? null,
    itemCount: type === DIR_CODE ? l.counts[i] : null,
  };
}

export function breadcrumbsOf(names: readonly string[]): Breadcrumb[] {
  return [
    { name: "/", path: "/" },
    ...names.map((n, i) => ({ name: n, path: joinPath(names.slice(0, i + 1)) })),
  ];
}

export function parsePath(path: string): string[] {
  const names = splitPath(path);
  if (!names) throw new ValidationError("Path must be absolute, without empty, '.' or '..' parts");
  return names;
}

/** Child indexes of a listing in the requested order (ties by name). */
export function orderListing(
  l: Listing,
  o: { sort: SortKey; desc: boolean; foldersFirst: boolean },
) {
  const idx = new Uint32Array(l.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  if (o.sort === "name" && !o.foldersFirst) return o.desc ? idx.reverse() : idx;
  let key: Float64Array | null = null;
  if (o.sort === "size") key = l.sizes;
  if (o.sort === "mtime") key = l.mtimes.map((t) => (Number.isNaN(t) ? -Infinity : t));
  const { types } = l;
  const sign = o.desc ? -1 : 1;
  return idx.sort((a, b) => {
    if (o.foldersFirst) {
      const da = types[a] === DIR_CODE;
      if (da !== (types[b] === DIR_CODE)) return da ? -1 : 1;
    }
    if (key) {
      const x = key[a];
      const y = key[b];
      if (x !== y) return x < y ? -sign : sign;
      return a - b;
    }
    return sign * (a - b);
  });
}

export async function listDirectory(
  deps: { repo: SnapshotIndexRepo; cache: ListingCache },
  o: ListDirectoryOptions,
): Promise<DirectoryPage> {
  const names = parsePath(o.path);
  const limit = Math.min(Math.max(1, o.limit ?? 200), MAX_PAGE);
  const offset = Math.max(0, o.offset ?? 0);
  const snap: IndexedSnapshot | undefined = await deps.repo.findSnapshot(o.snapshotId);
  if (!snap) throw new NotFoundError("Indexed snapshot", o.snapshotId);
  const dirId = await deps.repo.resolveDir(names);
  const listingId = dirId === undefined ? undefined : await deps.repo.snapshotDir(snap.seq, dirId);
  if (listingId === undefined) throw new NotFoundError("Directory in this snapshot");
  const l = (await loadListings(deps.cache, [listingId], deps.repo.listingData)).get(listingId)!;
  const order = orderListing(l, {
    sort: o.sort ?? "name",
    desc: o.order === "desc",
    foldersFirst: o.foldersFirst ?? true,
  });
  const page = Array.from(order.subarray(offset, offset + limit));
  const nameOf = await deps.repo.namesById(page.map((i) => l.nameIds[i]));
  const path = joinPath(names);
  let totalSize = 0;
  for (let i = 0; i < l.length; i++) totalSize += l.sizes[i];
  return {
    snapshotId: snap.id,
    path,
    breadcrumbs: breadcrumbsOf(names),
    itemCount: l.length,
    totalSize,
    offset,
    limit,
    entries: page.map((i) => entryAt(l, i, nameOf.get(l.nameIds[i]) ?? "", path)),
  };
}
