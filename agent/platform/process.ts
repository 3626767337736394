/**
 * The agent's one process-spawning seam. Tool drivers receive a `SpawnProcess` function and
 * never touch Deno.Command or node:child_process themselves, so tests can pass the real one
 * and the runtime question stays in this file.
 *
 * Under Deno we use Deno.Command: Deno's node:child_process reports the signal it sent instead
 * of the child's real exit code on 'exit', and the drivers need the real code (restic exits
 * 130 after a graceful SIGINT, borg 2); it also keeps the Node compatibility layer out of an
 * idle agent. Under Node we use node:child_process, loaded only there (Node ≥ 20.16's
 * process.getBuiltinModule), which reports both correctly. Children start in their own process group (`newProcessGroup`), so a forced
 * kill can take the tool's helpers (ssh) with it.
 *
 * Output is read as it comes: stderr always line by line; stdout line by line or as raw bytes
 * (restic dump, borg extract --stdout), with backpressure when the byte sink returns a promise.
 * A byte sink marked with `lendingChunks()` is lent one reused buffer instead of a fresh chunk
 * per read: a download's gigabytes then cost no allocation (nor garbage collection) per read.
 * Under Deno a byte stdout's pipe is enlarged to 1 MiB (pipe_size.ts), so the tool writes ahead.
 * `exited` settles only after both streams are drained, so no line arrives after it.
 */
import type { spawn as NodeSpawn } from "node:child_process";
import {
  createLineSplitter,
  drain,
  DRAIN_GRACE_MS,
  lineSink,
  type Pump,
  pump,
} from "./process_lines.ts";
import { enlargeStdoutPipe, PIPE_BYTES } from "./pipe_size.ts";

export type StreamName = "stdout" | "stderr";
export type KillSignal = "SIGINT" | "SIGTERM" | "SIGKILL";

const LENT = Symbol("cairn.lentChunks");
type ByteSink = (chunk: Uint8Array) => void | Promise<void>;

/**
 * Marks a byte sink that copies what it keeps: each chunk it gets is valid only until it
 * returns (or its promise settles), after which the buffer is read into again.
 */
export function lendingChunks<S extends ByteSink>(sink: S): S {
  return Object.assign(sink, { [LENT]: true });
}

/** Whether `sink` was marked with `lendingChunks()`. */
const lendsChunks = (sink: ByteSink | undefined): boolean => !!sink && LENT in sink;

/** `wrapper`, a sink that passes each chunk on to `sink` uncopied, marked as `sink` is. */
export function wrapByteSink<S extends ByteSink>(sink: ByteSink, wrapper: S): S {
  return lendsChunks(sink) ? lendingChunks(wrapper) : wrapper;
}

/** How much one read of a lent stdout asks for: a byte stdout's pipe is enlarged to this. */
const LENT_READ_BYTES = PIPE_BYTES;

export interface SpawnOptions {
  args: string[];
  /** Variables set for the child on top of `inheritEnv`; secrets go here, at exec time only. */
  env?: Record<string, string>;
  /** Names copied from this process's environment (default: PATH and HOME only). */
  inheritEnv?: string[];
  cwd?: string;
  /** "lines" (default) feeds stdout to onLine; "bytes" to onStdoutBytes; "ignore" drops it. */
  stdout?: "lines" | "bytes" | "ignore";
  onLine?: (stream: StreamName, line: string) => void;
  onStdoutBytes?: (chunk: Uint8Array) => void | Promise<void>;
  /** Start the child as the leader of a new process group (setsid). */
  newProcessGroup?: boolean;
}

export interface ExitStatus {
  /** The exit code, or null when the child was ended by a signal it did not handle. */
  code: number | null;
  signal: string | null;
}

export interface ChildHandle {
  pid: number;
  /** Settles after the child exited and its output was fully delivered. */
  exited: Promise<ExitStatus>;
  /** Sends a signal to the child, or to its whole process group. Ignored once it has exited. */
  kill(signal: KillSignal, opts?: { group?: boolean }): void;
}

export type SpawnProcess = (command: string, options: SpawnOptions) => ChildHandle;

