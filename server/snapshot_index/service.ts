/**
 * The snapshot file index: ingest a snapshot's listing, browse a directory, search across
 * snapshots, diff two snapshots, drop a forgotten snapshot. Writers (ingest, drop) run one at a
 * time, which is what lets a batch trust what earlier batches wrote; readers run beside them and
 * see only snapshots in the ready state. A listing is streamed into memory first (a million
 * entries is about 200 MB of JavaScript objects), so a slow agent never holds the database.
 */
import type { Clock } from "../clock.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { listDirectory } from "./browse.ts";
import type { DirectoryPage, ListDirectoryOptions } from "./browse.ts";
import { diffSnapshots } from "./diff.ts";
import type { DiffOptions, DiffResult } from "./diff.ts";
import { isCleanPath } from "./entry.ts";
import type { Entry } from "./entry.ts";
import { dropSnapshotVersion } from "./gc.ts";
import type { DropStats } from "./gc.ts";
import { batchesOf, numberNamesAhead, writeBatch, writeChildren } from "./ingest.ts";
import { ListingCache } from "./listing_cache.ts";
import { lineReader, newLineStats } from "./parsers.ts";
import type { ListingFormat, ListingSnapshotLine } from "./parsers.ts";
import type { SnapshotIndexRepo, SnapshotMeta } from "./repo.ts";
import { searchIndex } from "./search.ts";
import type { SearchOptions, SearchResult } from "./search.ts";
import { TreeBuilder } from "./tree.ts";
import type { DirNode, FinishedTree, NameRef } from "./tree.ts";

export interface IngestResult {
  snapshotId: string;
  entries: number;
  directories: number;
  totalSize: number;
  /** Lines or entries that could not be indexed (malformed, bad path, duplicate name). */
  skipped: number;
  listingsAdded: number;
  listingsReused: number;
  /** Earlier versions of this snapshot's index that the new one replaced. */
  replaced: number;
}

export interface IngestListingResult extends IngestResult {
  /** restic's snapshot line, when the listing had one. */
  listedSnapshot: ListingSnapshotLine | null;
}

function checkMeta(m: SnapshotMeta) {
  for (const k of ["id", "hostId", "repositoryId", "toolSnapshotId"] as const) {
    if (typeof m[k] !== "string" || m[k] === "") {
      throw new ValidationError(`Snapshot ${k} is missing`);
    }
  }
  if (m.tool !== "restic" && m.tool !== "borg") {
    throw new ValidationError("Snapshot tool must be restic or borg");
  }
  if (!Number.isSafeInteger(m.time)) throw new ValidationError("Snapshot time must be Unix ms");
}

/** Calls `fn` for each item; a sync iterable (an array) without a microtask per item. */
async function each<T>(items: AsyncIterable<T> | Iterable<T>, fn: (x: T) => void) {
  if (Symbol.iterator in items) { for (const x of items) fn(x); }
  else for await (const x of items) fn(x);
}

async function buildTree(feed: (add: (e: Entry) => void) => Promise<void>) {
  const builder = new TreeBuilder();
  let bad = 0;
  await feed((e) => {
    if (!isCleanPath(e.path) || !Number.isFinite(e.size)) bad++;
    else if (e.mtime !== null && !Number.isFinite(e.mtime)) bad++;
    else builder.add(e);
  });
  const tree = builder.finish();
  return { tree, skipped: bad + builder.rejected + tree.duplicates };
}

/** Name ids checked per transaction when a crash may have left names nobody holds. */
const SWEEP_NAMES = 100_000;

