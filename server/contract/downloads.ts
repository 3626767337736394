/**
 * Downloads and previews: a file or folder of a snapshot streamed from the host that made it,
 * through the appliance, to the browser. The browser asks `GET /api/downloads` (an attachment,
 * raw bytes, tar or zip) or `GET /api/preview` (the first 64 KiB of a file as JSON); the
 * appliance queues a `dump` job on the snapshot's host with a fresh stream id and waits for the
 * agent to `POST /api/agent/v1/streams/:streamId` the tool's output, which it pipes straight to
 * the waiting browser. Nothing is held whole in memory on either side. Imported by the server
 * routes, the agent and the PWA.
 */
import * as v from "valibot";
import { AbsolutePathSchema } from "./jobs.ts";

/** How much of a file a preview reads. */
export const PREVIEW_MAX_BYTES = 64 * 1024;
/** How long the appliance waits for the agent's stream to start before it gives up (ms). */
export const STREAM_START_TIMEOUT_MS = 60_000;

export const DOWNLOAD_FORMATS = ["raw", "tar", "zip"] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export const StreamIdSchema = v.pipe(
  v.string("must be a string"),
  v.regex(/^str_[0-9a-z]{26}$/, "must be a stream id"),
);

/**
 * A path inside a snapshot: absolute, and without `.` or `..` segments (a path that climbs out
 * of the snapshot is refused rather than resolved).
 */
export const SnapshotPathSchema = v.pipe(
  AbsolutePathSchema,
  v.check(
    (p) => !p.split("/").some((seg) => seg === ".." || seg === "."),
    "must not hold . or .. segments",
  ),
);

const RepositoryId = v.pipe(
  v.string("must be a string"),
  v.regex(/^rep_[0-9a-z]{26}$/, "must be an id"),
);
const SnapshotId = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(300, "must be at most 300 characters"),
  v.check((s) => ![...s].some((ch) => ch.charCodeAt(0) < 0x20), "must not hold control characters"),
);

/** `GET /api/downloads?repositoryId=&snapshotId=&path=&format=` (format defaults to raw). */
export const DownloadQuerySchema = v.object({
  repositoryId: RepositoryId,
  snapshotId: SnapshotId,
  path: SnapshotPathSchema,
  format: v.optional(v.picklist(DOWNLOAD_FORMATS, "must be raw, tar or zip"), "raw"),
});
export type DownloadQuery = v.InferInput<typeof DownloadQuerySchema>;

/** `GET /api/preview?repositoryId=&snapshotId=&path=`. */
export const PreviewQuerySchema = v.object({
  repositoryId: RepositoryId,
  snapshotId: SnapshotId,
  path: SnapshotPathSchema,
});
export type PreviewQuery = v.InferOutput<typeof PreviewQuerySchema>;

/** The answer to a preview. */
export interface PreviewView {
  path: string;
  /** Bytes read (at most PREVIEW_MAX_BYTES). */
  size: number;
  /** The text, when the bytes decode as UTF-8 and hold no NUL; otherwise null. */
  text: string | null;
  binary: boolean;
  /** The file is longer than what was read. */
  truncated: boolean;
}

/** `result` of a finished `dump` job. */
export interface DumpResult {
  bytes: number;
}

/**
 * Error codes the download and preview routes answer with, beside the usual ones:
 * `host_offline` (409, the snapshot's host is not connected), `stream_timeout` (503, the host
 * did not start sending in time: busy with another job, or the tool failed; the job is
 * cancelled), `dump_failed` (409, the tool refused: e.g. the path is not in the snapshot).
 */
export const DOWNLOAD_ERRORS = ["host_offline", "stream_timeout", "dump_failed"] as const;

/** The URL the PWA links to (an `<a href download>`: the browser streams it to disk). */
export function downloadUrl(q: DownloadQuery): string {
  const p = new URLSearchParams({
    repositoryId: q.repositoryId,
    snapshotId: q.snapshotId,
    path: q.path,
    format: q.format ?? "raw",
  });
  return `/api/downloads?${p}`;
}

/** The file name a download is saved as: the path's last part, plus .tar / .zip. */
export function downloadFileName(path: string, format: DownloadFormat): string {
  const last = path.split("/").filter(Boolean).pop() ?? "snapshot";
  const safe = [...last].map((ch) =>
    (ch.charCodeAt(0) < 0x20 || ch === "\x7f" || ch === '"' ||
        ch === "\\")
      ? "_"
      : ch
  ).join("").slice(0, 200) || "snapshot";
  return format === "raw" ? safe : `${safe}.${format}`;
}
