/**
 * The loop every driver shares: start the tool through the process seam, feed each line to
 * the operation's parser and the output tail, pass events on redacted, and stop the tool when
 * asked, when it runs out of time, or when a line says it can never succeed (restic retrying
 * a refused delete for 40 s). Stopping is graceful first (SIGINT to the tool, so restic and
 * borg roll back and release their locks), then forceful (SIGKILL to its process group).
 *
 * What the exit code means is not decided here: the tool's exit-code table does that.
 */
import type { ExitStatus, ProcessStartError, SpawnProcess } from "../../platform/process.ts";
import type { DriverEvent, LineParser } from "./events.ts";
import { createRedactor, formatCommand, type TextRedactor } from "./redact.ts";
import type { FailureExplanation } from "./result.ts";
import { createOutputTail, type OutputTail } from "./tail.ts";

export const DEFAULT_GRACE_MS = 15_000;

export interface ToolCommand<R> {
  tool: string;
  operation: string;
  binary: string;
  args: string[];
  /** The tool's variables, secrets included: given to the child only, never printed. */
  env: Record<string, string>;
  inheritEnv?: string[];
  cwd?: string;
  /** Values to mask in everything that leaves the driver. */
  secrets: Array<string | undefined>;
  parser: LineParser<R>;
  /** When set, stdout is raw data (restic dump, borg extract --stdout) sent here. */
  stdoutBytes?: (chunk: Uint8Array) => void | Promise<void>;
  /** A line that means the run cannot succeed, however long the tool would keep retrying. */
  fatalLine?: (line: string) => FailureExplanation | undefined;
}

/** What the caller controls about one run. */
export interface RunControl {
  signal?: AbortSignal;
  onEvent?: (event: DriverEvent) => void;
  /** Called once the tool has started, with its command line (redacted). */
  onStart?: (command: string) => void;
  /** Stop the tool (gracefully, then forcefully) after this long; the run then fails. */
  timeoutMs?: number;
  /** How long a graceful stop may take before the tool is killed (default 15 s). */
  graceMs?: number;
}

export interface Clock {
  now(): number;
}

export interface RunDeps {
  spawn: SpawnProcess;
  clock: Clock;
}

export interface ToolRun<R> {
  exit?: ExitStatus;
  startError?: ProcessStartError;
  pid: number;
  cancelled: boolean;
  timedOut: boolean;
  forcedKill: boolean;
  /** Set when a fatal line made the driver stop the tool early. */
  stoppedFor?: FailureExplanation;
  result?: R;
  /** How many warning events the run produced. */
  warnings: number;
  tail: OutputTail;
  command: string;
  durationMs: number;
  redactor: TextRedactor;
}

type StopReason = "cancel" | "timeout" | "fatal";

export async function runTool<R>(
  cmd: ToolCommand<R>,
  control: RunControl,
  deps: RunDeps,
): Promise<ToolRun<R>> {
  const started = deps.clock.now();
  const run = newRun(cmd);
  if (control.signal?.aborted) {
    run.cancelled = true;
    return run;
  }
  const emit = createEmitter(control.onEvent, run.redactor);
  const child = deps.spawn(cmd.binary, {
    args: cmd.args,
    env: cmd.env,
    inheritEnv: cmd.inheritEnv,
    cwd: cmd.cwd,
    newProcessGroup: true,
    stdout: cmd.stdoutBytes ? "bytes" : "lines",
    onStdoutBytes: cmd.stdoutBytes,
    onLine: (stream, line) => {
      // Lines arrive asynchronously, after `stopper` below exists.
      if (handleLine(cmd, { run, emit, stream, line })) stopper.stop("fatal");
    },
  });
  run.pid = child.pid;
  control.onStart?.(run.command);
  const stopper = createStopper(child, { run, graceMs: control.graceMs ?? DEFAULT_GRACE_MS });
  const stop = stopper.stop;
  const onAbort = () => stop("cancel");
  control.signal?.addEventListener("abort", onAbort, { once: true });
  const timeout = control.timeoutMs === undefined
    ? undefined
    : setTimeout(() => stop("timeout"), control.timeoutMs);
  try {
    run.exit = await child.exited;
  } catch (err) {
    if ((err as Error)?.name !== "ProcessStartError") throw err;
    run.startError = err as ProcessStartError;
  } finally {
    clearTimeout(timeout);
    stopper.dispose();
    control.signal?.removeEventListener("abort", onAbort);
  }
  run.result = cmd.parser.finish();
  run.durationMs = Math.max(0, deps.clock.now() - started);
  emit.rethrow();
  return run;
}

function newRun<R>(cmd: ToolCommand<R>): ToolRun<R> {
  const redactor = createRedactor(cmd.secrets);
  return {
    pid: 0,
    cancelled: false,
    timedOut: false,
    forcedKill: false,
    warnings: 0,
    tail: createOutputTail(redactor),
    command: formatCommand(cmd.binary, cmd.args, redactor),
    durationMs: 0,
    redactor,
  };
}

/** Feeds one line to the tail and the parser; true when it is a fatal line (stop the tool). */
function handleLine<R>(
  cmd: ToolCommand<R>,
  { run, emit, stream, line }: {
    run: ToolRun<R>;
    emit: ReturnType<typeof createEmitter>;
    stream: "stdout" | "stderr";
    line: string;
  },
): boolean {
  run.tail.add(line);
  for (const event of cmd.parser.push(stream, line)) {
    if (event.type === "warning") run.warnings++;
    emit.send(event);
  }
  const fatal = stream === "stderr" ? cmd.fatalLine?.(line) : undefined;
  if (!fatal || run.stoppedFor) return false;
  run.stoppedFor = { code: fatal.code, message: run.redactor.redact(fatal.message) };
  return true;
}

function createStopper(
  child: { kill(signal: "SIGINT" | "SIGKILL", opts?: { group?: boolean }): void },
  { run, graceMs }: { run: ToolRun<unknown>; graceMs: number },
) {
  let force: ReturnType<typeof setTimeout> | undefined;
  let stopping = false;
  return {
    stop(reason: StopReason) {
      if (reason === "cancel") run.cancelled = true;
      if (reason === "timeout") run.timedOut = true;
      if (stopping) return;
      stopping = true;
      child.kill("SIGINT");
      force = setTimeout(() => {
        run.forcedKill = true;
        child.kill("SIGKILL", { group: true });
      }, graceMs);
    },
    dispose: () => clearTimeout(force),
  };
}

/** Passes events on, redacted; a throwing callback is reported after the tool has ended. */
function createEmitter(onEvent: RunControl["onEvent"], redactor: TextRedactor) {
  let failure: { error: unknown } | undefined;
  return {
    send(event: DriverEvent) {
      if (!onEvent || failure) return;
      try {
        onEvent(redactEvent(event, redactor));
      } catch (error) {
        failure = { error };
      }
    },
    rethrow() {
      if (failure) throw failure.error;
    },
  };
}

function redactEvent(event: DriverEvent, redactor: TextRedactor): DriverEvent {
  if ("text" in event) return { ...event, text: redactor.redact(event.text) };
  return event;
}
