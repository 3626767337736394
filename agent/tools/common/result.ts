/**
 * What a driver run returns, and the typed error a caller can turn a failed run into. Kept
 * tool-neutral so the runner handles restic, borg and a later borg 2 the same way.
 */

export type FailureCode =
  | "wrong_password"
  | "locked"
  | "repo_missing"
  | "disk_full"
  | "unreachable"
  | "permission_denied"
  | "wrong_engine"
  | "append_only"
  | "unknown";

/** A failure in plain words, for the job page; the raw tail stays one click away. */
export interface FailureExplanation {
  code: FailureCode;
  message: string;
}

export type RunStatus = "ok" | "warning" | "failed" | "cancelled";

/** What one exit code of a tool means; each tool's table lives in its exit_codes.ts. */
export interface ExitMeaning {
  status: Exclude<RunStatus, "cancelled">;
  meaning: string;
}

export interface LockCleanup {
  /** What was run after a forced kill: restic unlock, borg break-lock, or nothing. */
  action: "unlock" | "break-lock" | "none";
  ok: boolean;
  detail: string;
}

export interface RunResult<R> {
  tool: string;
  operation: string;
  status: RunStatus;
  /** The tool's exit code; null when it was killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  /** The operation's parsed output, when the tool produced it (even on warning or failure). */
  result?: R;
  /** Set when status is "failed". */
  failure?: FailureExplanation;
  /** Set when status is "warning": what was incomplete, in plain words. */
  warning?: string;
  /** The last ~16 KiB of output, redacted. */
  tail: string;
  /** The command line, redacted. */
  command: string;
  durationMs: number;
  timedOut: boolean;
  /** True when the graceful stop did not end the tool and it was killed. */
  forcedKill: boolean;
  lockCleanup?: LockCleanup;
}

/** A failed tool run as an exception, for callers that prefer throwing. */
export class ToolError extends Error {
  readonly exitCode: number | null;
  readonly tail: string;
  readonly command: string;
  readonly failure: FailureExplanation;

  constructor(result: RunResult<unknown>) {
    const failure = result.failure ?? { code: "unknown", message: `${result.tool} failed` };
    super(`${result.tool} ${result.operation} failed: ${failure.message}`);
    this.name = "ToolError";
    this.exitCode = result.exitCode;
    this.tail = result.tail;
    this.command = result.command;
    this.failure = failure;
  }
}

/** Returns the parsed result of a successful (or warning) run; throws ToolError otherwise. */
export function resultOrThrow<R>(run: RunResult<R>): R | undefined {
  if (run.status === "failed" || run.status === "cancelled") throw new ToolError(run);
  return run.result;
}

/** Thrown before anything runs when the options cannot make a valid command. */
export class InvalidOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidOptionsError";
  }
}
