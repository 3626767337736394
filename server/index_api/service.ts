/**
 * The snapshot index wired into the appliance: index jobs (on demand, and after every backup),
 * the agent's listing upload into the index engine, browse, search and diff in the browser
 * API's terms, and dropping what a repository's listing no longer has. The engine knows a
 * snapshot by `<repositoryId>/<tool snapshot id>` (restic's full id, borg's archive name).
 */
import type { Actor } from "../audit/service.ts";
import { SYSTEM_ACTOR } from "../audit/service.ts";
import type { JobView } from "../contract/backups.ts";
import type {
  BrowseQuery,
  DiffQuery,
  DiffView,
  DirectoryPageView,
  IndexedSnapshotView,
  IndexRequest,
  IngestResultView,
  ListingFormat,
  SearchQuery,
  SearchView,
} from "../contract/index_api.ts";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { IndexedSnapshot } from "../snapshot_index/repo.ts";
import type { SnapshotIndexService } from "../snapshot_index/service.ts";
import { peekFirstLine } from "./lines.ts";
import type { IndexApiRepo } from "./repo.ts";
import { diffView, indexIdOf, pageView, searchView, snapshotView } from "./views.ts";

/** The part of the jobs service that queues a job. */
export interface JobQueue {
  runOnHost(
    actor: Actor,
    input: {
      hostId: string;
      repositoryId: string;
      kind: "index";
      options: Record<string, unknown>;
    },
  ): Promise<JobView>;
}

export class NotIndexedError extends AppError {
  constructor() {
    super(404, "not_indexed", "This snapshot is not indexed yet: index it first");
  }
}

const SEARCH_KIND = { name: "substring", glob: "glob", path: "path" } as const;

/** restic's `ls --json` first line: the snapshot, with its full id and time. */
function resticSnapshotLine(line: string | null): { id?: string; time?: number } {
  if (line === null) return {};
  try {
    const j = JSON.parse(line) as { struct_type?: string; id?: unknown; time?: unknown };
    if (j.struct_type !== "snapshot") return {};
    const time = typeof j.time === "string" ? Date.parse(j.time) : NaN;
    return {
      id: typeof j.id === "string" && /^[0-9a-f]{64}$/.test(j.id) ? j.id : undefined,
      time: Number.isFinite(time) ? time : undefined,
    };
  } catch {
    return {}; // not a snapshot line: the engine counts it among the skipped lines
  }
}

