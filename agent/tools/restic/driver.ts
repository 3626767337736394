/**
 * The restic driver: `createResticDriver(config).run(operation, options, control)` runs one
 * restic command and returns a RunResult (status, exit code, parsed result, plain-words
 * failure, redacted tail). The password and any backend credentials go to the child's
 * environment at exec time only. restic runs with TZ=UTC (so `--time` and lock times are
 * UTC) and RESTIC_PROGRESS_FPS (4 by default: frequent progress, cheap to parse).
 *
 * After a forced kill restic leaves its lock behind; the driver then runs `restic unlock`,
 * which removes only stale locks (ours: same host, dead process), and reports it.
 */
import { type SpawnProcess, spawnProcess, wrapByteSink } from "../../platform/process.ts";
import { quoteArg } from "../common/redact.ts";
import { probeRepositoryEngine, type ReadSmallFile, readSmallFile } from "../common/repo_probe.ts";
import { baseResult, earlyOutcome, redactFailure } from "../common/outcome.ts";
import type { LockCleanup, RunResult } from "../common/result.ts";
import {
  type Clock,
  type RunControl,
  runTool,
  type ToolCommand,
  type ToolRun,
} from "../common/run_tool.ts";
import { buildResticArgs, type ResticOperation, type ResticOptions } from "./args.ts";
import { explainFailure, fatalLine, resticExitMeaning } from "./exit_codes.ts";
import { createResticParser, type ResticResults } from "./parser.ts";
import { needsSftpProbe, probeSftp } from "./sftp_probe.ts";
import { type RepositoryAccess, repositoryAccess, type ResticRepository } from "./repository.ts";

export interface ResticConfig {
  repository: ResticRepository;
  password: string;
  /** The restic binary (default "restic" on PATH). */
  binary?: string;
  /** RESTIC_CACHE_DIR; without it restic uses ~/.cache/restic. */
  cacheDir?: string;
  /** Progress lines per second during backup and restore (default 4). */
  progressFps?: number;
  /** Run restic through these first, e.g. ["nice", "-n", "10"] or ["ionice", "-c3"]. */
  commandPrefix?: string[];
  /** Names copied from the agent's environment (default PATH and HOME). */
  inheritEnv?: string[];
}

export interface ResticDriverDeps {
  spawn?: SpawnProcess;
  clock?: Clock;
  readFile?: ReadSmallFile;
}

export interface ResticDriver {
  run<K extends ResticOperation>(
    operation: K,
    options: ResticOptions[K],
    control?: RunControl,
  ): Promise<RunResult<ResticResults[K]>>;
}

const UNLOCK_TIMEOUT_MS = 60_000;

export function createResticDriver(
  config: ResticConfig,
  deps: ResticDriverDeps = {},
): ResticDriver {
  const spawn = deps.spawn ?? spawnProcess;
  const clock = deps.clock ?? { now: () => Date.now() };
  const read = deps.readFile ?? readSmallFile;
  const access = () => repositoryAccess(config.repository);

  async function execute<K extends ResticOperation>(
    op: K,
    options: ResticOptions[K],
    control: RunControl,
  ): Promise<RunResult<ResticResults[K]>> {
    const repo = access();
    let dumpedBytes = 0;
    if (op === "dump") {
      const sink = (options as ResticOptions["dump"]).output;
      const counted = (c: Uint8Array) => (dumpedBytes += c.length, sink(c));
      options = { ...options, output: wrapByteSink(sink, counted) };
    }
    const onStart = control.onStart;
    if (onStart) control = { ...control, onStart: (c) => onStart(shownCommand(repo, c)) };
    const run = await runTool(commandFor(config, { repo, op, options }), control, { spawn, clock });
    const result = toRunResult(op, run, repo);
    if (op === "dump" && result.status === "ok") {
      result.result = { bytes: dumpedBytes } as ResticResults[K];
    }
    if (result.status === "failed" && !run.stoppedFor && !run.timedOut && !run.startError) {
      const lines = run.tail.rawLines();
      if (needsSftpProbe(config.repository, lines)) {
        const probed = await probeSftp(config.repository, spawn);
        lines.push(...probed);
        result.tail = run.redactor.redact([result.tail, ...probed].join("\n"));
      }
      const failure = explainFailure({
        exitCode: run.exit?.code ?? null,
        lines,
        facts: { engine: await probeLocal(config.repository, read) },
      });
      result.failure = redactFailure(failure, run);
    }
    if (run.forcedKill && op !== "unlock") result.lockCleanup = await unlockAfterKill();
    return result;
  }

  async function unlockAfterKill(): Promise<LockCleanup> {
    const r = await execute("unlock", {}, { timeoutMs: UNLOCK_TIMEOUT_MS });
    const detail = r.status === "ok"
      ? "restic was killed; its stale lock was removed with restic unlock"
      : `restic was killed; restic unlock failed: ${r.failure?.message ?? r.status}`;
    return { action: "unlock", ok: r.status === "ok", detail };
  }

  return { run: (op, options, control = {}) => execute(op, options, control) };
}

