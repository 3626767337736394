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
import type { JobView } from "../../../server/contract/backups.ts";
import {
  downloadFileName,
  type DownloadFormat,
  downloadUrl,
} from "../../../server/contract/downloads.ts";
import type { PreviewView } from "../../../server/contract/downloads.ts";
import { OVERWRITE_POLICIES, type OverwritePolicy } from "../../../server/contract/jobs.ts";
import { DEFAULT_RESTORE_ROOT } from "../../../server/contract/restores.ts";
import type {
  CreatedRestore,
  CreateRestore,
  RestoreResult,
  RestoreRootsView,
  RestoreTarget,
  RestoreView,
} from "../../../server/contract/restores.ts";
import type { ApiClient } from "./client.ts";
import { listOf, unwrap } from "./envelope.ts";

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

export type {
  CreatedRestore,
  CreateRestore,
  DownloadFormat,
  OverwritePolicy,
  PreviewView,
  RestoreResult,
  RestoreRootsView,
  RestoreTarget,
  RestoreView,
};
export { DEFAULT_RESTORE_ROOT, downloadFileName, downloadUrl, OVERWRITE_POLICIES };

type Q = Record<string, string | number | undefined>;

export function createRestoreApi(client: ApiClient) {
  return {
    indexed: async (q: { hostId?: string; repositoryId?: string }) =>
      listOf<IndexedSnapshotView>(
        await client.get<unknown>("/api/index/snapshots", q),
        "snapshots",
      ),
    indexNow: async (body: { repositoryId: string; snapshotId: string; hostId?: string }) =>
      listOf<JobView>(await client.send<unknown>("POST", "/api/index", body), "jobs"),
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
      unwrap<PreviewView>(await client.get<unknown>("/api/preview", q), "preview"),
    restores: {
      create: async (body: CreateRestore) =>
        listOf<JobView>(await client.send<CreatedRestore>("POST", "/api/restores", body), "jobs"),
      list: async (q: { hostId?: string; repositoryId?: string; snapshotId?: string }) =>
        listOf<RestoreView>(await client.get<unknown>("/api/restores", q), "restores"),
    },
    restoreRoots: (hostId: string) =>
      client.get<RestoreRootsView>(`/api/hosts/${encodeURIComponent(hostId)}/restore-roots`),
    setRestoreRoots: (hostId: string, roots: string[]) =>
      client.send<RestoreRootsView>(
        "PATCH",
        `/api/hosts/${encodeURIComponent(hostId)}/restore-roots`,
        { roots },
      ),
  };
}

export type RestoreApi = ReturnType<typeof createRestoreApi>;
