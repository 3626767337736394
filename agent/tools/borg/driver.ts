/**
 * The borg 1.2 driver: `createBorgDriver(config).run(operation, options, control)` runs one
 * borg command and returns a RunResult. The passphrase goes to BORG_PASSPHRASE at exec time
 * only. borg runs with a UTF-8 locale, TZ=UTC (its JSON times carry no zone; see events.ts),
 * its own BORG_BASE_DIR (keys, security records, cache: persistent, one per agent), and
 * answers to every prompt fixed in advance so it never waits on a closed stdin.
 *
 * After a forced kill the driver breaks the lock only when it is provably ours: a local
 * repository whose lock.roster names the killed process on this host. Over SSH the lock is
 * held by `borg serve` on the server, which releases it when the connection drops.
 */
import { hostName } from "../../platform/host_name.ts";
import { type SpawnProcess, spawnProcess, wrapByteSink } from "../../platform/process.ts";
import { baseResult, earlyOutcome, redactFailure } from "../common/outcome.ts";
import {
  probeRepositoryEngine,
  readBorgLockHolders,
  type ReadSmallFile,
  readSmallFile,
} from "../common/repo_probe.ts";
import type { LockCleanup, RunResult } from "../common/result.ts";
import {
  type Clock,
  type RunControl,
  runTool,
  type ToolCommand,
  type ToolRun,
} from "../common/run_tool.ts";
import { type BorgOperation, type BorgOptions, buildBorgArgs } from "./args.ts";
import { borgExitMeaning, explainFailure, type FailureInput } from "./exit_codes.ts";
import { type BorgResults, createBorgParser } from "./parser.ts";
import {
  type BorgRepository,
  type BorgRepositoryAccess,
  borgRepositoryAccess,
} from "./repository.ts";

export interface BorgConfig {
  repository: BorgRepository;
  passphrase: string;
  /** BORG_BASE_DIR: where borg keeps keys, security records and (by default) its cache. */
  baseDir: string;
  /** BORG_CACHE_DIR, when the cache should live elsewhere (a bigger disk). */
  cacheDir?: string;
  binary?: string;
  /** Run borg through these first, e.g. ["nice", "-n", "10"]. */
  commandPrefix?: string[];
  inheritEnv?: string[];
  /** How long borg waits for a lock before failing (borg's default: 1 s). */
  lockWaitSeconds?: number;
  /** Accept a repository whose location changed since last use (default true: the appliance owns the location). */
  relocatedRepoAccessIsOk?: boolean;
}

export interface BorgDriverDeps {
  spawn?: SpawnProcess;
  clock?: Clock;
  readFile?: ReadSmallFile;
  hostname?: () => string;
}

export interface BorgDriver {
  run<K extends BorgOperation>(
    operation: K,
    options: BorgOptions[K],
    control?: RunControl,
  ): Promise<RunResult<BorgResults[K]>>;
}

const BREAK_LOCK_TIMEOUT_MS = 60_000;

export function createBorgDriver(config: BorgConfig, deps: BorgDriverDeps = {}): BorgDriver {
  const spawn = deps.spawn ?? spawnProcess;
  const clock = deps.clock ?? { now: () => Date.now() };
  const read = deps.readFile ?? readSmallFile;
  const hostname = deps.hostname ?? hostName;

  async function execute<K extends BorgOperation>(
    op: K,
    options: BorgOptions[K],
    control: RunControl,
  ): Promise<RunResult<BorgResults[K]>> {
    const repo = borgRepositoryAccess(config.repository);
    let dumpedBytes = 0;
    if (op === "dump") {
      const sink = (options as BorgOptions["dump"]).output;
      const counted = (c: Uint8Array) => (dumpedBytes += c.length, sink(c));
      options = { ...options, output: wrapByteSink(sink, counted) };
    }
    const run = await runTool(commandFor(config, { repo, op, options }), control, { spawn, clock });
    const result = toRunResult(op, run);
    if (op === "dump" && result.status === "ok") {
      result.result = { bytes: dumpedBytes } as BorgResults[K];
    }
    if (result.status === "failed" && !run.stoppedFor && !run.timedOut && !run.startError) {
      const facts = await localFacts(config.repository, read);
      const failure = explainFailure({
        exitCode: run.exit?.code ?? null,
        lines: run.tail.rawLines(),
        facts,
      });
      result.failure = redactFailure(failure, run);
    }
    if (run.forcedKill && op !== "breakLock") result.lockCleanup = await cleanLock(run.pid);
    return result;
  }

  async function cleanLock(killedPid: number): Promise<LockCleanup> {
    if (config.repository.kind !== "local") {
      const detail =
        "borg was killed; the server's borg serve releases its lock when the connection drops";
      return { action: "none", ok: true, detail };
    }
    const holders = await readBorgLockHolders(config.repository.path, read);
    const ours = holders.some((h) => h.host === hostname() && h.pid === killedPid);
    if (!ours) {
      const detail = holders.length
        ? "borg was killed; the lock left on the repository is not ours, so it was kept"
        : "borg was killed; it left no lock behind";
      return { action: "none", ok: true, detail };
    }
    const r = await execute("breakLock", {}, { timeoutMs: BREAK_LOCK_TIMEOUT_MS });
    const detail = r.status === "ok"
      ? "borg was killed; its lock was removed with borg break-lock"
      : `borg was killed; borg break-lock failed: ${r.failure?.message ?? r.status}`;
    return { action: "break-lock", ok: r.status === "ok", detail };
  }

  return { run: (op, options, control = {}) => execute(op, options, control) };
}

