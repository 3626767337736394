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
import type { DirTotals, SnapshotIndexRepo } from "./repo.ts";

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

/**
 * The entry at index `i` of a listing, given its name and its directory's path. A directory's
 * size and item count are its totals in that snapshot, when the caller knows them.
 */
export function entryAt(
  l: Listing,
  i: number,
  at: { name: string; dirPath: string; totals?: DirTotals },
): IndexEntry {
  const type = l.types[i];
  const mtime = l.mtimes[i];
  const dir = type === DIR_CODE;
  return {
    name: at.name,
    path: childPath(at.dirPath, at.name),
    type: ENTRY_TYPES[type] ?? "other",
    size: dir ? at.totals?.totalSize ?? 0 : l.sizes[i],
    mtime: Number.isNaN(mtime) ? null : mtime,
    mode: l.modes[i],
    ...ownerAt(l, i),
    linkTarget: l.links.get(i) ?? null,
    itemCount: dir ? at.totals?.itemCount ?? null : null,
  };
}

export function breadcrumbsOf(names: readonly string[]): Breadcrumb[] {
  const crumbs = names.map((n, i) => ({ name: n, path: joinPath(names.slice(0, i + 1)) }));
  return [{ name: "/", path: "/" }, ...crumbs];
}

export function parsePath(path: string): string[] {
  const names = splitPath(path);
  if (!names) throw new ValidationError("Path must be absolute, without empty, '.' or '..' parts");
  return names;
}

export interface OrderOptions {
  sort: SortKey;
  desc: boolean;
  foldersFirst: boolean;
}

/** Non-directory children in ascending (key, name) order, memoised on the cached listing. */
const fileOrders = new WeakMap<Listing, Map<SortKey, Uint32Array>>();

function fileOrder(l: Listing, sort: SortKey): Uint32Array {
  let byKey = fileOrders.get(l);
  if (!byKey) fileOrders.set(l, byKey = new Map());
  let order = byKey.get(sort);
  if (order) return order;
  const stored = sort === "name" ? null : l.order(sort);
  const out: number[] = [];
  if (stored) { for (const i of stored) l.types[i] !== DIR_CODE && out.push(i); }
  else for (let i = 0; i < l.length; i++) l.types[i] !== DIR_CODE && out.push(i);
  if (!stored && sort !== "name") {
    const key = sort === "size" ? l.sizes : l.mtimes.map((t) => (Number.isNaN(t) ? -Infinity : t));
    out.sort((a, b) => key[a] - key[b] || a - b);
  }
  byKey.set(sort, order = Uint32Array.from(out));
  return order;
}

/**
 * The child indexes of one page, in the requested order (ties by name; `desc` reverses the
 * whole order). Files come in their stored or memoised order; only the directories, whose sizes
 * are this snapshot's totals (`dirSize`), are sorted per request, and merged in only as far as
 * the page needs.
 */
export function pageOfListing(
  l: Listing,
  dirSize: (i: number) => number,
  o: OrderOptions & { offset: number; limit: number },
): number[] {
  const key = o.sort === "size"
    ? (i: number) => (l.types[i] === DIR_CODE ? dirSize(i) : l.sizes[i])
    : o.sort === "mtime"
    ? (i: number) => (Number.isNaN(l.mtimes[i]) ? -Infinity : l.mtimes[i])
    : (i: number) => i;
  const cmp = (a: number, b: number) => key(a) - key(b) || a - b;
  const dirs: number[] = [];
  for (let i = 0; i < l.length; i++) if (l.types[i] === DIR_CODE) dirs.push(i);
  dirs.sort(cmp);
  const files = fileOrder(l, o.sort);
  const end = Math.min(o.offset + o.limit, dirs.length + files.length);
  const out: number[] = [];
  if (o.foldersFirst) {
    const seq = (k: number) => (k < dirs.length ? dirs[k] : files[k - dirs.length]);
    const D = dirs.length;
    const F = files.length;
    const rev = (k: number) => (k < D ? dirs[D - 1 - k] : files[F - 1 - (k - D)]);
    for (let k = o.offset; k < end; k++) out.push(o.desc ? rev(k) : seq(k));
    return out;
  }
  // Merge from the front (ascending) or from the back (descending) until the page is full.
  let i = o.desc ? dirs.length - 1 : 0;
  let j = o.desc ? files.length - 1 : 0;
  const step = o.desc ? -1 : 1;
  const inRange = (x: number, n: number) => x >= 0 && x < n;
  for (let k = 0; k < end; k++) {
    const takeDir = !inRange(j, files.length) ||
      (inRange(i, dirs.length) && step * cmp(dirs[i], files[j]) <= 0);
    const next = takeDir ? dirs[i] : files[j];
    if (takeDir) i += step;
    else j += step;
    if (k >= o.offset) out.push(next);
  }
  return out;
}

export async function listDirectory(
  deps: { repo: SnapshotIndexRepo; cache: ListingCache },
  o: ListDirectoryOptions,
): Promise<DirectoryPage> {
  const names = parsePath(o.path);
  const limit = Math.min(Math.max(1, o.limit ?? 200), MAX_PAGE);
  const offset = Math.max(0, o.offset ?? 0);
  const snap = await deps.repo.findSnapshot(o.snapshotId);
  if (!snap) throw new NotFoundError("Indexed snapshot", o.snapshotId);
  const dirId = await deps.repo.resolveDir(names);
  const row = dirId === undefined ? undefined : await deps.repo.snapshotDir(snap.seq, dirId);
  if (!row) throw new NotFoundError("Directory in this snapshot");
  const l = (await loadListings(deps.cache, [row.listingId], deps.repo.listingData))
    .get(row.listingId)!;
  const totals = await deps.repo.childDirTotals(snap.seq, row.dirId);
  const page = pageOfListing(l, (i) => totals.get(l.nameIds[i])?.totalSize ?? 0, {
    sort: o.sort ?? "name",
    desc: o.order === "desc",
    foldersFirst: o.foldersFirst ?? true,
    offset,
    limit,
  });
  const nameOf = await deps.repo.namesById(page.map((i) => l.nameIds[i]));
  const path = joinPath(names);
  return {
    snapshotId: snap.id,
    path,
    breadcrumbs: breadcrumbsOf(names),
    itemCount: row.itemCount,
    totalSize: row.totalSize,
    offset,
    limit,
    entries: page.map((i) =>
      entryAt(l, i, {
        name: nameOf.get(l.nameIds[i]) ?? "",
        dirPath: path,
        totals: totals.get(l.nameIds[i]),
      })
    ),
  };
}
