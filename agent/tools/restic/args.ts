/**
 * restic 0.14 command lines, one typed options object per operation. Pure: no I/O, no
 * environment, no secrets (those travel in the environment built by repository.ts).
 * `--json` is used where 0.14 has it (backup, snapshots, ls, forget, stats); the other
 * commands print prose that the parser keeps as text.
 */
import { InvalidOptionsError } from "../common/result.ts";
import { type Retention, retentionFlags } from "../common/retention.ts";

/** Bandwidth limits in KiB/s; restic's flags are global, so every operation takes them. */
export interface ResticLimits {
  limitUploadKiB?: number;
  limitDownloadKiB?: number;
}

/** Which snapshots an operation considers. */
export interface SnapshotFilter {
  /** Snapshots with any of these tags (one --tag each). */
  tags?: string[];
  /** Snapshots with all of these tags (one --tag a,b). */
  allTags?: string[];
  hosts?: string[];
  paths?: string[];
}

export interface ResticOptions {
  init: ResticLimits & { repositoryVersion?: 1 | 2 };
  backup: ResticLimits & {
    sources: string[];
    /** Globs, as restic's --exclude takes them. */
    excludes?: string[];
    /** File names that mark a directory to skip (e.g. ".nobackup"). */
    excludeIfPresent?: string[];
    excludeCaches?: boolean;
    oneFileSystem?: boolean;
    tags?: string[];
    hostname?: string;
    /** The snapshot's time (default: now); sent as UTC, restic runs with TZ=UTC. */
    time?: Date;
    parent?: string;
    dryRun?: boolean;
  };
  forget: ResticLimits & SnapshotFilter & {
    keep: Retention;
    /** restic's grouping (default "host,paths"); "" groups all selected snapshots together. */
    groupBy?: string;
    prune?: boolean;
    dryRun?: boolean;
  };
  prune: ResticLimits & { maxUnused?: string; dryRun?: boolean };
  check: ResticLimits & { readData?: boolean; readDataSubset?: string };
  unlock: ResticLimits & { removeAll?: boolean };
  stats: ResticLimits & SnapshotFilter & {
    mode?: "restore-size" | "files-by-contents" | "raw-data" | "blobs-per-file";
    snapshots?: string[];
  };
  snapshots: ResticLimits & SnapshotFilter & { latest?: number };
  ls: ResticLimits & SnapshotFilter & {
    snapshot: string;
    dirs?: string[];
    /** Raw stdout goes here instead of the parser (a listing streamed on); awaited. */
    output?: (chunk: Uint8Array) => void | Promise<void>;
  };
  restore: ResticLimits & SnapshotFilter & {
    snapshot: string;
    target: string;
    include?: string[];
    exclude?: string[];
    verify?: boolean;
  };
  dump: ResticLimits & SnapshotFilter & {
    snapshot: string;
    path: string;
    archive?: "tar" | "zip";
    /** Where the dumped bytes go; awaited, so a slow sink slows restic down. */
    output: (chunk: Uint8Array) => void | Promise<void>;
  };
  /** The ids of the repository's lock files (`list locks --no-lock`). */
  listLocks: ResticLimits;
  /** One lock file's content (`cat lock <id> --no-lock`): who holds it and since when. */
  catLock: ResticLimits & { id: string };
  version: Record<string, never>;
}

export type ResticOperation = keyof ResticOptions;

type Builder<K extends ResticOperation> = (o: ResticOptions[K]) => string[];

