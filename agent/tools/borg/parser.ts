/**
 * Turns borg 1.2 output into driver events and an operation result. stderr carries
 * `--log-json` lines (log, progress, file status); stdout carries either one pretty-printed
 * JSON document (`--json`, parsed when its closing brace arrives) or JSON lines
 * (`list --json-lines`). Anything else (a Python traceback, an ssh message) becomes a text
 * event, never an exception.
 */
import * as v from "valibot";
import type { BackupStats, DriverEvent, LineParser, LogLevel } from "../common/events.ts";
import { tryParseJson } from "../common/events.ts";
import type { BorgOperation } from "./args.ts";
import {
  type ArchiveProgress,
  ArchiveProgressSchema,
  borgTime,
  CreateOutputSchema,
  FileStatusSchema,
  InfoOutputSchema,
  ItemLineSchema,
  ListOutputSchema,
  type LogMessage,
  LogMessageSchema,
  ProgressMessageSchema,
  ProgressPercentSchema,
} from "./events.ts";
import { pruneDecision } from "./prune_list.ts";

export interface BorgArchive {
  name: string;
  id: string;
  /** ISO 8601, UTC. */
  time: string;
}

export interface BorgResults {
  init: Record<string, never>;
  backup: { archive: BorgArchive; stats: BackupStats };
  prune: { keep: BorgArchive[]; prune: BorgArchive[] };
  compact: Record<string, never>;
  check: { problemsFound: boolean };
  breakLock: Record<string, never>;
  stats: {
    originalSize: number;
    compressedSize: number;
    deduplicatedSize: number;
    uniqueChunks: number;
    totalChunks: number;
    /** original size / deduplicated compressed size; 0 for an empty repository. */
    deduplicationRatio: number;
  };
  snapshots: { archives: BorgArchive[] };
  ls: { entries: number };
  restore: Record<string, never>;
  dump: { bytes: number };
  version: { version: string };
}

type Results = Record<string, unknown>;

interface State {
  result?: Results;
  stdout: string[];
  firstProgressTime?: number;
  entries: number;
  keep: BorgArchive[];
  prune: BorgArchive[];
}

const DOCUMENT_OPS = new Set<BorgOperation>(["backup", "snapshots", "stats"]);

export function createBorgParser<K extends BorgOperation>(op: K): LineParser<BorgResults[K]> {
  const state: State = { stdout: [], entries: 0, keep: [], prune: [] };
  return {
    push(stream, line) {
      if (!line.trim()) return [];
      if (stream === "stdout") return stdoutEvents(op, line, state);
      const json = tryParseJson(line);
      const events = json === undefined ? undefined : stderrEvents(op, json, state);
      return events ?? [{ type: "text", stream, text: line }];
    },
    finish() {
      if (op === "ls" && state.result) state.result.entries = state.entries;
      if (op === "prune") return { keep: state.keep, prune: state.prune } as BorgResults[K];
      return state.result as BorgResults[K] | undefined;
    },
  };
}

function stdoutEvents(op: BorgOperation, line: string, state: State): DriverEvent[] {
  if (DOCUMENT_OPS.has(op)) {
    state.stdout.push(line);
    if (line !== "}") return [];
    const doc = tryParseJson(state.stdout.join("\n"));
    if (doc === undefined) return [];
    state.stdout = [];
    return documentEvents(op, doc, state) ?? [{ type: "text", stream: "stdout", text: line }];
  }
  if (op === "ls") {
    const item = v.safeParse(ItemLineSchema, tryParseJson(line));
    if (item.success) {
      state.result ??= {};
      state.entries++;
      const i = item.output;
      const kind = i.type === "-"
        ? "file"
        : i.type === "d"
        ? "dir"
        : i.type === "l"
        ? "symlink"
        : "other";
      return [{
        type: "item",
        path: i.path,
        kind,
        size: i.size,
        mtime: i.mtime && borgTime(i.mtime),
      }];
    }
  }
  if (op === "version") {
    const m = /^borg (\d+\.\d+\.\d+\S*)/.exec(line);
    if (m) return (state.result = { version: m[1] }), [];
  }
  return [{ type: "text", stream: "stdout", text: line }];
}

