/**
 * What a tool driver tells its caller while a command runs: one small tagged union shared by
 * the restic and borg drivers (and a later borg 2 sibling). The runner maps these to contract
 * messages; the drivers know nothing about the server.
 *
 * Every text field has already been through the run's redactor. Percent is 0–100.
 */

export type LogLevel = "debug" | "info" | "warning" | "error";

export interface ProgressEvent {
  type: "progress";
  /** 0–100, or null when the tool does not know the total (borg create). */
  percent: number | null;
  files?: number;
  totalFiles?: number;
  bytes?: number;
  totalBytes?: number;
  /** Bytes per second, averaged since the operation started, from the tool's own clock. */
  throughput?: number;
  etaSeconds?: number;
  currentFile?: string;
  /** What the tool is doing when it is not copying files ("Checking segments", …). */
  phase?: string;
}

export interface LogEvent {
  type: "log";
  level: LogLevel;
  text: string;
  /** The tool's own message id where it has one (borg's msgid). */
  id?: string;
}

/** A problem that does not stop the run (a file that could not be read). */
export interface WarningEvent {
  type: "warning";
  text: string;
  path?: string;
}

/** A problem the tool reported as an error; the run usually fails after it. */
export interface ErrorEvent {
  type: "error";
  text: string;
  id?: string;
}

export interface BackupStats {
  filesNew?: number;
  filesChanged?: number;
  filesUnmodified?: number;
  /** Files and bytes the backup looked at. */
  files: number;
  bytes: number;
  /** Bytes added to the repository (after deduplication and, for borg, compression). */
  bytesAdded: number;
  bytesCompressed?: number;
  durationSeconds: number;
}

/** The end of a backup: what was made and what it cost. */
export interface SummaryEvent {
  type: "summary";
  snapshotId?: string;
  archive?: string;
  stats: BackupStats;
}

/** One entry of a listing (restic ls, borg list --json-lines), streamed, not collected. */
export interface ItemEvent {
  type: "item";
  path: string;
  kind: "file" | "dir" | "symlink" | "other";
  size?: number;
  mtime?: string;
}

/** A line the parser did not recognise; kept, never an exception. */
export interface TextEvent {
  type: "text";
  stream: "stdout" | "stderr";
  text: string;
}

export type DriverEvent =
  | ProgressEvent
  | LogEvent
  | WarningEvent
  | ErrorEvent
  | SummaryEvent
  | ItemEvent
  | TextEvent;

/**
 * A line parser for one run of one operation: it turns lines into events as they come and
 * builds the operation's result from what it saw.
 */
export interface LineParser<R> {
  push(stream: "stdout" | "stderr", line: string): DriverEvent[];
  /** The parsed result, once the process ended (undefined when the tool produced none). */
  finish(): R | undefined;
}

/** Removes terminal escape sequences (restic writes "\x1b[2K" even when not on a terminal). */
export function stripAnsi(line: string): string {
  // deno-lint-ignore no-control-regex
  return line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

/** JSON.parse that returns undefined instead of throwing, for lines that may be anything. */
export function tryParseJson(line: string): unknown {
  const t = line.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined; // not JSON after all: the caller turns it into a text event
  }
}
