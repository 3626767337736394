/**
 * Turns restic 0.14 output into driver events and an operation result, line by line. Lines
 * are validated with the schemas in events.ts; anything unexpected (a line restic added in a
 * later version, a Go stack trace, prose) becomes a text event, never an exception.
 */
import * as v from "valibot";
import type { BackupStats, DriverEvent, LineParser, ProgressEvent } from "../common/events.ts";
import { stripAnsi, tryParseJson } from "../common/events.ts";
import type { ResticOperation } from "./args.ts";
import {
  type ErrorLine,
  ErrorLineSchema,
  ForgetOutputSchema,
  LockSchema,
  LsNodeLineSchema,
  LsSnapshotLineSchema,
  type SnapshotJson,
  SnapshotListSchema,
  StatsSchema,
  type StatusLine,
  StatusLineSchema,
  SummaryLineSchema,
  VerboseStatusLineSchema,
} from "./events.ts";

export interface ResticSnapshot {
  id: string;
  shortId: string;
  time: string;
  paths: string[];
  hostname: string;
  username?: string;
  tags: string[];
  parent?: string;
}

export interface ForgetGroup {
  host?: string;
  tags: string[];
  paths: string[];
  keep: string[];
  remove: string[];
}

export interface ResticResults {
  init: { repositoryId?: string };
  backup: { snapshotId?: string; stats: BackupStats; unreadableFiles: number };
  forget: { groups: ForgetGroup[]; keep: string[]; remove: string[] };
  prune: Record<string, never>;
  check: { errorsFound: boolean };
  unlock: Record<string, never>;
  stats: { totalSize: number; totalFileCount: number; blobCount?: number; snapshotCount?: number };
  snapshots: { snapshots: ResticSnapshot[] };
  ls: { snapshotId?: string; entries: number };
  restore: Record<string, never>;
  dump: { bytes: number };
  listLocks: { ids: string[] };
  catLock: ResticLock;
  version: { version: string };
}

/** A lock file as `restic cat lock` prints it. */
export interface ResticLock {
  time?: string;
  exclusive?: boolean;
  hostname?: string;
  username?: string;
  pid?: number;
}

type Results = Partial<ResticResults[ResticOperation]> & Record<string, unknown>;

interface ParserState {
  result?: Results;
  /** catLock: its pretty-printed JSON document, collected until the end (a few lines). */
  stdout: string[];
  unreadable: number;
  entries: number;
}

/** What every line handler needs: the operation, the state, and how to record a result. */
interface Ctx {
  op: ResticOperation;
  state: ParserState;
  set(patch: Results): void;
}

export function createResticParser<K extends ResticOperation>(
  op: K,
): LineParser<ResticResults[K]> {
  const state: ParserState = { unreadable: 0, entries: 0, stdout: [] };
  const ctx: Ctx = { op, state, set: (patch) => (state.result = { ...state.result, ...patch }) };
  return {
    push(stream, raw) {
      const line = stripAnsi(raw);
      if (!line.trim()) return [];
      if (op === "catLock" && stream === "stdout") return state.stdout.push(line), [];
      const json = tryParseJson(line);
      if (json !== undefined) {
        const events = jsonEvents(ctx, json);
        if (events) return events;
      }
      return proseEvents(ctx, { stream, line });
    },
    finish() {
      if (op === "backup" && state.result) state.result.unreadableFiles = state.unreadable;
      if (op === "ls" && state.result) state.result.entries = state.entries;
      if (op === "check" && state.result === undefined) return undefined;
      if (op === "listLocks") return (state.result ?? { ids: [] }) as ResticResults[K];
      if (op === "catLock") return lockOf(state.stdout.join("\n")) as ResticResults[K];
      return state.result as ResticResults[K] | undefined;
    },
  };
}