export function createSnapshotIndexService(deps: {
  repo: SnapshotIndexRepo;
  clock: Clock;
  /** Decoded listing entries kept in memory (about 40 bytes each). */
  cacheEntries?: number;
}) {
  const { repo, clock } = deps;
  const cache = new ListingCache(deps.cacheEntries);
  const evict = (ids: number[]) => cache.delete(ids);
  let queue: Promise<unknown> = Promise.resolve();
  let recovered = false;

  /**
   * Drops versions left loading or dropping by a crash or a failed ingest; after a crash in an
   * ingest, also the names it had numbered that no directory holds.
   */
  async function recover() {
    const loading = await repo.seqsInState("loading");
    for (const seq of [...loading, ...await repo.seqsInState("dropping")]) {
      await dropSnapshotVersion(repo, seq, evict);
    }
    if (loading.length > 0) {
      const { name: last } = await repo.maxIds();
      for (let from = 0; from <= last; from += SWEEP_NAMES) {
        await repo.transaction((q) => q.deleteOrphanNames(from, from + SWEEP_NAMES));
      }
    }
    recovered = true;
  }

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(async () => {
      if (!recovered) await recover();
      return fn();
    });
    queue = run.catch(() => "the caller of this run gets its failure; the next run goes ahead");
    return run;
  }

  async function writeTree(
    meta: SnapshotMeta,
    tree: FinishedTree,
    skipped: number,
  ): Promise<IngestResult> {
    const seq = await repo.insertLoadingSnapshot(meta, clock.now());
    let named: NameRef[] = [];
    try {
      named = await numberNamesAhead(repo, tree.dirs);
      let listingsAdded = 0;
      let listingsReused = 0;
      let mostlyNew = false;
      const fresh: DirNode[] = [];
      for (const dirs of batchesOf(tree.dirs)) {
        const s = await repo.transaction((q) => writeBatch(q, seq, { dirs, mostlyNew }));
        mostlyNew = s.mostlyNew;
        listingsAdded += s.listingsAdded;
        listingsReused += s.listingsReused;
        fresh.push(...s.fresh);
      }
      await writeChildren(repo, fresh);
      const stats = {
        entryCount: tree.entryCount,
        dirCount: tree.dirs.length,
        totalSize: tree.totalSize,
        skippedLines: skipped,
        indexedAt: clock.now(),
      };
      const old = await repo.transaction(async (q) => {
        const replaced = await q.markDropping(meta.id);
        await q.markReady(seq, stats);
        return replaced;
      });
      for (const o of old) await dropSnapshotVersion(repo, o, evict);
      return {
        snapshotId: meta.id,
        entries: tree.entryCount,
        directories: tree.dirs.length,
        totalSize: tree.totalSize,
        skipped,
        listingsAdded,
        listingsReused,
        replaced: old.length,
      };
    } catch (err) {
      await dropSnapshotVersion(repo, seq, evict)
        .then(() => repo.deleteUnusedNames(named.map((r) => r.id).filter((id) => id >= 0)))
        .catch(() => {
          recovered = false; // the hidden rows stay until the next writer's recovery drops them
        });
      throw err;
    }
  }

  async function ingest(
    snapshot: SnapshotMeta,
    feed: (add: (e: Entry) => void) => Promise<void>,
    skippedBefore = () => 0,
  ): Promise<IngestResult> {
    checkMeta(snapshot);
    const { tree, skipped } = await buildTree(feed);
    return exclusive(() =>
      repo.withCheckpointsDeferred(() => writeTree(snapshot, tree, skipped + skippedBefore()))
    );
  }

  return {
    /** Indexes (or re-indexes, replacing) one snapshot from its entries. */
    ingestSnapshot(input: {
      snapshot: SnapshotMeta;
      entries: AsyncIterable<Entry> | Iterable<Entry>;
    }): Promise<IngestResult> {
      return ingest(input.snapshot, (add) => each(input.entries, add));
    },
    /** Indexes a snapshot from the lines of `restic ls --json` or `borg list --json-lines`. */
    async ingestListing(input: {
      snapshot: SnapshotMeta;
      format: ListingFormat;
      lines: AsyncIterable<string> | Iterable<string>;
    }): Promise<IngestListingResult> {
      const stats = newLineStats();
      const read = lineReader(input.format, stats);
      const feed = (add: (e: Entry) => void) =>
        each(input.lines, (line) => {
          const e = read(line);
          if (e) add(e);
        });
      const r = await ingest(input.snapshot, feed, () => stats.skipped);
      return { ...r, listedSnapshot: stats.snapshot };
    },
    /** Removes a snapshot from the index and collects what no other snapshot uses. */
    dropSnapshot(snapshotId: string): Promise<DropStats> {
      return exclusive(async () => {
        const seqs = await repo.markDropping(snapshotId);
        if (seqs.length === 0) throw new NotFoundError("Indexed snapshot", snapshotId);
        const total: DropStats = { dirs: 0, listingsDeleted: 0, childrenDeleted: 0 };
        for (const seq of seqs) {
          const s = await dropSnapshotVersion(repo, seq, evict);
          total.dirs += s.dirs;
          total.listingsDeleted += s.listingsDeleted;
          total.childrenDeleted += s.childrenDeleted;
        }
        return total;
      });
    },
    /** Finishes what a crash interrupted; writers also do it before their first run. */
    recover: () => exclusive(() => Promise.resolve()),
    findSnapshot: (snapshotId: string) => repo.findSnapshot(snapshotId),
    listSnapshots: (f: { hostId?: string; snapshotIds?: string[] }) => repo.listSnapshots(f),
    listDirectory: (o: ListDirectoryOptions): Promise<DirectoryPage> =>
      listDirectory({ repo, cache }, o),
    search: (o: SearchOptions): Promise<SearchResult> => searchIndex({ repo, cache }, o),
    diff: (o: DiffOptions): Promise<DiffResult> => diffSnapshots({ repo, cache }, o),
  };
}

export type SnapshotIndexService = ReturnType<typeof createSnapshotIndexService>;