/** The program could not be started at all (not installed, not executable, bad cwd). */
export class ProcessStartError extends Error {
  constructor(
    readonly command: string,
    readonly reason: "not_found" | "permission_denied" | "no_working_dir" | "other",
    cause: unknown,
  ) {
    super(`Cannot start ${command}: ${startReasonText(reason, cause)}`, { cause });
    this.name = "ProcessStartError";
  }
}

function startReasonText(reason: ProcessStartError["reason"], cause: unknown): string {
  if (reason === "not_found") return "not installed or not on PATH";
  if (reason === "permission_denied") return "not executable";
  if (reason === "no_working_dir") return "its working directory does not exist";
  return cause instanceof Error ? cause.message : String(cause);
}

export const DEFAULT_INHERITED_ENV = ["PATH", "HOME"];
/** Spawns with Deno.Command under Deno, node:child_process under Node. */
export const spawnProcess: SpawnProcess = (command, options) =>
  deno() ? startDenoProcess(command, options) : startNodeProcess(command, options);

/** The environment a child gets: the inherited names, then the explicit variables. */
export function childEnv(
  options: SpawnOptions,
  read: (name: string) => string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of options.inheritEnv ?? DEFAULT_INHERITED_ENV) {
    const value = read(name);
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...options.env };
}

type Sink = {
  line: (stream: StreamName, line: string) => void;
  bytes?: SpawnOptions["onStdoutBytes"];
};

function sinkOf(options: SpawnOptions): Sink {
  const onLine = options.onLine ?? (() => {});
  return { line: onLine, bytes: options.onStdoutBytes };
}

const deno = () => (globalThis as { Deno?: typeof Deno }).Deno;

/** A Node built-in module, loaded only when running under Node. */
function nodeBuiltin<T>(name: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  if (!proc?.getBuiltinModule) throw new Error("The agent needs Deno 2 or Node 20.16 or newer");
  return proc.getBuiltinModule(name) as T;
}

function dirExists(path: string): boolean {
  const d = deno();
  if (!d) return nodeBuiltin<{ existsSync(p: string): boolean }>("node:fs").existsSync(path);
  try {
    return d.statSync(path).isDirectory;
  } catch {
    return false; // missing or unreadable: either way the child could not start there
  }
}

/** Both runtimes report a missing working directory like a missing program; tell them apart. */
function startReason(err: unknown, cwd: string | undefined): ProcessStartError["reason"] {
  const code = (err as { code?: string })?.code;
  const name = (err as { name?: string })?.name;
  if ((name === "NotFound" || code === "ENOENT") && cwd && !dirExists(cwd)) {
    return "no_working_dir";
  }
  if (name === "NotFound" || code === "ENOENT") return "not_found";
  if (name === "PermissionDenied" || code === "EACCES") return "permission_denied";
  return "other";
}

function startDenoProcess(command: string, options: SpawnOptions): ChildHandle {
  const mode = options.stdout ?? "lines";
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args: options.args,
      cwd: options.cwd,
      clearEnv: true,
      env: childEnv(options, (name) => Deno.env.get(name)),
      stdin: "null",
      stdout: mode === "ignore" ? "null" : "piped",
      stderr: "piped",
      detached: options.newProcessGroup ?? false,
    }).spawn();
  } catch (err) {
    const failed = Promise.reject(
      new ProcessStartError(command, startReason(err, options.cwd), err),
    );
    return { pid: 0, exited: failed, kill: () => {} };
  }
  const sink = sinkOf(options);
  const stderr = lineSink((l) => sink.line("stderr", l));
  const stdout = lineSink((l) => sink.line("stdout", l));
  const pumps = [pump(child.stderr, stderr.chunk)];
  if (mode === "lines") pumps.push(pump(child.stdout, stdout.chunk));
  if (mode === "bytes") {
    enlargeStdoutPipe(child.pid);
    const bytes = sink.bytes ?? (() => {});
    pumps.push(lendsChunks(sink.bytes) ? lentPump(child.stdout, bytes) : pump(child.stdout, bytes));
  }
  let done = false;
  const status = child.status.finally(() => (done = true));
  const exited = drain(status, pumps).then(async () => {
    stderr.end();
    stdout.end();
    const s = await status;
    return { code: s.signal ? null : s.code, signal: s.signal ?? null };
  });
  return {
    pid: child.pid,
    exited,
    kill(signal, opts) {
      if (done) return;
      try {
        if (opts?.group) Deno.kill(-child.pid, signal);
        else child.kill(signal);
      } catch (err) {
        // The child can exit between the check and the signal (Deno then says NotFound, or
        // "Child process has already terminated"); that race is not an error, and throwing
        // here (often from an abort listener) would take the whole agent down.
        const gone = err instanceof Deno.errors.NotFound ||
          (err instanceof TypeError && /already terminated/.test(err.message));
        if (!gone) throw err;
      }
    },
  };
}

