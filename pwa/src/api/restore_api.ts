/**
 * The restore endpoints (snapshot index, browse, search, diff, previews, downloads, restores and
 * hosts' restore roots) over the PWA's one ApiClient. Made on demand by the restore screens, so
 * none of it weighs on the first render.
 *
 * The view shapes below are what the screens rely on. The appliance's contract files name them
 * too; the readers here accept the envelope whatever it is called, so the screens do not change
 * when an answer gains a member.
 */
import type {
  BreadcrumbView,
  DiffEntryView,
  DiffView,
  DirectoryPageView,
  EntryFactsView,
  EntryType,
  IndexedSnapshotView,
  IndexEntryView,
  SearchMatchView,
  SearchVersionView,
  SearchView,
} from "../../../server/contract/index_api.ts";
import type { ApiClient } from "./client.ts";

export type {
  BreadcrumbView,
  DiffEntryView,
  DiffView,
  DirectoryPageView,
  EntryFactsView,
  EntryType,
  IndexedSnapshotView,
  IndexEntryView,
  SearchMatchView,
  SearchVersionView,
  SearchView,
};

export type SortKey = "name" | "size" | "mtime";
export type SortOrder = "asc" | "desc";
export type SearchMode = "name" | "glob" | "path";

/** A directory page's address; the appliance fills in the defaults (name, asc, 0, 200). */
export interface BrowseQuery {
  repositoryId: string;
  snapshotId: string;
  path: string;
  sort?: SortKey;
  order?: SortOrder;
  offset?: number;
  limit?: number;
}

export interface Preview {
  path: string;
  size: number;
  text: string | null;
  binary: boolean;
  truncated: boolean;
}

export type Overwrite = "always" | "if-newer" | "if-different" | "never";

export type RestoreTarget =
  | { type: "original" }
  | { type: "new"; path: string }
  | { type: "host"; hostId: string; path: string; remap?: Array<{ from: string; to: string }> };

export interface CreateRestore {
  repositoryId: string;
  snapshotId: string;
  paths: string[];
  target: RestoreTarget;
  overwrite: Overwrite;
  confirm?: string;
}

export interface RestoreView {
  id: string;
  jobId: string | null;
  repositoryId: string;
  snapshotId: string;
  hostId: string;
  targetHostId: string;
  paths: string[];
  target: RestoreTarget;
  overwrite: Overwrite;
  status: string;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
  message: string | null;
}

export interface StartedJob {
  id: string;
}

export type DownloadFormat = "raw" | "tar" | "zip";

/** The answer's named member, or the answer itself when the appliance sends it bare. */
function unwrap<T>(body: unknown, key: string): T {
  if (body && typeof body === "object" && key in body) return (body as Record<string, T>)[key];
  return body as T;
}

/** The answer's one list, whatever its envelope calls it. */
function listOf<T>(body: unknown, key?: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object" && key && Array.isArray((body as never)[key])) {
    return (body as Record<string, T[]>)[key];
  }
  const found = body && typeof body === "object" ? Object.values(body).find(Array.isArray) : null;
  return (found ?? []) as T[];
}

type Q = Record<string, string | number | undefined>;

export function createRestoreApi(client: ApiClient) {
  return {
    indexed: async (q: { hostId?: string; repositoryId?: string }) =>
      listOf<IndexedSnapshotView>(
        await client.get<unknown>("/api/index/snapshots", q),
        "snapshots",
      ),
    indexNow: async (body: { repositoryId: string; snapshotId: string; hostId?: string }) =>
      listOf<StartedJob>(await client.send<unknown>("POST", "/api/index", body), "jobs"),
    browse: (q: BrowseQuery) =>
      client.get<DirectoryPageView>("/api/index/browse", q as unknown as Q),
    search: (q: {
      q: string;
      mode: SearchMode;
      hostId?: string;
      repositoryId?: string;
      limit?: number;
    }) => client.get<SearchView>("/api/index/search", q),
    diff: (q: { repositoryId: string; from: string; to: string; path?: string; limit?: number }) =>
      client.get<DiffView>("/api/index/diff", q),
    preview: async (q: { repositoryId: string; snapshotId: string; path: string }) =>
      unwrap<Preview>(await client.get<unknown>("/api/preview", q), "preview"),
    restores: {
      create: async (body: CreateRestore) =>
        listOf<StartedJob>(await client.send<unknown>("POST", "/api/restores", body), "jobs"),
      list: async (q: { hostId?: string; repositoryId?: string; snapshotId?: string }) =>
        listOf<RestoreView>(await client.get<unknown>("/api/restores", q), "restores"),
    },
    /** A host's allowed restore roots, as its detail carries them (none known: empty). */
    restoreRoots: async (hostId: string) => {
      const body = await client.get<unknown>(`/api/hosts/${encodeURIComponent(hostId)}`);
      const host = unwrap<{ restoreRoots?: unknown }>(body, "host");
      return Array.isArray(host?.restoreRoots) ? (host.restoreRoots as string[]) : [];
    },
    setRestoreRoots: (hostId: string, roots: string[]) =>
      client.send<unknown>("PATCH", `/api/hosts/${encodeURIComponent(hostId)}/restore-roots`, {
        roots,
      }),
  };
}

/** A same-origin link the browser streams to disk itself: no bytes pass through the app. */
export function downloadUrl(
  q: { repositoryId: string; snapshotId: string; path: string; format: DownloadFormat },
): string {
  const p = new URLSearchParams(q);
  return `/api/downloads?${p}`;
}

export type RestoreApi = ReturnType<typeof createRestoreApi>;