export function createIndexApiService(deps: {
  index: SnapshotIndexService;
  repo: IndexApiRepo;
  jobs: () => JobQueue;
  clock: { now(): number };
  log?: Logger;
}) {
  const { index, repo } = deps;

  async function queue(actor: Actor, input: IndexRequest): Promise<JobView[]> {
    const cached = await repo.findCachedSnapshot(input.repositoryId, input.snapshotId);
    if (!cached) throw new NotFoundError("Snapshot");
    const hostId = input.hostId ?? cached.hostId;
    if (!hostId) {
      throw new BadRequestError("This snapshot is not a Cairn host's: say which host lists it");
    }
    const host = await repo.hostState(hostId);
    if (!host) throw new NotFoundError("Host", hostId);
    if (host !== "approved") {
      throw new ConflictError(
        `The host is ${host}; only approved hosts run jobs`,
        "no_approved_host",
      );
    }
    const snapshot = { id: cached.id, ...(cached.hostId ? { hostId: cached.hostId } : {}) };
    const job = await deps.jobs().runOnHost(actor, {
      kind: "index",
      repositoryId: input.repositoryId,
      hostId,
      options: { snapshot },
    });
    return [job];
  }

  /** The indexed snapshot a (repository, full or short id) names, or 404 not_indexed. */
  async function resolve(repositoryId: string, ref: string): Promise<IndexedSnapshot> {
    const direct = await index.findSnapshot(indexIdOf(repositoryId, ref));
    if (direct) return direct;
    const cached = await repo.findCachedSnapshot(repositoryId, ref);
    const viaCache = cached && (await index.findSnapshot(indexIdOf(repositoryId, cached.id)));
    if (viaCache) return viaCache;
    if (/^[0-9a-f]{8,63}$/.test(ref)) {
      const all = (await index.listSnapshots({})).filter((s) =>
        s.repositoryId === repositoryId && s.toolSnapshotId.startsWith(ref)
      );
      if (all.length === 1) return all[0];
    }
    throw new NotIndexedError();
  }

  async function checkUpload(hostId: string, jobId: string, format: ListingFormat) {
    const job = await repo.findJob(jobId);
    if (!job || job.hostId !== hostId) throw new NotFoundError("Job", jobId);
    if (job.kind !== "index") throw new ConflictError("This job is not an index job", "not_index");
    if (job.status !== "sent" && job.status !== "running") {
      throw new ConflictError(`The job is ${job.status}; it takes no listing`, "job_not_running");
    }
    if (!job.snapshotRef) throw new ConflictError("The job names no snapshot", "no_snapshot");
    const engine = await repo.repositoryEngine(job.repositoryId);
    if (engine !== format) {
      throw new BadRequestError(`The repository is ${engine ?? "gone"}; the listing is ${format}`);
    }
    return { job, snapshotRef: job.snapshotRef, engine };
  }

  /** Drops indexed snapshots the repository's cached listing no longer has. */
  async function dropMissing(repositoryId: string): Promise<number> {
    const present = await repo.cachedSnapshotIds(repositoryId);
    const gone = (await index.listSnapshots({})).filter((s) =>
      s.repositoryId === repositoryId && !present.has(s.toolSnapshotId)
    );
    for (const s of gone) await index.dropSnapshot(s.id);
    return gone.length;
  }

  return {
    /** Finishes what a crash interrupted in the index; call once at start. */
    recover: () => index.recover(),
    queue: (actor: Actor, input: IndexRequest) => queue(actor, input),

    /** After a backup made a snapshot: index it on the same host, in the background. */
    afterBackup(b: { repositoryId: string; hostId: string; snapshotId: string }) {
      queue(SYSTEM_ACTOR, b).catch((err) =>
        deps.log?.warn("index job after a backup not queued", {
          repositoryId: b.repositoryId,
          error: err,
        })
      );
    },

    /** An agent's upload of an index job's listing; the lines are read as they arrive. */
    async ingestUpload(input: {
      hostId: string;
      jobId: string;
      format: ListingFormat;
      lines: AsyncIterator<string>;
    }): Promise<IngestResultView> {
      const { job, snapshotRef, engine } = await checkUpload(
        input.hostId,
        input.jobId,
        input.format,
      );
      const { first, all } = await peekFirstLine(input.lines);
      const listed = engine === "restic" ? resticSnapshotLine(first) : {};
      const cached = await repo.findCachedSnapshot(job.repositoryId, listed.id ?? snapshotRef);
      const toolId = listed.id ?? cached?.id ?? snapshotRef;
      const r = await index.ingestListing({
        snapshot: {
          id: indexIdOf(job.repositoryId, toolId),
          hostId: cached?.hostId ?? job.hostId,
          repositoryId: job.repositoryId,
          tool: engine,
          toolSnapshotId: toolId,
          time: cached?.time ?? listed.time ?? deps.clock.now(),
        },
        format: input.format,
        lines: all,
      });
      if (listed.id && cached && cached.id !== listed.id) {
        await repo.adoptFullSnapshotId(job.repositoryId, cached.id, listed.id);
      }
      const { listedSnapshot: _l, ...result } = r;
      return result;
    },

    dropMissing,

    /** dropMissing in the background: a listing's ingest never waits for it or fails by it. */
    dropMissingLater(repositoryId: string) {
      dropMissing(repositoryId).catch((err) =>
        deps.log?.warn("dropping forgotten snapshots from the index failed", {
          repositoryId,
          error: err,
        })
      );
    },

    async listSnapshots(f: { hostId?: string; repositoryId?: string }) {
      const all = await index.listSnapshots(f.hostId ? { hostId: f.hostId } : {});
      const views: IndexedSnapshotView[] = all
        .filter((s) => f.repositoryId === undefined || s.repositoryId === f.repositoryId)
        .map(snapshotView);
      return views;
    },

    async browse(q: BrowseQuery): Promise<DirectoryPageView> {
      const s = await resolve(q.repositoryId, q.snapshotId);
      const page = await index.listDirectory({
        snapshotId: s.id,
        path: q.path,
        sort: q.sort,
        order: q.order,
        offset: q.offset,
        limit: q.limit,
      });
      return pageView(s, page);
    },

    async search(q: SearchQuery): Promise<SearchView> {
      const scope = (await index.listSnapshots(q.hostId ? { hostId: q.hostId } : {}))
        .filter((s) => q.repositoryId === undefined || s.repositoryId === q.repositoryId);
      const snapshots = new Map(scope.map((s) => [s.id, s]));
      const r = await index.search({
        snapshotIds: [...snapshots.keys()],
        query: q.q,
        kind: SEARCH_KIND[q.mode],
        limit: q.limit,
      });
      return searchView(r, { mode: q.mode, snapshots });
    },

    async diff(q: DiffQuery): Promise<DiffView> {
      const from = await resolve(q.repositoryId, q.from);
      const to = await resolve(q.repositoryId, q.to);
      const r = await index.diff({
        fromSnapshotId: from.id,
        toSnapshotId: to.id,
        path: q.path,
        limit: q.limit,
      });
      return diffView(r, { repositoryId: q.repositoryId, from, to });
    },
  };
}

export type IndexApiService = ReturnType<typeof createIndexApiService>;