function jsonEvents(ctx: Ctx, json: unknown): DriverEvent[] | undefined {
  const status = v.safeParse(StatusLineSchema, json);
  if (status.success) return [progressOf(status.output)];
  const summary = v.safeParse(SummaryLineSchema, json);
  if (summary.success) {
    const s = summary.output;
    const stats: BackupStats = {
      filesNew: s.files_new,
      filesChanged: s.files_changed,
      filesUnmodified: s.files_unmodified,
      files: s.total_files_processed,
      bytes: s.total_bytes_processed,
      bytesAdded: s.data_added,
      durationSeconds: s.total_duration,
    };
    ctx.set({ snapshotId: s.snapshot_id, stats, unreadableFiles: 0 });
    return [{ type: "summary", snapshotId: s.snapshot_id, stats }];
  }
  const error = v.safeParse(ErrorLineSchema, json);
  if (error.success) {
    ctx.state.unreadable++;
    return [{ type: "warning", text: errorText(error.output), path: error.output.item }];
  }
  const verbose = v.safeParse(VerboseStatusLineSchema, json);
  if (verbose.success) {
    const { action, item } = verbose.output;
    return [{ type: "log", level: "debug", text: item ? `${action} ${item}` : action }];
  }
  return resultJsonEvents(ctx, json);
}

function resultJsonEvents(ctx: Ctx, json: unknown): DriverEvent[] | undefined {
  const { op, set } = ctx;
  if (op === "snapshots") {
    const list = v.safeParse(SnapshotListSchema, json);
    if (list.success) return set({ snapshots: list.output.map(toSnapshot) }), [];
  }
  if (op === "forget") {
    const groups = v.safeParse(ForgetOutputSchema, json);
    if (groups.success) return set(forgetResult(groups.output)), [];
  }
  if (op === "stats") {
    const stats = v.safeParse(StatsSchema, json);
    if (stats.success) {
      const s = stats.output;
      set({
        totalSize: s.total_size,
        totalFileCount: s.total_file_count,
        blobCount: s.total_blob_count,
        snapshotCount: s.snapshots_count,
      });
      return [];
    }
  }
  if (op === "ls") return lsEvents(ctx, json);
  return undefined;
}

function lsEvents(ctx: Ctx, json: unknown): DriverEvent[] | undefined {
  const first = v.safeParse(LsSnapshotLineSchema, json);
  if (first.success) return ctx.set({ snapshotId: first.output.id }), [];
  const node = v.safeParse(LsNodeLineSchema, json);
  if (!node.success) return undefined;
  const n = node.output;
  ctx.state.entries++;
  const kind = n.type === "file" || n.type === "dir" || n.type === "symlink" ? n.type : "other";
  return [{ type: "item", path: n.path, kind, size: n.size, mtime: n.mtime }];
}

const PROSE_PROGRESS = /^\[(\d+:)?\d+:\d\d\]\s+(\d+(?:\.\d+)?)%\s+(\d+) \/ (\d+) (.+?)\s*$/;
const RETRY = /returned error, retrying after/;
const SKIPPED = /^(.+) does not exist, skipping$/;

function proseEvents(
  ctx: Ctx,
  { stream, line }: { stream: "stdout" | "stderr"; line: string },
): DriverEvent[] {
  const progress = PROSE_PROGRESS.exec(line);
  if (progress) {
    const [, , pct, done, total, unit] = progress;
    return [{ type: "progress", percent: Number(pct), phase: `${done} / ${total} ${unit}` }];
  }
  const fatal = /^Fatal: (.*)$/.exec(line);
  if (fatal) return [{ type: "error", text: fatal[1] }];
  if (/^unable to create lock in backend: /.test(line)) return [{ type: "error", text: line }];
  if (/^signal \w+ received, cleaning up$/.test(line)) {
    return [{ type: "log", level: "warning", text: line }];
  }
  const warning = /^Warning: (.*)$/.exec(line);
  if (warning) return [{ type: "warning", text: warning[1] }];
  const skipped = SKIPPED.exec(line);
  if (skipped) return [{ type: "warning", text: line, path: skipped[1] }];
  if (RETRY.test(line)) return [{ type: "log", level: "warning", text: line }];
  const known = knownProse(ctx, line);
  if (known) return known;
  return [{ type: "text", stream, text: line }];
}

