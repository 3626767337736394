/**
 * How one job's happenings become outbox reports, with exactly the bodies of
 * server/contract/jobs.ts: job.started (once, when the first tool or hook starts),
 * job.progress (at most ~4 a second, the latest wins, the final one always sent), job.log
 * (tool and hook output, the agent's own words), job.finished, and the snapshot listing in
 * parts. Every text goes through the job's redactor and is cut to fit the report body limit.
 */
import { LIMITS } from "../../server/contract/agent.ts";
import {
  type JobFinished,
  type JobKind,
  type JobProgress,
  type SnapshotInfo,
  SNAPSHOTS_PER_PART,
} from "../../server/contract/jobs.ts";
import type { NewReport } from "../outbox.ts";
import type { DriverEvent } from "../tools/common/events.ts";
import type { TextRedactor } from "../tools/common/redact.ts";

export const PROGRESS_INTERVAL_MS = 1000;
const LOG_CHARS = 8000;
const TAIL_CHARS = LIMITS.reportBodyChars - 4096;
const PART_CHARS = LIMITS.reportBodyChars - 2048;
const SNAPSHOT_CHARS = 4096;

export interface ReportSink {
  add(reports: NewReport[]): unknown;
}

/** Keeps the end of a long text (where the reason for a failure is), within `max` chars. */
export function cutEnd(text: string, max: number): string {
  return text.length <= max ? text : "…" + text.slice(text.length - max + 1);
}
export function cutStart(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + "…";
}

export function createJobReporter(opts: {
  jobId: string;
  kind: JobKind;
  sink: ReportSink;
  redactor: TextRedactor;
  now: () => number;
}) {
  const { jobId, sink, redactor, now } = opts;
  const add = (kind: string, body: Record<string, unknown>) => sink.add([{ kind, jobId, body }]);
  let started = false;
  let lastProgressAt = -Infinity;
  let pending: JobProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const sendProgress = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const body = pending;
    pending = null;
    lastProgressAt = now();
    add("job.progress", body);
  };

  function progress(p: JobProgress) {
    pending = p;
    const wait = lastProgressAt + PROGRESS_INTERVAL_MS - now();
    if (wait <= 0) sendProgress();
    else timer ??= setTimeout(sendProgress, wait);
  }

  const log = (level: "debug" | "info" | "warning" | "error", source: string, text: string) =>
    add("job.log", { level, source, text: cutStart(redactor.redact(text), LOG_CHARS) });

  return {
    /** job.started, the first time only; `command` is already redacted by the driver. */
    started(command: string) {
      if (started) return;
      started = true;
      add("job.started", {
        kind: opts.kind,
        command: cutStart(redactor.redact(command), 8000),
        startedAt: now(),
      });
    },
    get hasStarted() {
      return started;
    },
    /** A driver event from a tool run. */
    toolEvent(e: DriverEvent) {
      switch (e.type) {
        case "progress":
          return progress(progressBody(e, now(), redactor));
        case "log":
          return log(e.level, "tool", e.text);
        case "warning":
          return log("warning", "tool", e.text);
        case "error":
          return log("error", "tool", e.text);
        case "text":
          return log("info", "tool", e.text);
        default:
          return; // summary and item events carry results, not log lines
      }
    },
    hookOutput(stream: "stdout" | "stderr", text: string) {
      log(stream === "stderr" ? "warning" : "info", "hook", text);
    },
    note(level: "info" | "warning" | "error", text: string) {
      log(level, "cairn", text);
    },
    flushProgress: sendProgress,
    finished(body: JobFinished) {
      sendProgress();
      add("job.finished", {
        ...body,
        message: body.message === null ? null : cutStart(redactor.redact(body.message), 2000),
        tail: cutEnd(redactor.redact(body.tail), TAIL_CHARS),
      });
    },
    /** One listing, in parts; the last part says so (an empty listing still sends one). */
    snapshots(repositoryId: string, list: Iterable<SnapshotInfo>) {
      let part = 0;
      let batch: SnapshotInfo[] = [];
      let size = 0;
      const send = (last: boolean) => {
        add("snapshots", { repositoryId, refreshId: jobId, part: part++, last, snapshots: batch });
        batch = [];
        size = 0;
      };
      for (const raw of list) {
        const s = fitSnapshot(raw);
        const n = JSON.stringify(s).length;
        if (batch.length === SNAPSHOTS_PER_PART || (batch.length && size + n > PART_CHARS)) {
          send(false);
        }
        batch.push(s);
        size += n;
      }
      send(true);
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}

export type JobReporter = ReturnType<typeof createJobReporter>;

function progressBody(
  e: Extract<DriverEvent, { type: "progress" }>,
  emittedAt: number,
  redactor: TextRedactor,
): JobProgress {
  const body: JobProgress = { percent: e.percent, emittedAt };
  for (
    const k of ["files", "totalFiles", "bytes", "totalBytes", "throughput", "etaSeconds"] as const
  ) {
    if (e[k] !== undefined) body[k] = e[k];
  }
  if (e.currentFile) body.currentFile = cutStart(redactor.redact(e.currentFile), 4096);
  if (e.phase) body.phase = cutStart(e.phase, 200);
  return body;
}

/** A snapshot with very many paths is listed with the first ones only, so one fits a part. */
function fitSnapshot(s: SnapshotInfo): SnapshotInfo {
  if (JSON.stringify(s).length <= SNAPSHOT_CHARS) return s;
  const paths: string[] = [];
  let size = 0;
  for (const p of s.paths) {
    if (size + p.length > SNAPSHOT_CHARS / 2) break;
    paths.push(p);
    size += p.length + 3;
  }
  return { ...s, paths, tags: s.tags.slice(0, 20) };
}