const builders: { [K in ResticOperation]: Builder<K> } = {
  init: (
    o,
  ) => ["init", ...(o.repositoryVersion ? [`--repository-version=${o.repositoryVersion}`] : [])],
  backup: (o) => backupArgs(o),
  forget: (o) => [
    "forget",
    "--json",
    ...retentionFlags(o.keep, "restic"),
    ...filterFlags(o),
    ...(o.groupBy !== undefined ? [`--group-by=${o.groupBy}`] : []),
    ...(o.prune ? ["--prune"] : []),
    ...(o.dryRun ? ["--dry-run"] : []),
  ],
  prune: (o) => [
    "prune",
    ...(o.maxUnused ? [`--max-unused=${o.maxUnused}`] : []),
    ...(o.dryRun ? ["--dry-run"] : []),
  ],
  check: (o) => checkArgs(o),
  unlock: (o) => ["unlock", ...(o.removeAll ? ["--remove-all"] : [])],
  stats: (o) => [
    "stats",
    "--json",
    ...(o.mode ? [`--mode=${o.mode}`] : []),
    ...filterFlags(o),
    ...(o.snapshots?.length ? ["--", ...o.snapshots] : []),
  ],
  snapshots: (o) => [
    "snapshots",
    "--json",
    ...filterFlags(o),
    ...(o.latest ? [`--latest=${o.latest}`] : []),
  ],
  ls: (o) => ["ls", "--json", ...filterFlags(o), "--", snapshotId(o.snapshot), ...(o.dirs ?? [])],
  restore: (o) => [
    "restore",
    `--target=${o.target}`,
    ...filterFlags(o),
    ...(o.include ?? []).map((p) => `--include=${p}`),
    ...(o.exclude ?? []).map((p) => `--exclude=${p}`),
    ...(o.verify ? ["--verify"] : []),
    "--",
    snapshotId(o.snapshot),
  ],
  dump: (o) => [
    "dump",
    ...filterFlags(o),
    ...(o.archive ? [`--archive=${o.archive}`] : []),
    "--",
    snapshotId(o.snapshot),
    o.path,
  ],
  listLocks: () => ["list", "locks", "--no-lock"],
  catLock: (o) => ["cat", "lock", "--no-lock", lockId(o.id)],
  version: () => ["version"],
};

/** The arguments after `restic` for one operation, global flags included. */
export function buildResticArgs<K extends ResticOperation>(
  op: K,
  options: ResticOptions[K],
): string[] {
  const [command, ...rest] = (builders[op] as Builder<K>)(options);
  return [command, ...limitFlags(options as ResticLimits), ...rest];
}

function backupArgs(o: ResticOptions["backup"]): string[] {
  if (!o.sources.length) throw new InvalidOptionsError("A backup needs at least one source");
  for (const s of o.sources) {
    if (!s.startsWith("/")) throw new InvalidOptionsError(`Backup sources must be absolute: ${s}`);
  }
  const args = ["backup", "--json"];
  for (const e of o.excludes ?? []) args.push(`--exclude=${e}`);
  for (const m of o.excludeIfPresent ?? []) args.push(`--exclude-if-present=${m}`);
  if (o.excludeCaches) args.push("--exclude-caches");
  if (o.oneFileSystem) args.push("--one-file-system");
  for (const t of o.tags ?? []) args.push(`--tag=${tagValue(t)}`);
  if (o.hostname) args.push(`--host=${o.hostname}`);
  if (o.time) args.push(`--time=${utcTime(o.time)}`);
  if (o.parent) args.push(`--parent=${o.parent}`);
  if (o.dryRun) args.push("--dry-run");
  return [...args, "--", ...o.sources];
}

function checkArgs(o: ResticOptions["check"]): string[] {
  if (o.readDataSubset !== undefined) {
    if (!/^(\d+\/\d+|\d+(\.\d+)?%|\d+[KMGT]?)$/i.test(o.readDataSubset)) {
      throw new InvalidOptionsError("A read-data subset looks like 1/5, 10% or 500M");
    }
    return ["check", `--read-data-subset=${o.readDataSubset}`];
  }
  return ["check", ...(o.readData ? ["--read-data"] : [])];
}

function filterFlags(o: SnapshotFilter): string[] {
  return [
    ...(o.tags ?? []).map((t) => `--tag=${tagValue(t)}`),
    ...(o.allTags?.length ? [`--tag=${o.allTags.map(tagValue).join(",")}`] : []),
    ...(o.hosts ?? []).map((h) => `--host=${h}`),
    ...(o.paths ?? []).map((p) => `--path=${p}`),
  ];
}

function limitFlags(o: ResticLimits): string[] {
  const flags: string[] = [];
  for (const [name, value] of [["upload", o.limitUploadKiB], ["download", o.limitDownloadKiB]]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new InvalidOptionsError(`The ${name} limit must be a whole number of KiB/s`);
    }
    flags.push(`--limit-${name}=${value}`);
  }
  return flags;
}

/** restic splits --tag values on commas; a tag with a comma would become two tags. */
function tagValue(tag: string): string {
  if (!tag || tag.includes(",")) throw new InvalidOptionsError(`Invalid tag: ${tag}`);
  return tag;
}

function snapshotId(id: string): string {
  if (id !== "latest" && !/^[0-9a-f]{8,64}$/.test(id)) {
    throw new InvalidOptionsError(`Invalid snapshot id: ${id}`);
  }
  return id;
}

function lockId(id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new InvalidOptionsError(`Invalid lock id: ${id}`);
  return id;
}

/** "2006-01-02 15:04:05" in UTC, the only format restic's --time takes. */
export function utcTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}
