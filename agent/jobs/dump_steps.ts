/**
 * A `dump` job: one path of a snapshot streamed to the appliance, which relays it to a browser.
 * The path is looked up in the snapshot (a listing of that path, stopped as soon as it says file
 * or folder), so a missing path or a raw download of a folder ends the job with a reason the
 * appliance turns into a 404 or 400 before any byte is promised. The tool that writes the bytes
 * to stdout (restic `dump [--archive]`, borg `extract --stdout` / `export-tar`, with borg's tar
 * zipped on the fly for zip) starts at the same time, so the two start-ups overlap (a borg start
 * is half a second of CPU); its output waits for the look-up's verdict, the full pipe holds the
 * tool meanwhile, and a path that cannot be sent stops it unread. Every chunk then goes into the
 * upload, awaited, so the browser's pace reaches the tool. The tool's output is read into one
 * reused buffer whose bytes the upload copies into its frame, so a large download allocates
 * nothing per chunk. The upload opens at the first byte, so a tool that fails before writing
 * leaves the browser with an error answer rather than a broken file.
 */
import type { DumpSpec } from "../../server/contract/jobs.ts";
import { lendingChunks } from "../platform/process.ts";
import type { RunControl } from "../tools/common/run_tool.ts";
import type { RunResult } from "../tools/common/result.ts";
import { borgDriverFor, resticDriverFor } from "./drivers.ts";
import { failed, type JobOutcome, outcomeOf, type StepContext } from "./outcome.ts";
import type { StreamUpload, StreamUploader } from "./stream_upload.ts";
import { createTarToZip, ZipLimitError } from "./tar_zip.ts";

type Found = { kind: "file" | "dir" | "symlink" | "other"; size?: number } | null;

/** Whether the look-up allows the download: with the file's size for raw, or why not. */
type Verdict = { go: true; size?: number } | { go: false; outcome: JobOutcome };

export async function runDump(ctx: StepContext): Promise<JobOutcome> {
  const { dump, snapshot } = ctx.spec;
  if (!dump || !snapshot) return failed("invalid", "A dump needs a snapshot and a path");
  const streams = ctx.streams;
  if (!streams) return failed("invalid", "This agent cannot stream to the appliance");
  const stopTool = new AbortController();
  const verdict = statPath(ctx, snapshot.id, dump.path).then(
    (found) => verdictOf(dump, found),
    (err): Verdict => ({ go: false, outcome: failed("unknown", String(err)) }),
  );
  void verdict.then((v) => v.go || stopTool.abort());
  const streamed = streamDump(ctx, {
    dump,
    snapshotId: snapshot.id,
    streams,
    verdict,
    stopTool: stopTool.signal,
  });
  const v = await verdict;
  const out = await streamed;
  return v.go ? out : v.outcome;
}

function verdictOf(
  dump: DumpSpec,
  found: { entry: Found } | { outcome: JobOutcome },
): Verdict {
  if ("outcome" in found) return { go: false, outcome: found.outcome };
  if (found.entry === null) {
    const outcome = failed("invalid", "The path is not in the snapshot");
    return { go: false, outcome: { ...outcome, result: { reason: "not_found" } } };
  }
  if (dump.format === "raw" && found.entry.kind !== "file") {
    const outcome = failed("invalid", "Only a file can be downloaded as it is; choose tar or zip");
    return { go: false, outcome: { ...outcome, result: { reason: "not_a_file" } } };
  }
  return { go: true, size: dump.format === "raw" ? found.entry.size : undefined };
}

/** borg stores paths without the leading slash. */
const borgPath = (p: string) => p.replace(/^\/+/, "") || ".";

