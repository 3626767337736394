/**
 * What the restore screens keep between pages: the last directories listed (so going back up
 * a snapshot, or into a folder seen a moment ago, shows at once with no spinner) and the files
 * and folders picked for a restore, per snapshot, so the browser and the wizard share them.
 * Made once per app by the lazy restore chunk; nothing here runs before a restore screen opens.
 */
import { signal } from "@preact/signals";
import type { BrowseQuery, DirectoryPageView } from "../api/restore_api.ts";

export interface BrowseSource {
  browse(q: BrowseQuery): Promise<DirectoryPageView>;
}

/** How many listed directories stay in memory: a few deep walks' worth, a few MB at most. */
export const CACHED_DIRECTORIES = 64;

export function browseKey(q: BrowseQuery): string {
  return [q.repositoryId, q.snapshotId, q.path, q.sort ?? "name", q.order ?? "asc", q.offset ?? 0]
    .join("\u0000");
}

export function createRestoreStore(source: BrowseSource, capacity = CACHED_DIRECTORIES) {
  const pages = new Map<string, DirectoryPageView>();
  const inFlight = new Map<string, Promise<DirectoryPageView>>();
  /** Picked paths per snapshot (`repositoryId\0snapshotId`). */
  const picked = signal<Record<string, string[]>>({});

  function remember(key: string, page: DirectoryPageView) {
    pages.delete(key);
    pages.set(key, page);
    while (pages.size > capacity) pages.delete(pages.keys().next().value as string);
  }

  /** A directory listed before, without asking the appliance (moved to most recent). */
  function cached(q: BrowseQuery): DirectoryPageView | null {
    const key = browseKey(q);
    const page = pages.get(key);
    if (page) remember(key, page);
    return page ?? null;
  }

  function list(q: BrowseQuery): Promise<DirectoryPageView> {
    const key = browseKey(q);
    const hit = cached(q);
    if (hit) return Promise.resolve(hit);
    const pending = inFlight.get(key);
    if (pending) return pending;
    const p = source.browse(q).then((page) => {
      remember(key, page);
      return page;
    }).finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  }

  const snapKey = (repositoryId: string, snapshotId: string) =>
    `${repositoryId}\u0000${snapshotId}`;

  return {
    cached,
    list,
    /** Lists the folders a user is likely to open next, quietly; failures are left to list(). */
    prefetch(qs: BrowseQuery[]) {
      for (const q of qs.slice(0, 8)) {
        if (!pages.has(browseKey(q))) {
          list(q).catch(() => {/* a prefetch that fails is retried when the folder opens */});
        }
      }
    },
    picked,
    selection(repositoryId: string, snapshotId: string): string[] {
      return picked.value[snapKey(repositoryId, snapshotId)] ?? [];
    },
    toggle(repositoryId: string, snapshotId: string, path: string) {
      const k = snapKey(repositoryId, snapshotId);
      const now = picked.value[k] ?? [];
      const next = now.includes(path) ? now.filter((p) => p !== path) : [...now, path];
      picked.value = { ...picked.value, [k]: next };
    },
    setSelection(repositoryId: string, snapshotId: string, paths: string[]) {
      picked.value = { ...picked.value, [snapKey(repositoryId, snapshotId)]: [...new Set(paths)] };
    },
    size: () => pages.size,
  };
}

export type RestoreStore = ReturnType<typeof createRestoreStore>;