function knownProse(ctx: Ctx, line: string): DriverEvent[] | undefined {
  const { op, set } = ctx;
  if (op === "init") {
    const m = /^created restic repository ([0-9a-f]+) at /.exec(line);
    if (m) return set({ repositoryId: m[1] }), [{ type: "log", level: "info", text: line }];
  }
  if (op === "check") {
    if (/^no errors were found$/.test(line)) {
      return set({ errorsFound: false }), [{ type: "log", level: "info", text: line }];
    }
    if (/repository contains errors/.test(line)) {
      return set({ errorsFound: true }), [{ type: "error", text: line }];
    }
  }
  if (op === "listLocks" && /^[0-9a-f]{64}$/.test(line)) {
    const r = (ctx.state.result ??= { ids: [] }) as { ids: string[] };
    return r.ids.push(line), [];
  }
  if (op === "version") {
    const m = /^restic (\d+\.\d+\.\d+\S*)/.exec(line);
    if (m) return set({ version: m[1] }), [];
  }
  return undefined;
}

function progressOf(s: StatusLine): ProgressEvent {
  const event: ProgressEvent = {
    type: "progress",
    percent: Math.round(s.percent_done * 10000) / 100,
    files: s.files_done,
    totalFiles: s.total_files,
    bytes: s.bytes_done,
    totalBytes: s.total_bytes,
  };
  if (s.seconds_elapsed) event.throughput = Math.round(s.bytes_done / s.seconds_elapsed);
  if (s.seconds_remaining !== undefined) event.etaSeconds = s.seconds_remaining;
  if (s.current_files?.length) event.currentFile = s.current_files[0];
  return event;
}

const ERRNO: Record<number, string> = {
  1: "operation not permitted",
  2: "no such file or directory",
  5: "input/output error",
  13: "permission denied",
};

/** restic 0.14 prints the Go error as {Op, Path, Err}; newer versions print a message. */
function errorText(e: ErrorLine): string {
  const err = e.error as { Op?: string; Path?: string; Err?: number; message?: string } | string;
  const where = e.item ?? "";
  if (typeof err === "string") return `${where}: ${err}`;
  if (err?.message) return `${where}: ${err.message}`;
  if (err?.Op !== undefined) {
    const reason = typeof err.Err === "number" ? ERRNO[err.Err] ?? `errno ${err.Err}` : "failed";
    return `${where}: ${err.Op}: ${reason}`;
  }
  return `${where}: could not be read during ${e.during ?? "backup"}`;
}

function toSnapshot(s: SnapshotJson): ResticSnapshot {
  return {
    id: s.id,
    shortId: s.short_id ?? s.id.slice(0, 8),
    time: s.time,
    paths: s.paths,
    hostname: s.hostname ?? "",
    username: s.username,
    tags: s.tags ?? [],
    parent: s.parent,
  };
}

function forgetResult(groups: v.InferOutput<typeof ForgetOutputSchema>): Results {
  const out: ForgetGroup[] = groups.map((g) => ({
    host: g.host,
    tags: g.tags ?? [],
    paths: g.paths ?? [],
    keep: (g.keep ?? []).map((s) => s.id),
    remove: (g.remove ?? []).map((s) => s.id),
  }));
  return {
    groups: out,
    keep: out.flatMap((g) => g.keep),
    remove: out.flatMap((g) => g.remove),
  };
}

function lockOf(text: string): ResticLock | undefined {
  const parsed = v.safeParse(LockSchema, tryParseJson(text));
  return parsed.success ? parsed.output : undefined;
}
