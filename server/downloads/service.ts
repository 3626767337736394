/**
 * Downloads and previews: find the snapshot's host in the snapshot cache, queue a `dump` job
 * there with a fresh stream id, and wait (bounded) for the agent's upload, which the broker
 * hands over. A job that ends before its stream arrives answers the browser with why; a wait
 * that runs out, or a browser that goes away, cancels the job so the agent stops the tool.
 */
import type { Actor } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { JobDetail } from "../contract/backups.ts";
import {
  type DownloadFormat,
  PREVIEW_MAX_BYTES,
  type PreviewView,
  STREAM_START_TIMEOUT_MS,
} from "../contract/downloads.ts";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import { OFFLINE_AFTER_MS } from "../hosts/service.ts";
import { newId } from "../ids.ts";
import type { JobsService } from "../jobs/service.ts";
import type { Logger } from "../log.ts";
import type { RelayEnd, StreamArrival, StreamBroker } from "./broker.ts";
import type { DownloadsRepo } from "./repo.ts";

export interface OpenedDownload {
  jobId: string;
  stream: ReadableStream<Uint8Array>;
  /** The file's size, when the agent announced it. */
  size: number | null;
}

type Jobs = Pick<JobsService, "runOnHost" | "cancel" | "subscribe" | "get" | "isTerminal">;

export function createDownloadsService(deps: {
  repo: DownloadsRepo;
  jobs: Jobs;
  broker: StreamBroker;
  clock: Clock;
  log?: Logger;
  /** How long to wait for the agent's stream to start (default 60 s). */
  startTimeoutMs?: number;
}) {
  const { repo, jobs, broker } = deps;
  const startTimeout = deps.startTimeoutMs ?? STREAM_START_TIMEOUT_MS;

  async function hostOf(repositoryId: string, snapshotId: string) {
    const snap = await repo.findSnapshot(repositoryId, snapshotId);
    if (!snap) throw new NotFoundError("Snapshot");
    if (!snap.hostId) {
      throw new ConflictError("The snapshot's host is not known to Cairn", "host_unknown");
    }
    const host = await repo.findHost(snap.hostId);
    const seen = host?.lastSeenAt ?? null;
    if (
      !host || host.state !== "approved" || seen === null ||
      deps.clock.now() - seen > OFFLINE_AFTER_MS
    ) {
      throw new ConflictError(
        `The snapshot's host is offline: ${snap.hostId}; start its agent and try again`,
        "host_offline",
      );
    }
    return { snap, hostId: snap.hostId };
  }

  async function cancelQuietly(actor: Actor, jobId: string) {
    try {
      await jobs.cancel(actor, jobId);
    } catch (err) {
      // A job that has ended needs no cancel; anything else is worth a line in the log.
      if (!(err instanceof AppError && err.code === "job_ended")) {
        deps.log?.warn("dump job cancel failed", { jobId, error: err });
      }
    }
  }

  async function open(
    actor: Actor,
    q: { repositoryId: string; snapshotId: string; path: string; format: DownloadFormat },
    o: { maxBytes?: number } = {},
  ): Promise<OpenedDownload> {
    const { snap, hostId } = await hostOf(q.repositoryId, q.snapshotId);
    const streamId = newId("str", deps.clock.now());
    let jobId = "";
    let browserGone = false;
    const waiter = broker.expect(streamId, {
      hostId,
      onBrowserGone: () => {
        browserGone = true;
        if (jobId) void cancelQuietly(actor, jobId);
      },
    });
    const job = await jobs.runOnHost(actor, {
      hostId,
      repositoryId: q.repositoryId,
      kind: "dump",
      options: {
        snapshot: { id: snap.snapshotId },
        dump: {
          path: q.path,
          format: q.format,
          streamId,
          ...(o.maxBytes ? { maxBytes: o.maxBytes } : {}),
        },
      },
    });
    jobId = job.id;
    if (browserGone) void cancelQuietly(actor, jobId);
    const arrival = await waitForStream({ actor, job, waiter });
    return { jobId, stream: arrival.stream, size: arrival.size };
  }

  async function waitForStream(
    a: { actor: Actor; job: JobDetail; waiter: ReturnType<StreamBroker["expect"]> },
  ): Promise<StreamArrival> {
    const { actor, job, waiter } = a;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = jobs.subscribe(job.id, (e) => {
      if (e.event === "end") waiter.abandon(endedError(e.data));
    }, () => {/* the hub closes at shutdown; the timeout still bounds the wait */});
    timer = setTimeout(() => {
      waiter.abandon(
        new AppError(
          503,
          "stream_timeout",
          "The host did not start sending in time (busy with another job, or offline); " +
            "the download was cancelled",
        ),
      );
    }, startTimeout);
    try {
      const now = await jobs.get(job.id);
      if (jobs.isTerminal(now.status)) waiter.abandon(endedError(now));
      return await waiter.arrived;
    } catch (err) {
      await cancelQuietly(actor, job.id);
      throw err;
    } finally {
      clearTimeout(timer);
      timer = undefined;
      unsubscribe();
    }
  }

  return {
    open,

    /** The first PREVIEW_MAX_BYTES of a file, as text when it is text. */
    async preview(
      actor: Actor,
      q: { repositoryId: string; snapshotId: string; path: string },
    ): Promise<PreviewView> {
      const d = await open(actor, { ...q, format: "raw" }, { maxBytes: PREVIEW_MAX_BYTES + 1 });
      const bytes = await readAll(d.stream, PREVIEW_MAX_BYTES + 1);
      const truncated = bytes.byteLength > PREVIEW_MAX_BYTES || (d.size ?? 0) > PREVIEW_MAX_BYTES;
      const shown = bytes.subarray(0, PREVIEW_MAX_BYTES);
      const text = textOf(shown, truncated);
      return {
        path: q.path,
        size: d.size ?? shown.byteLength,
        text,
        binary: text === null,
        truncated,
      };
    },

    /**
     * An agent's upload for `streamId`: the stream must be awaited by a browser and belong to a
     * running dump job of this host. Resolves when the relay ends.
     */
    async acceptUpload(
      hostId: string,
      streamId: string,
      upload: { body: ReadableStream<Uint8Array>; size: number | null },
    ): Promise<RelayEnd> {
      const started = performance.now();
      const end = await broker.deliver(streamId, { hostId, ...upload });
      const seconds = (performance.now() - started) / 1000;
      deps.log?.info("download relayed", {
        streamId,
        hostId,
        ...end,
        seconds: Math.round(seconds * 100) / 100,
        mbPerSecond: seconds > 0 ? Math.round(end.bytes / 1e6 / seconds) : null,
      });
      return end;
    },
  };
}