/** The path's entry in the snapshot (null: not there), from a listing stopped early. */
async function statPath(
  ctx: StepContext,
  snapshotId: string,
  path: string,
): Promise<{ entry: Found } | { outcome: JobOutcome }> {
  if (path === "/") return { entry: { kind: "dir" } };
  const want = ctx.spec.engine === "borg" ? borgPath(path) : path;
  const stop = new AbortController();
  let entry: Found = null;
  let seen = 0;
  const base = ctx.control();
  const control: RunControl = {
    ...base,
    signal: base.signal ? AbortSignal.any([base.signal, stop.signal]) : stop.signal,
    onStart: undefined,
    onEvent: (e) => {
      if (e.type !== "item") return;
      seen++;
      if (e.path === want) entry = { kind: e.kind, size: e.size };
      // A folder lists everything under it: once it is known, the rest is not needed.
      if (entry && (entry.kind !== "dir" || seen > 1)) stop.abort();
    },
  };
  const r: RunResult<unknown> = ctx.spec.engine === "borg"
    ? await borgDriverFor(ctx.setup).run("ls", { archive: snapshotId, paths: [want] }, control)
    : await resticDriverFor(ctx.setup).run("ls", { snapshot: snapshotId, dirs: [path] }, control);
  if (stop.signal.aborted && !base.signal?.aborted) return { entry };
  if (r.status === "ok" || r.status === "warning") return { entry };
  return { outcome: outcomeOf(ctx, r) };
}

async function streamDump(
  ctx: StepContext,
  o: {
    dump: DumpSpec;
    snapshotId: string;
    streams: StreamUploader;
    verdict: Promise<Verdict>;
    stopTool: AbortSignal;
  },
): Promise<JobOutcome> {
  const { dump } = o;
  const base = ctx.control();
  const stop = new AbortController();
  let size: number | undefined;
  const limit = dump.maxBytes;
  const pipe = createUploadPipe(o.streams, {
    streamId: dump.streamId,
    size: () => size,
    maxBytes: limit,
    signal: base.signal ?? new AbortController().signal,
  });
  let sent = 0;
  let limited = false;
  let allowed = false;
  const send = async (chunk: Uint8Array) => {
    if (!allowed) {
      // The first byte waits for the look-up; meanwhile the full pipe holds the tool.
      const v = await o.verdict;
      if (!v.go) return;
      size = v.size;
      allowed = true;
    }
    if (limited || pipe.broken()) return;
    if (limit !== undefined && sent + chunk.byteLength >= limit) {
      chunk = chunk.subarray(0, limit - sent);
      limited = true;
    }
    sent += chunk.byteLength;
    await pipe.write(chunk);
    if (limited || pipe.broken()) stop.abort();
  };
  const zipper = ctx.spec.engine === "borg" && dump.format === "zip" ? createTarToZip(send) : null;
  let zipError: Error | null = null;
  // The zipper keeps pieces of the tar it was given, so only the plain upload, which copies
  // each chunk into its frame, can be lent the tool's output buffer.
  const output = zipper
    ? async (c: Uint8Array) => {
      if (zipError) return;
      await zipper.push(c).catch((err) => {
        zipError = err;
        stop.abort();
      });
    }
    : lendingChunks(send);
  const signals = [stop.signal, o.stopTool, ...(base.signal ? [base.signal] : [])];
  const control: RunControl = { ...base, signal: AbortSignal.any(signals) };
  const r = await runTool(ctx, { dump, snapshotId: o.snapshotId, output }, control);
  const v = await o.verdict;
  if (!v.go) {
    pipe.abort();
    return v.outcome;
  }
  size = v.size;
  if (zipper && !zipError && r.status !== "failed" && r.status !== "cancelled") {
    await zipper.end().catch((err) => (zipError = err));
  }
  return await settle(ctx, { r, pipe, limited, zipError, sent });
}

function runTool(
  ctx: StepContext,
  o: { dump: DumpSpec; snapshotId: string; output: (c: Uint8Array) => Promise<void> },
  control: RunControl,
): Promise<RunResult<unknown>> {
  const { dump, snapshotId, output } = o;
  if (ctx.spec.engine === "borg") {
    return borgDriverFor(ctx.setup).run("dump", {
      archive: snapshotId,
      path: borgPath(dump.path),
      tar: dump.format !== "raw",
      output,
    }, control);
  }
  return resticDriverFor(ctx.setup).run("dump", {
    snapshot: snapshotId,
    path: dump.path,
    ...(dump.format !== "raw" ? { archive: dump.format } : {}),
    output,
  }, control);
}

