/**
 * borg 1.2 command lines, one typed options object per operation. Pure: no I/O, no secrets.
 * Every command gets `--log-json` (log and progress as JSON lines on stderr); commands with a
 * result get `--json` / `--json-lines` (stdout). A borg 2 sibling (agent/tools/borg2/) would
 * have its own file: its commands differ (rcreate, rlist, -r REPO).
 *
 * Excludes are globs: a pattern without a borg style prefix gets "sh:" (shell-style, with
 * `**`), which is what people mean by a glob and what restic's --exclude does.
 */
import { InvalidOptionsError } from "../common/result.ts";
import { type Retention, retentionFlags } from "../common/retention.ts";

export interface ArchiveFilter {
  /** Only archives whose names match this shell glob (e.g. "cairn-web1-*"). */
  globArchives?: string;
  last?: number;
}

export interface BorgOptions {
  init: {
    encryption?:
      | "repokey-blake2"
      | "repokey"
      | "keyfile-blake2"
      | "keyfile"
      | "authenticated-blake2";
    appendOnly?: boolean;
    storageQuota?: string;
  };
  backup: {
    archive: string;
    sources: string[];
    excludes?: string[];
    excludeIfPresent?: string[];
    excludeCaches?: boolean;
    oneFileSystem?: boolean;
    /** borg's -C spec: "lz4", "zstd,6", "auto,zstd,10", "none". */
    compression?: string;
    comment?: string;
    /** The archive's time (default now); borg takes it as UTC. */
    timestamp?: Date;
    uploadRatelimitKiB?: number;
    /** Emit a file_status line for each added (A), modified (M) or errored (E) file. */
    listFiles?: boolean;
    checkpointIntervalSeconds?: number;
    /** Read FIFOs and devices as files (a database dump piped in) instead of storing the node. */
    readSpecial?: boolean;
    dryRun?: boolean;
  };
  prune: ArchiveFilter & { keep: Retention; dryRun?: boolean };
  compact: { thresholdPercent?: number; cleanupCommits?: boolean };
  check: ArchiveFilter & {
    repositoryOnly?: boolean;
    archivesOnly?: boolean;
    verifyData?: boolean;
    maxDurationSeconds?: number;
  };
  breakLock: Record<string, never>;
  stats: Record<string, never>;
  snapshots: ArchiveFilter;
  ls: {
    archive: string;
    paths?: string[];
    /** Raw stdout goes here instead of the parser (a listing streamed on); awaited. */
    output?: (chunk: Uint8Array) => void | Promise<void>;
  };
  restore: {
    archive: string;
    /** Directory to restore into (borg extracts into its working directory). */
    target: string;
    paths?: string[];
    excludes?: string[];
    stripComponents?: number;
    dryRun?: boolean;
  };
  /**
   * One path of an archive to stdout: a file's bytes (`extract --stdout`), or with `tar` the
   * path as a tar stream (`export-tar ... -`). Paths as borg stores them (no leading slash).
   */
  dump: {
    archive: string;
    path: string;
    tar?: boolean;
    output: (chunk: Uint8Array) => void | Promise<void>;
  };
  version: Record<string, never>;
}

export type BorgOperation = keyof BorgOptions;

type Builder<K extends BorgOperation> = (o: BorgOptions[K], repo: string) => string[];

const builders: { [K in BorgOperation]: Builder<K> } = {
  init: (o, repo) => [
    "init",
    `--encryption=${o.encryption ?? "repokey-blake2"}`,
    ...(o.appendOnly ? ["--append-only"] : []),
    ...(o.storageQuota ? [`--storage-quota=${o.storageQuota}`] : []),
    repo,
  ],
  backup: (o, repo) => createArgs(o, repo),
  prune: (o, repo) => [
    "prune",
    "--list",
    ...retentionFlags(o.keep, "borg"),
    ...filterFlags({ globArchives: o.globArchives }),
    ...(o.dryRun ? ["--dry-run"] : []),
    repo,
  ],
  compact: (o, repo) => [
    "compact",
    "--info",
    "--progress",
    ...(o.thresholdPercent !== undefined
      ? [`--threshold=${whole(o.thresholdPercent, "threshold")}`]
      : []),
    ...(o.cleanupCommits ? ["--cleanup-commits"] : []),
    repo,
  ],
  check: (o, repo) => checkArgs(o, repo),
  breakLock: (_o, repo) => ["break-lock", repo],
  stats: (_o, repo) => ["info", "--json", repo],
  snapshots: (o, repo) => ["list", "--json", ...filterFlags(o), repo],
  ls: (
    o,
    repo,
  ) => ["list", "--json-lines", `${repo}::${archiveName(o.archive)}`, ...(o.paths ?? [])],
  restore: (o, repo) => [
    "extract",
    "--progress",
    ...(o.excludes ?? []).map((e) => `--exclude=${globPattern(e)}`),
    ...(o.stripComponents ? [`--strip-components=${whole(o.stripComponents, "strip")}`] : []),
    ...(o.dryRun ? ["--dry-run"] : []),
    `${repo}::${archiveName(o.archive)}`,
    ...(o.paths ?? []),
  ],
  dump: (o, repo) =>
    o.tar
      ? ["export-tar", `${repo}::${archiveName(o.archive)}`, "-", o.path]
      : ["extract", "--stdout", `${repo}::${archiveName(o.archive)}`, o.path],
  version: () => ["--version"],
};