export type DownloadsService = ReturnType<typeof createDownloadsService>;

function endedError(job: JobDetail): AppError {
  const result = (job.result ?? {}) as { reason?: string };
  if (result.reason === "not_a_file") {
    return new BadRequestError("Only a file downloads raw; download a folder as tar or zip");
  }
  if (result.reason === "not_found") return new NotFoundError("Path in the snapshot");
  if (job.status === "cancelled") {
    return new ConflictError("The download was cancelled", "dump_cancelled");
  }
  return new ConflictError(
    `The host could not read the snapshot: ${job.message ?? "the tool failed"}`,
    "dump_failed",
  );
}

/** Up to `max` bytes of a relayed body; a body that breaks is a 409, not an internal error. */
export async function readAll(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(max);
  let at = 0;
  const reader = stream.getReader();
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch {
      throw new ConflictError(
        "The host's upload broke before the preview was whole",
        "dump_failed",
      );
    }
    const { done, value } = r;
    if (done) break;
    // The agent stops at maxBytes itself; reading to the end lets its job end ok.
    const take = Math.min(value.byteLength, max - at);
    out.set(value.subarray(0, take), at);
    at += take;
  }
  return out.subarray(0, at);
}

/** UTF-8 without NUL; a cut at the end may split a character, which is forgiven. */
function textOf(bytes: Uint8Array, truncated: boolean): string | null {
  if (bytes.includes(0)) return null;
  let body = bytes;
  if (truncated) {
    // Drop a partial multi-byte character at the cut (at most 3 bytes).
    let cut = body.byteLength;
    for (let i = 1; i <= 3 && cut - i >= 0; i++) {
      const b = body[cut - i];
      if ((b & 0xc0) === 0x80) continue;
      const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (i < len) cut -= i;
      break;
    }
    body = body.subarray(0, cut);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    return null;
  }
}