function commandFor<K extends ResticOperation>(
  config: ResticConfig,
  { repo, op, options }: { repo: RepositoryAccess; op: K; options: ResticOptions[K] },
): ToolCommand<ResticResults[K]> {
  const binary = config.binary ?? "restic";
  const prefix = config.commandPrefix ?? [];
  const env: Record<string, string> = {
    ...repo.env,
    RESTIC_PASSWORD: config.password,
    RESTIC_PROGRESS_FPS: String(config.progressFps ?? 4),
    TZ: "UTC",
  };
  if (config.cacheDir) env.RESTIC_CACHE_DIR = config.cacheDir;
  const args = [...repo.args, ...buildResticArgs(op, options)];
  const cmd: ToolCommand<ResticResults[K]> = {
    tool: "restic",
    operation: op,
    binary: prefix[0] ?? binary,
    args: prefix.length ? [...prefix.slice(1), binary, ...args] : args,
    env,
    inheritEnv: config.inheritEnv,
    secrets: [config.password, ...repo.secrets],
    parser: createResticParser(op),
    fatalLine,
  };
  if (op === "dump") cmd.stdoutBytes = (options as ResticOptions["dump"]).output;
  // ls with an output: the listing's lines go out as bytes, never parsed or held here.
  if (op === "ls") cmd.stdoutBytes = (options as ResticOptions["ls"]).output;
  return cmd;
}

function toRunResult<K extends ResticOperation>(
  op: K,
  run: ToolRun<ResticResults[K]>,
  repo: RepositoryAccess,
): RunResult<ResticResults[K]> {
  const shown = shownCommand(repo, run.command);
  const base = baseResult(run, { tool: "restic", operation: op, command: shown });
  const early = earlyOutcome(run, {
    tool: "restic",
    explain: (lines) => explainFailure({ exitCode: null, lines }),
  });
  if (early) return { ...base, ...early };
  const meaning = resticExitMeaning(run.exit?.code ?? null);
  base.status = meaning.status;
  if (meaning.status === "warning") base.warning = warningText(run);
  return base;
}

/** The command as people see it: where the repository is, then restic's arguments. */
function shownCommand(repo: RepositoryAccess, command: string): string {
  return `RESTIC_REPOSITORY=${quoteArg(repo.display)} ${command}`;
}

function warningText(run: ToolRun<unknown>): string {
  const r = run.result as ResticResults["backup"] | undefined;
  const n = r?.unreadableFiles ?? 0;
  const what = n === 1 ? "1 file or folder" : `${n || "some"} files or folders`;
  return `The snapshot${
    r?.snapshotId ? ` ${r.snapshotId}` : ""
  } was made, but ${what} could not be read.`;
}

async function probeLocal(
  repo: ResticRepository,
  read: ReadSmallFile,
): Promise<"restic" | "borg" | "none" | undefined> {
  return repo.kind === "local" ? await probeRepositoryEngine(repo.path, read) : undefined;
}
