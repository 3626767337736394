/**
 * Picks a drill's sample from the snapshot index: random regular files, each with the size and
 * mtime the snapshot recorded. A random walk from the root (a random entry of each directory,
 * down until a file) reads a handful of directory pages per file, so a million-entry snapshot
 * costs the same as a small one; it favours files in shallow folders, which is fine for a
 * spot check. Small folders are read once and kept for the walk.
 */
import type { BrowseQuery, DirectoryPageView, IndexEntryView } from "../contract/index_api.ts";
import type { DrillSpec } from "../contract/jobs.ts";

export type SampledFile = DrillSpec["files"][number];

/** The part of the index API a sample reads. */
export interface IndexBrowser {
  browse(q: BrowseQuery): Promise<DirectoryPageView>;
}

const PAGE = 1000;
const MAX_DEPTH = 128;

const fileOf = (e: IndexEntryView): SampledFile => ({
  path: e.path,
  size: e.size,
  mtime: e.mtime === null ? null : Date.parse(e.mtime),
});

export function createSampler(
  index: IndexBrowser,
  at: { repositoryId: string; snapshotId: string; random?: () => number },
) {
  const random = at.random ?? Math.random;
  const small = new Map<string, IndexEntryView[]>();
  const counts = new Map<string, number>();

  const page = (path: string, offset: number, limit: number) =>
    index.browse({
      repositoryId: at.repositoryId,
      snapshotId: at.snapshotId,
      path,
      sort: "name",
      order: "asc",
      offset,
      limit,
    });

  /** A random direct child of a directory, or null when it is empty. */
  async function randomChild(path: string): Promise<IndexEntryView | null> {
    const cached = small.get(path);
    if (cached) return cached.length ? cached[Math.floor(random() * cached.length)] : null;
    let count = counts.get(path);
    if (count === undefined) {
      const first = await page(path, 0, PAGE);
      count = first.itemCount;
      counts.set(path, count);
      if (count <= PAGE) {
        small.set(path, first.entries);
        return randomChild(path);
      }
    }
    if (count === 0) return null;
    const one = await page(path, Math.floor(random() * count), 1);
    return one.entries[0] ?? null;
  }

  async function walk(): Promise<SampledFile | null> {
    let path = "/";
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const e = await randomChild(path);
      if (!e) return null;
      if (e.type === "file") return fileOf(e);
      if (e.type !== "dir") return null;
      path = e.path;
    }
    return null;
  }

  return {
    /** Up to `size` distinct files (fewer when the snapshot has fewer, or the walk misses). */
    async sample(size: number): Promise<SampledFile[]> {
      const picked = new Map<string, SampledFile>();
      for (let tries = 0; picked.size < size && tries < size * 30 + 50; tries++) {
        const f = await walk();
        if (f) picked.set(f.path, f);
      }
      return [...picked.values()];
    },
    /** One path's entry when it is a regular file in the snapshot. */
    async file(path: string): Promise<SampledFile | null> {
      const cut = path.lastIndexOf("/");
      const dir = cut <= 0 ? "/" : path.slice(0, cut);
      for (let offset = 0; offset < 20 * PAGE; offset += PAGE) {
        const p = await page(dir, offset, PAGE).catch(() => null);
        const e = p?.entries.find((x) => x.path === path);
        if (e) return e.type === "file" ? fileOf(e) : null;
        if (!p || offset + PAGE >= p.itemCount) return null;
      }
      return null;
    },
  };
}
