/** The snapshot index engine's answers as the browser API's views (ISO times, tool ids). */
import type {
  DiffView,
  DirectoryPageView,
  EntryFactsView,
  IndexedSnapshotView,
  IndexEntryView,
  SearchView,
} from "../contract/index_api.ts";
import type { IndexEntry } from "../snapshot_index/browse.ts";
import type { DirectoryPage } from "../snapshot_index/browse.ts";
import type { DiffResult, EntryFacts } from "../snapshot_index/diff.ts";
import type { IndexedSnapshot } from "../snapshot_index/repo.ts";
import type { SearchResult } from "../snapshot_index/search.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The index's own id of a repository's snapshot. */
export const indexIdOf = (repositoryId: string, toolSnapshotId: string) =>
  `${repositoryId}/${toolSnapshotId}`;

export function factsView(e: EntryFacts): EntryFactsView {
  return {
    type: e.type,
    size: e.size,
    mtime: iso(e.mtime),
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    user: e.user,
    group: e.group,
    linkTarget: e.linkTarget,
    itemCount: e.itemCount,
  };
}

function entryView(e: IndexEntry): IndexEntryView {
  return { name: e.name, path: e.path, ...factsView(e) };
}

export function snapshotView(s: IndexedSnapshot): IndexedSnapshotView {
  return {
    repositoryId: s.repositoryId,
    snapshotId: s.toolSnapshotId,
    hostId: s.hostId,
    time: new Date(s.time).toISOString(),
    entries: s.entryCount,
    directories: s.dirCount,
    totalSize: s.totalSize,
    skipped: s.skippedLines,
    indexedAt: iso(s.indexedAt),
  };
}

export function pageView(s: IndexedSnapshot, p: DirectoryPage): DirectoryPageView {
  return {
    repositoryId: s.repositoryId,
    snapshotId: s.toolSnapshotId,
    hostId: s.hostId,
    snapshotTime: new Date(s.time).toISOString(),
    path: p.path,
    breadcrumbs: p.breadcrumbs,
    itemCount: p.itemCount,
    totalSize: p.totalSize,
    offset: p.offset,
    limit: p.limit,
    entries: p.entries.map(entryView),
  };
}

export function searchView(
  r: SearchResult,
  o: { mode: SearchView["mode"]; snapshots: Map<string, IndexedSnapshot> },
): SearchView {
  return {
    mode: o.mode,
    truncated: r.truncated,
    matches: r.matches.map((m) => ({
      path: m.path,
      name: m.name,
      versions: m.versions.flatMap((ver) => {
        const s = o.snapshots.get(ver.snapshotId);
        if (!s) return [];
        const { snapshotId: _id, hostId: _h, snapshotTime, ...facts } = ver;
        return [{
          repositoryId: s.repositoryId,
          snapshotId: s.toolSnapshotId,
          hostId: s.hostId,
          snapshotTime: new Date(snapshotTime).toISOString(),
          ...factsView(facts),
        }];
      }),
    })),
  };
}

export function diffView(
  r: DiffResult,
  o: { repositoryId: string; from: IndexedSnapshot; to: IndexedSnapshot },
): DiffView {
  return {
    repositoryId: o.repositoryId,
    from: o.from.toolSnapshotId,
    to: o.to.toolSnapshotId,
    path: r.path,
    summary: r.summary,
    truncated: r.truncated,
    entries: r.entries.map((e) => ({
      path: e.path,
      change: e.change,
      fields: e.fields,
      from: e.from && factsView(e.from),
      to: e.to && factsView(e.to),
    })),
  };
}