export interface CommonBorgFlags {
  lockWaitSeconds?: number;
  /** Extra flags from the repository (e.g. --remote-path). */
  repositoryArgs?: string[];
}

/** The arguments after `borg` for one operation. */
export function buildBorgArgs<K extends BorgOperation>(
  op: K,
  options: BorgOptions[K],
  repo: { location: string } & CommonBorgFlags,
): string[] {
  const [command, ...rest] = (builders[op] as Builder<K>)(options, repo.location);
  if (op === "version") return [command, ...rest];
  const common = ["--log-json"];
  if (repo.lockWaitSeconds !== undefined) {
    common.push(`--lock-wait=${whole(repo.lockWaitSeconds, "lock wait")}`);
  }
  return [command, ...common, ...(repo.repositoryArgs ?? []), ...rest];
}

function createArgs(o: BorgOptions["backup"], repo: string): string[] {
  if (!o.sources.length) throw new InvalidOptionsError("A backup needs at least one source");
  for (const s of o.sources) {
    if (!s.startsWith("/")) throw new InvalidOptionsError(`Backup sources must be absolute: ${s}`);
  }
  const args = ["create", "--progress", "--json"];
  if (o.listFiles) args.push("--list", "--filter=AME");
  if (o.compression) args.push(`--compression=${o.compression}`);
  for (const e of o.excludes ?? []) args.push(`--exclude=${globPattern(e)}`);
  for (const m of o.excludeIfPresent ?? []) args.push(`--exclude-if-present=${m}`);
  if (o.excludeCaches) args.push("--exclude-caches");
  if (o.oneFileSystem) args.push("--one-file-system");
  if (o.comment) args.push(`--comment=${o.comment}`);
  if (o.timestamp) args.push(`--timestamp=${o.timestamp.toISOString().slice(0, 19)}`);
  if (o.uploadRatelimitKiB !== undefined) {
    args.push(`--upload-ratelimit=${whole(o.uploadRatelimitKiB, "upload limit")}`);
  }
  if (o.checkpointIntervalSeconds !== undefined) {
    args.push(`--checkpoint-interval=${whole(o.checkpointIntervalSeconds, "checkpoint")}`);
  }
  if (o.readSpecial) args.push("--read-special");
  if (o.dryRun) args.push("--dry-run");
  return [...args, `${repo}::${archiveName(o.archive)}`, ...o.sources];
}

function checkArgs(o: BorgOptions["check"], repo: string): string[] {
  if (o.repositoryOnly && (o.archivesOnly || o.verifyData)) {
    throw new InvalidOptionsError("A repository-only check cannot verify archive data");
  }
  const args = ["check", "--info", "--progress"];
  if (o.repositoryOnly) args.push("--repository-only");
  if (o.archivesOnly) args.push("--archives-only");
  if (o.verifyData) args.push("--verify-data");
  if (o.maxDurationSeconds !== undefined) {
    if (!o.repositoryOnly) {
      throw new InvalidOptionsError("A time-limited check must be repository-only");
    }
    args.push(`--max-duration=${whole(o.maxDurationSeconds, "max duration")}`);
  }
  return [...args, ...filterFlags(o), repo];
}

function filterFlags(o: ArchiveFilter): string[] {
  const flags: string[] = [];
  if (o.globArchives) flags.push(`--glob-archives=${o.globArchives}`);
  if (o.last !== undefined) flags.push(`--last=${whole(o.last, "last")}`);
  return flags;
}

/** A pattern without borg's "xx:" style prefix is taken as a shell-style glob. */
export function globPattern(pattern: string): string {
  return /^(fm|sh|re|pp|pf):/.test(pattern) ? pattern : `sh:${pattern}`;
}

/** Archive names: no "/", no "::", no "{…}" placeholders (we name archives ourselves). */
export function archiveName(name: string): string {
  if (!name || /[/{}]|::|^\s|\s$/.test(name) || name.length > 200) {
    throw new InvalidOptionsError(`Invalid archive name: ${name}`);
  }
  return name;
}

function whole(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidOptionsError(`The ${what} must be a whole number`);
  }
  return n;
}