function documentEvents(op: BorgOperation, doc: unknown, state: State): DriverEvent[] | undefined {
  if (op === "backup") {
    const out = v.safeParse(CreateOutputSchema, doc);
    if (!out.success) return undefined;
    const a = out.output.archive;
    const stats: BackupStats = {
      files: a.stats.nfiles,
      bytes: a.stats.original_size,
      bytesAdded: a.stats.deduplicated_size,
      bytesCompressed: a.stats.compressed_size,
      durationSeconds: a.duration,
    };
    state.result = { archive: { name: a.name, id: a.id, time: borgTime(a.start) }, stats };
    return [{ type: "summary", archive: a.name, stats }];
  }
  if (op === "snapshots") {
    const out = v.safeParse(ListOutputSchema, doc);
    if (!out.success) return undefined;
    const archives = out.output.archives.map((a) => ({
      name: a.name,
      id: a.id,
      time: borgTime(a.start ?? a.time),
    }));
    return (state.result = { archives }), [];
  }
  const out = v.safeParse(InfoOutputSchema, doc);
  if (!out.success) return undefined;
  const s = out.output.cache.stats;
  state.result = {
    originalSize: s.total_size,
    compressedSize: s.total_csize,
    deduplicatedSize: s.unique_csize,
    uniqueChunks: s.total_unique_chunks,
    totalChunks: s.total_chunks,
    deduplicationRatio: s.unique_csize
      ? Math.round((s.total_size / s.unique_csize) * 100) / 100
      : 0,
  };
  return [];
}

function stderrEvents(op: BorgOperation, json: unknown, state: State): DriverEvent[] | undefined {
  const log = v.safeParse(LogMessageSchema, json);
  if (log.success) return logEvents(op, log.output, state);
  const archive = v.safeParse(ArchiveProgressSchema, json);
  if (archive.success) return archiveProgress(archive.output, state);
  const percent = v.safeParse(ProgressPercentSchema, json);
  if (percent.success) {
    const p = percent.output;
    if (p.finished) return [];
    const pct = p.total ? Math.round(((p.current ?? 0) / p.total) * 10000) / 100 : null;
    const phase = (p.message ?? p.msgid ?? "").replace(/\s+\d+(\.\d+)?%$/, "");
    return [{ type: "progress", percent: pct, phase }];
  }
  const message = v.safeParse(ProgressMessageSchema, json);
  if (message.success) {
    const m = message.output;
    return m.finished || !m.message ? [] : [{ type: "progress", percent: null, phase: m.message }];
  }
  const file = v.safeParse(FileStatusSchema, json);
  if (file.success) {
    return [{ type: "log", level: "debug", text: `${file.output.status} ${file.output.path}` }];
  }
  return undefined;
}

function archiveProgress(p: ArchiveProgress, state: State): DriverEvent[] {
  if (p.finished || p.original_size === undefined) return [];
  state.firstProgressTime ??= p.time;
  const elapsed = p.time - state.firstProgressTime;
  return [{
    type: "progress",
    percent: null,
    files: p.nfiles ?? 0,
    bytes: p.original_size,
    ...(elapsed >= 0.1 ? { throughput: Math.round(p.original_size / elapsed) } : {}),
    ...(p.path ? { currentFile: p.path } : {}),
  }];
}

const LEVELS: Record<string, LogLevel> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
  CRITICAL: "error",
};

function logEvents(op: BorgOperation, m: LogMessage, state: State): DriverEvent[] {
  const level = LEVELS[m.levelname] ?? "info";
  const id = m.msgid ?? undefined;
  if (op === "prune" && m.name === "borg.output.list") {
    const d = pruneDecision(m.message);
    if (d) (d.keep ? state.keep : state.prune).push(d.archive);
  }
  if (op === "check") checkVerdict(m.message, state);
  if (level === "warning") {
    const path = /^(.+?): [\w ]+: \[Errno/.exec(m.message)?.[1];
    return [{ type: "warning", text: m.message.trim(), ...(path ? { path } : {}) }];
  }
  if (level === "error") return [{ type: "error", text: m.message.trim(), ...(id ? { id } : {}) }];
  return [{ type: "log", level, text: m.message.trim(), ...(id ? { id } : {}) }];
}

/** borg check says "… complete, no problems found." or "… problems found." / "N errors found". */
function checkVerdict(message: string, state: State): void {
  if (/no problems found/i.test(message)) state.result ??= { problemsFound: false };
  else if (/problems found|\d+ errors? found/i.test(message)) {
    state.result = { problemsFound: true };
  }
}