function commandFor<K extends BorgOperation>(
  config: BorgConfig,
  { repo, op, options }: { repo: BorgRepositoryAccess; op: K; options: BorgOptions[K] },
): ToolCommand<BorgResults[K]> {
  const binary = config.binary ?? "borg";
  const prefix = config.commandPrefix ?? [];
  const args = buildBorgArgs(op, options, {
    location: repo.location,
    lockWaitSeconds: config.lockWaitSeconds,
    repositoryArgs: repo.args,
  });
  const cmd: ToolCommand<BorgResults[K]> = {
    tool: "borg",
    operation: op,
    binary: prefix[0] ?? binary,
    args: prefix.length ? [...prefix.slice(1), binary, ...args] : args,
    env: borgEnv(config, repo),
    inheritEnv: config.inheritEnv,
    secrets: [config.passphrase, ...repo.secrets],
    parser: createBorgParser(op),
  };
  if (op === "restore") cmd.cwd = (options as BorgOptions["restore"]).target;
  if (op === "dump") cmd.stdoutBytes = (options as BorgOptions["dump"]).output;
  // ls with an output: the listing's lines go out as bytes, never parsed or held here.
  if (op === "ls") cmd.stdoutBytes = (options as BorgOptions["ls"]).output;
  return cmd;
}

function borgEnv(config: BorgConfig, repo: BorgRepositoryAccess): Record<string, string> {
  const env: Record<string, string> = {
    ...repo.env,
    BORG_PASSPHRASE: config.passphrase,
    BORG_BASE_DIR: config.baseDir,
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    TZ: "UTC",
    BORG_RELOCATED_REPO_ACCESS_IS_OK: config.relocatedRepoAccessIsOk === false ? "no" : "yes",
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: "no",
    BORG_DISPLAY_PASSPHRASE: "no",
    BORG_CHECK_I_KNOW_WHAT_I_AM_DOING: "NO",
    BORG_DELETE_I_KNOW_WHAT_I_AM_DOING: "NO",
  };
  if (config.cacheDir) env.BORG_CACHE_DIR = config.cacheDir;
  return env;
}

function toRunResult<K extends BorgOperation>(
  op: K,
  run: ToolRun<BorgResults[K]>,
): RunResult<BorgResults[K]> {
  const base = baseResult(run, { tool: "borg", operation: op, command: run.command });
  const early = earlyOutcome(run, {
    tool: "borg",
    explain: (lines) => explainFailure({ exitCode: null, lines }),
  });
  if (early) return { ...base, ...early };
  const meaning = borgExitMeaning(run.exit?.code ?? null);
  base.status = meaning.status;
  if (meaning.status === "warning") base.warning = warningText(op, run);
  return base;
}

function warningText(op: BorgOperation, run: ToolRun<unknown>): string {
  const warned = run.warnings;
  if (op !== "backup") {
    return `borg ${op} finished with ${warned || "some"} warning${warned === 1 ? "" : "s"}.`;
  }
  const archive = (run.result as BorgResults["backup"] | undefined)?.archive.name;
  const what = warned === 1 ? "1 file or folder" : `${warned || "some"} files or folders`;
  return `The archive${archive ? ` ${archive}` : ""} was made, but ${what} could not be read.`;
}

async function localFacts(
  repo: BorgRepository,
  read: ReadSmallFile,
): Promise<FailureInput["facts"]> {
  if (repo.kind !== "local") return undefined;
  return {
    engine: await probeRepositoryEngine(repo.path, read),
    lockHolders: await readBorgLockHolders(repo.path, read),
  };
}