async function settle(
  ctx: StepContext,
  s: {
    r: RunResult<unknown>;
    pipe: UploadPipe;
    limited: boolean;
    zipError: Error | null;
    sent: number;
  },
): Promise<JobOutcome> {
  const { r, pipe } = s;
  const toolDone = s.limited || r.status === "ok" || r.status === "warning";
  if (!toolDone || s.zipError || pipe.broken()) {
    pipe.abort();
    if (s.zipError) {
      const why = s.zipError instanceof ZipLimitError
        ? s.zipError.message
        : "the tar was unreadable";
      return failed("invalid", `The folder could not be zipped: ${why}`);
    }
    if (!toolDone) return outcomeOf(ctx, r);
    if (r.status === "cancelled") return outcomeOf(ctx, r);
    return failed("unreachable", `The upload to the appliance broke: ${pipe.error()}`);
  }
  try {
    // The appliance's count when it made one; ours (every byte it took) otherwise.
    const bytes = (await pipe.finish()).bytes ?? s.sent;
    const out = s.limited ? { ...outcomeOf(ctx, { ...r, status: "ok" }) } : outcomeOf(ctx, r);
    return { ...out, status: s.limited ? "ok" : out.status, result: { bytes } };
  } catch {
    return failed("unreachable", `The upload to the appliance broke: ${pipe.error()}`);
  }
}

type UploadPipe = ReturnType<typeof createUploadPipe>;

/**
 * The bytes' way into the upload: opened at the first write, each chunk copied into the
 * upload's frame before write() returns (so the tool's output buffer can be reused at once).
 * write() never throws (a broken upload is a state, read with broken()), so the tool's output
 * pump never fails; a write waiting on a broken upload returns at once.
 */
function createUploadPipe(
  uploader: StreamUploader,
  o: {
    streamId: string;
    size: () => number | undefined;
    /** A preview's limit: the body has min(size, maxBytes) bytes. */
    maxBytes?: number;
    signal: AbortSignal;
  },
) {
  const ac = new AbortController();
  let upload: StreamUpload | null = null;
  let failure: unknown = null;
  let markFailed!: () => void;
  const failedP = new Promise<void>((r) => (markFailed = r));
  const fail = (err: unknown) => {
    failure ??= err ?? new Error("upload failed");
    markFailed();
  };
  // A cancelled job marks the pipe broken at once: a write stuck on a socket nobody reads any
  // more (the browser went away) must not hold the tool's output pump, and so the job, forever.
  const onJob = () => (fail(new Error("the job was cancelled")), ac.abort());
  o.signal.addEventListener("abort", onJob, { once: true });
  let finishing = false;
  const start = (): StreamUpload => {
    if (upload) return upload;
    const size = o.size();
    const length = size === undefined ? undefined : Math.min(size, o.maxBytes ?? Infinity);
    upload = uploader.open(o.streamId, { size, length, signal: ac.signal });
    // An answer before the body ended means the appliance stopped relaying (the browser went
    // away): the job ends now, without waiting for the cancel to come round the command channel.
    upload.answer.then(() => {
      if (!finishing) fail(new Error("the appliance stopped reading the download"));
    }, fail);
    return upload;
  };
  return {
    broken: () => failure !== null,
    error: () => (failure instanceof Error ? failure.message : "the upload failed"),
    async write(chunk: Uint8Array) {
      if (failure) return;
      await Promise.race([start().write(chunk).catch(fail), failedP]);
    },
    async finish(): Promise<{ bytes: number | null }> {
      finishing = true;
      const up = start();
      try {
        if (failure) throw failure;
        return await up.end();
      } catch (err) {
        fail(err);
        throw err;
      } finally {
        o.signal.removeEventListener("abort", onJob);
      }
    },
    abort() {
      o.signal.removeEventListener("abort", onJob);
      ac.abort();
      upload?.abort();
    },
  };
}