/** Like `pump`, but every read goes into the same buffer, lent to `onChunk` until it settles. */
function lentPump(stream: ReadableStream<Uint8Array>, onChunk: ByteSink): Pump {
  const reader = stream.getReader({ mode: "byob" });
  const done = (async () => {
    let buffer = new ArrayBuffer(LENT_READ_BYTES);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done || !value) return;
      // A read hands the buffer back as a new object (the old one is detached): keep that one.
      buffer = value.buffer as ArrayBuffer;
      if (value.byteLength) await onChunk(value);
    }
  })();
  return {
    done,
    stop: () =>
      void reader.cancel().catch(() => {
        // Cancelling an already closed or errored stream has nothing left to release.
      }),
  };
}

function startNodeProcess(command: string, options: SpawnOptions): ChildHandle {
  const mode = options.stdout ?? "lines";
  const { spawn } = nodeBuiltin<{ spawn: typeof NodeSpawn }>("node:child_process");
  const child = spawn(command, options.args, {
    cwd: options.cwd,
    env: childEnv(options, (name) => process.env[name]),
    stdio: ["ignore", mode === "ignore" ? "ignore" : "pipe", "pipe"],
    detached: options.newProcessGroup ?? false,
  });
  const output = readNodeOutput(child, options);
  let done = false;
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    child.once("error", (err) => {
      done = true;
      reject(new ProcessStartError(command, startReason(err, options.cwd), err));
    });
    child.once("exit", () => {
      done = true;
      const timer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, DRAIN_GRACE_MS);
      child.once("close", () => clearTimeout(timer));
    });
    child.once("close", (code, signal) => {
      done = true;
      const sinkError = output.end();
      if (sinkError) reject(sinkError);
      else resolve({ code: signal ? null : code, signal: signal ?? null });
    });
  });
  return {
    pid: child.pid ?? 0,
    exited,
    kill(signal, opts) {
      if (done || !child.pid) return;
      try {
        if (opts?.group) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch (err) {
        // The child can exit between the check and the signal; that race is not an error.
        if ((err as { code?: string }).code !== "ESRCH") throw err;
      }
    },
  };
}

/** Wires a Node child's pipes to the sinks; `end()` flushes and returns a byte-sink failure. */
function readNodeOutput(child: ReturnType<typeof NodeSpawn>, options: SpawnOptions) {
  const sink = sinkOf(options);
  let sinkError: unknown;
  const stderr = createLineSplitter((l) => sink.line("stderr", l));
  child.stderr?.setEncoding("utf8").on("data", (text: string) => stderr.push(text));
  const stdout = createLineSplitter((l) => sink.line("stdout", l));
  const mode = options.stdout ?? "lines";
  if (mode === "lines") child.stdout?.setEncoding("utf8").on("data", (t: string) => stdout.push(t));
  if (mode === "bytes") {
    child.stdout?.on("data", (chunk: Uint8Array) => {
      const pending = sink.bytes?.(chunk);
      if (!(pending instanceof Promise)) return;
      child.stdout?.pause();
      pending.then(() => child.stdout?.resume(), (err) => {
        sinkError ??= err;
        child.stdout?.resume();
      });
    });
  }
  return {
    end(): unknown {
      stderr.end();
      stdout.end();
      return sinkError;
    },
  };
}
