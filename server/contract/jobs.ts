/**
 * Jobs between the appliance and an agent: what a `job.run` command carries (the JobSpec) and
 * the bodies of the reports an agent sends about a job (`job.started`, `job.progress`,
 * `job.log`, `job.finished`, `snapshots`). Shared by server, agent and PWA.
 *
 * Secrets never travel in the clear: the repository passphrase, backend credentials, the SSH
 * private key and its passphrase, and the plan's hooks are SealedSecrets (NaCl box to the
 * agent's key, signed by the appliance) inside the spec. The agent opens them in memory for the
 * run only and never writes them to disk unsealed, except the SSH private key, which ssh needs
 * as a file: the agent writes it mode 0600 under its state dir for the run and removes it after.
 */
import * as v from "valibot";
import { JobIdSchema, SealedSecretSchema } from "./agent.ts";

/**
 * What a job does. `locks` looks at the repository's locks; `test` probes reachability;
 * `index` lists one snapshot and uploads the listing to the appliance's file index; `restore`
 * restores paths of a snapshot; `dump` streams a file or folder of a snapshot to the appliance
 * (a download or a preview); `drill` restores a sample of a snapshot's files into a scratch
 * directory, checks them and removes them (a restore drill).
 */
export const JOB_KINDS = [
  "backup",
  "forget",
  "prune",
  "compact",
  "check",
  "unlock",
  "locks",
  "stats",
  "snapshots",
  "init",
  "test",
  "index",
  "restore",
  "dump",
  "drill",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JobKindSchema = v.picklist(JOB_KINDS, `must be one of ${JOB_KINDS.join(", ")}`);

export const ENGINES = ["restic", "borg"] as const;
export type Engine = (typeof ENGINES)[number];
export const EngineSchema = v.picklist(ENGINES, "must be restic or borg");

/**
 * Whether a job needs the repository to itself. borg holds an exclusive lock for everything it
 * writes, so every borg job is exclusive; restic backups (and reads) share the repository.
 */
export function isExclusive(engine: Engine, kind: JobKind): boolean {
  if (engine === "borg") return kind !== "test";
  return ["forget", "prune", "check", "unlock", "init"].includes(kind);
}

/** Which engines know a kind. compact is borg's; restic reclaims space in prune. */
export function kindFitsEngine(engine: Engine, kind: JobKind): boolean {
  return !(engine === "restic" && kind === "compact");
}

const str = (max: number) =>
  v.pipe(v.string("must be a string"), v.maxLength(max, `must be at most ${max} characters`));
const nonEmpty = (max: number) => v.pipe(str(max), v.minLength(1, "must not be empty"));
const int = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

/** An absolute path with no NUL and no newline. */
export const AbsolutePathSchema = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(4096, "must be at most 4096 characters"),
  v.startsWith("/", "must be an absolute path (starting with /)"),
  v.check((p) => !/[\0\n\r]/.test(p), "must not hold control characters"),
);
const SshUser = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, "must be a user name"));
const SshHost = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9.:-]{1,253}$/, "must be a host name or an IP address"),
);
const Port = int(1, 65535);

/**
 * Where a repository lives, without any secret. `local` and `ssh`/`sftp` paths are on the host
 * that runs the job (local) or on the SSH server. restic: local, sftp, rest, s3, rclone;
 * borg: local, ssh.
 */
export const RepositoryLocationSchema = v.variant("kind", [
  v.strictObject({ kind: v.literal("local"), path: AbsolutePathSchema }),
  v.strictObject({
    kind: v.literal("sftp"),
    user: SshUser,
    host: SshHost,
    port: v.optional(Port),
    path: AbsolutePathSchema,
  }),
  v.strictObject({
    kind: v.literal("ssh"),
    user: SshUser,
    host: SshHost,
    port: v.optional(Port),
    /** Absolute, or "~/…" under the SSH user's home. */
    path: v.pipe(
      nonEmpty(4096),
      v.regex(/^(\/|~\/?)[^\0\n\r]*$/, "must be absolute or start with ~/"),
    ),
    /** borg on the server when it is not `borg` on PATH. */
    remotePath: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._/-]{1,200}$/))),
  }),
  v.strictObject({
    kind: v.literal("rest"),
    /** http(s)://host:port/path, without credentials (those are BackendCredentials). */
    url: v.pipe(
      nonEmpty(2000),
      v.url("must be a URL"),
      v.regex(/^https?:\/\/[^@/]+(\/|$)/, "must be an http:// or https:// URL without a user"),
    ),
    username: v.optional(v.pipe(v.string(), v.regex(/^[^:@/\s]{1,100}$/, "must be a user name"))),
  }),
  v.strictObject({
    kind: v.literal("s3"),
    /** As restic spells it after "s3:": "s3.amazonaws.com/bucket/path" or "http://host:9000/bucket". */
    url: v.pipe(nonEmpty(2000), v.check((u) => !/[\s@]/.test(u), "must not hold spaces or @")),
    accessKeyId: nonEmpty(200),
    region: v.optional(nonEmpty(64)),
  }),
  v.strictObject({
    kind: v.literal("rclone"),
    /** "remote:path" as rclone knows it. */
    remote: v.pipe(nonEmpty(1000), v.regex(/^[^\s:]+:[^\0\n\r]*$/, "must be remote:path")),
  }),
]);
export type RepositoryLocation = v.InferOutput<typeof RepositoryLocationSchema>;

/** Which location kinds each engine can use. */
export const LOCATION_KINDS: Record<Engine, ReadonlyArray<RepositoryLocation["kind"]>> = {
  restic: ["local", "sftp", "rest", "s3", "rclone"],
  borg: ["local", "ssh"],
};

/** Backend secrets beside the passphrase; sealed as one JSON text. */
export const BackendCredentialsSchema = v.strictObject({
  restPassword: v.optional(str(1000)),
  s3SecretAccessKey: v.optional(str(1000)),
  s3SessionToken: v.optional(str(4000)),
  /** rclone's own variables (RCLONE_CONFIG_<REMOTE>_*), for the rclone: backend. */
  rcloneEnv: v.optional(
    v.record(v.pipe(v.string(), v.regex(/^RCLONE_[A-Z0-9_]{1,100}$/)), str(4000)),
  ),
});
export type BackendCredentials = v.InferOutput<typeof BackendCredentialsSchema>;

export const RetentionSchema = v.strictObject({
  last: v.optional(int(1, 100_000)),
  hourly: v.optional(int(1, 100_000)),
  daily: v.optional(int(1, 100_000)),
  weekly: v.optional(int(1, 100_000)),
  monthly: v.optional(int(1, 100_000)),
  yearly: v.optional(int(1, 100_000)),
  /** Keep everything newer than this: "36h", "7d", "2w", "6m", "1y". */
  within: v.optional(v.pipe(v.string(), v.regex(/^[1-9]\d{0,4}[hdwmy]$/, "must look like 7d"))),
});
export type Retention = v.InferOutput<typeof RetentionSchema>;

/** Hooks as sealed JSON text: each a shell command run with `sh -c` on the host. */
export const HooksSchema = v.strictObject({
  pre: v.optional(str(8000)),
  post: v.optional(str(8000)),
});
export type Hooks = v.InferOutput<typeof HooksSchema>;

/**
 * Cairn's marks on what it makes, so several plans and hosts can share a repository: restic
 * snapshots carry the tags `cairn`, `cairn-host:<hostId>` and `cairn-plan:<planId>`; borg
 * archives are named `<hostId>.<planId>.<UTC time>` and pruned with the glob of their prefix.
 */
export const CAIRN_TAG = "cairn";
export const hostTag = (hostId: string) => `cairn-host:${hostId}`;
export const planTag = (planId: string) => `cairn-plan:${planId}`;
export const archivePrefix = (hostId: string, planId: string) => `${hostId}.${planId}.`;
/**
 * A borg archive's name: the prefix and the UTC time to the millisecond,
 * `YYYY-MM-DDTHH:MM:SS.mmm` (two runs of a plan within one second must not collide: borg refuses
 * an archive name that exists).
 */
export const archiveName = (hostId: string, planId: string, ms: number) =>
  archivePrefix(hostId, planId) + new Date(ms).toISOString().slice(0, 23);

export const OVERWRITE_POLICIES = ["always", "if-newer", "if-different", "never"] as const;
export type OverwritePolicy = (typeof OVERWRITE_POLICIES)[number];

/**
 * A restore: the snapshot paths to restore (absolute, as in the snapshot; empty = all), into
 * `targetDir` ("/" = the original place), with an overwrite policy for files that exist there.
 * `remap` moves a snapshot path prefix to another place (restores onto another host).
 */
export const RestoreSpecSchema = v.object({
  paths: v.pipe(v.array(AbsolutePathSchema), v.maxLength(1000)),
  targetDir: AbsolutePathSchema,
  overwrite: v.picklist(OVERWRITE_POLICIES),
  remap: v.optional(v.pipe(
    v.array(v.object({ from: AbsolutePathSchema, to: AbsolutePathSchema })),
    v.maxLength(20),
  )),
});
export type RestoreSpec = v.InferOutput<typeof RestoreSpecSchema>;

/** A dump: one path of the snapshot streamed to `POST /api/agent/v1/streams/:streamId`. */
export const DumpSpecSchema = v.object({
  path: AbsolutePathSchema,
  /** raw: one file's bytes; tar / zip: a folder (or file) as an archive. */
  format: v.picklist(["raw", "tar", "zip"]),
  streamId: v.pipe(v.string(), v.regex(/^str_[0-9a-z]{26}$/, "must be a stream id")),
  /** Stop after this many bytes (previews). */
  maxBytes: v.optional(int(1, Number.MAX_SAFE_INTEGER)),
});
export type DumpSpec = v.InferOutput<typeof DumpSpecSchema>;

/**
 * A restore drill: the regular files to restore and check, each with the size and mtime (ms)
 * the snapshot recorded for it. `canary` names the plan's canary file when it is among them.
 */
export const DrillSpecSchema = v.object({
  files: v.pipe(
    v.array(v.object({
      path: AbsolutePathSchema,
      size: int(0, Number.MAX_SAFE_INTEGER),
      mtime: v.nullable(int(0, 8.64e15)),
    })),
    v.minLength(1, "must name at least one file"),
    v.maxLength(501, "must be at most 501 files"),
  ),
  canary: v.optional(AbsolutePathSchema),
});
export type DrillSpec = v.InferOutput<typeof DrillSpecSchema>;

/** What the agent needs to run one job. */
export const JobSpecSchema = v.object({
  jobId: JobIdSchema,
  kind: JobKindSchema,
  engine: EngineSchema,
  hostId: nonEmpty(64),
  repository: v.object({
    id: nonEmpty(64),
    name: str(200),
    location: RepositoryLocationSchema,
    passphrase: SealedSecretSchema,
    /** Sealed BackendCredentials JSON. */
    credentials: v.optional(SealedSecretSchema),
    ssh: v.optional(v.object({
      privateKey: SealedSecretSchema,
      passphrase: v.optional(SealedSecretSchema),
      /** known_hosts lines to pin; absent = accept the first key seen and report it. */
      knownHosts: v.optional(str(64_000)),
    })),
  }),
  /** Set for plan jobs (backup, forget). */
  plan: v.optional(v.object({
    id: nonEmpty(64),
    name: str(200),
    sources: v.pipe(v.array(AbsolutePathSchema), v.maxLength(200)),
    excludes: v.pipe(v.array(str(4096)), v.maxLength(1000)),
    excludeIfPresent: v.pipe(v.array(str(255)), v.maxLength(50)),
    oneFileSystem: v.boolean(),
    compression: v.nullable(str(40)),
    tags: v.pipe(v.array(str(100)), v.maxLength(50)),
    limits: v.object({
      uploadKiB: v.optional(int(1, 10_000_000)),
      downloadKiB: v.optional(int(1, 10_000_000)),
    }),
    retention: RetentionSchema,
    /** Sealed Hooks JSON. */
    hooks: v.optional(SealedSecretSchema),
  })),
  options: v.object({
    /** check: verify this share of the data ("10%", "1/5"); restic only. */
    readDataSubset: v.optional(str(20)),
    /** check: read all data (restic --read-data, borg --verify-data). */
    readData: v.optional(v.boolean()),
    /** forget: prune after forgetting (restic --prune; borg compact after prune). */
    prune: v.optional(v.boolean()),
    /** backup: the snapshot's time, ms (imports and tests); default now. */
    snapshotTime: v.optional(int(0, 8.64e15)),
    /** unlock: restic --remove-all / borg break-lock even if the holder looks alive. */
    force: v.optional(v.boolean()),
  }),
  /** index, restore, dump, drill: which snapshot (restic id or borg archive name). */
  snapshot: v.optional(v.object({
    id: nonEmpty(300),
    /** The host whose backup it is (for a restore onto another host). */
    hostId: v.optional(nonEmpty(64)),
  })),
  /** restore: what goes where. */
  restore: v.optional(RestoreSpecSchema),
  /** dump: what to stream and where the appliance waits for it. */
  dump: v.optional(DumpSpecSchema),
  /** drill: the sampled files to restore and check. */
  drill: v.optional(DrillSpecSchema),
  /** The job ends as failed after this long; 0 = no limit. */
  timeoutMs: int(0, 30 * 24 * 3600_000),
});
export type JobSpec = v.InferOutput<typeof JobSpecSchema>;

/** `job.run` command args. */
export const JobRunArgsSchema = v.object({ spec: JobSpecSchema });
/** `job.cancel` command args. */
export const JobCancelArgsSchema = v.object({
  jobId: JobIdSchema,
  /** Who cancelled (a user name), for "Cancelled by <user>"; optional. */
  by: v.optional(str(200)),
});

// ---- report bodies ----

export const JobStartedSchema = v.object({
  kind: JobKindSchema,
  /** The tool's command line, secrets masked. */
  command: str(8000),
  startedAt: int(0, 8.64e15),
});
export type JobStarted = v.InferOutput<typeof JobStartedSchema>;

export const JobProgressSchema = v.object({
  percent: v.nullable(v.number()),
  files: v.optional(v.number()),
  totalFiles: v.optional(v.number()),
  bytes: v.optional(v.number()),
  totalBytes: v.optional(v.number()),
  throughput: v.optional(v.number()),
  etaSeconds: v.optional(v.number()),
  currentFile: v.optional(str(4096)),
  phase: v.optional(str(200)),
  /** Agent clock when the tool emitted it (ms), for the latency figure. */
  emittedAt: v.optional(v.number()),
});
export type JobProgress = v.InferOutput<typeof JobProgressSchema>;

export const JOB_LOG_LEVELS = ["debug", "info", "warning", "error"] as const;
export const JobLogSchema = v.object({
  level: v.picklist(JOB_LOG_LEVELS),
  /** tool: the tool's own output; hook: a hook's output; cairn: the agent's own words. */
  source: v.picklist(["tool", "hook", "cairn"]),
  text: str(8000),
});
export type JobLog = v.InferOutput<typeof JobLogSchema>;

export const FAILURE_CODES = [
  "wrong_password",
  "locked",
  "repo_missing",
  "disk_full",
  "unreachable",
  "permission_denied",
  "wrong_engine",
  "hook_failed",
  "invalid",
  "append_only",
  "timeout",
  "agent_restarted",
  "unknown",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export const JOB_END_STATUSES = ["ok", "warning", "failed", "cancelled"] as const;
export type JobEndStatus = (typeof JOB_END_STATUSES)[number];

export const JobFinishedSchema = v.object({
  status: v.picklist(JOB_END_STATUSES),
  exitCode: v.nullable(v.number()),
  /** Plain words: why it failed, or what was incomplete on a warning. */
  message: v.nullable(str(2000)),
  failureCode: v.nullable(v.picklist(FAILURE_CODES)),
  /** The tool's last output, secrets masked. */
  tail: str(16_384),
  durationMs: v.number(),
  /** backup: the snapshot id (restic) or archive name (borg). */
  snapshotId: v.optional(str(300)),
  /** Kind-specific findings: backup stats, repository stats, locks, test results. */
  result: v.optional(v.record(v.string(), v.unknown())),
});
export type JobFinished = v.InferOutput<typeof JobFinishedSchema>;

/** One snapshot (restic) or archive (borg) as listed. */
export const SnapshotInfoSchema = v.object({
  id: nonEmpty(300),
  shortId: nonEmpty(300),
  /** ms */
  time: v.number(),
  hostname: str(253),
  paths: v.array(str(4096)),
  tags: v.array(str(200)),
  sizeBytes: v.optional(v.number()),
  fileCount: v.optional(v.number()),
});
export type SnapshotInfo = v.InferOutput<typeof SnapshotInfoSchema>;

/**
 * A repository's snapshot listing, split across reports (report bodies are capped): every
 * part names the listing (`refreshId`, the job id); the server replaces the cached list when
 * the part with `last: true` arrives.
 */
export const SnapshotsReportSchema = v.object({
  repositoryId: nonEmpty(64),
  refreshId: JobIdSchema,
  part: int(0, 1_000_000),
  last: v.boolean(),
  snapshots: v.pipe(v.array(SnapshotInfoSchema), v.maxLength(200)),
});
export type SnapshotsReport = v.InferOutput<typeof SnapshotsReportSchema>;
/** Snapshots per report part; keeps each body well under LIMITS.reportBodyChars. */
export const SNAPSHOTS_PER_PART = 25;

/** `result` of a `locks` job. */
export interface LocksResult {
  locks: Array<
    { id?: string; hostname?: string; pid?: number; since?: number; exclusive?: boolean }
  >;
}
/** `result` of a `test` job. */
export interface TestResult {
  reachable: boolean;
  repositoryFound: boolean;
  tool: { name: Engine; version: string | null };
  remoteBorgVersion?: string | null;
  hostKey?: string;
  details: string[];
}
/** `result` of a `stats` job. */
export interface StatsResult {
  totalSizeBytes?: number;
  rawSizeBytes?: number;
  uniqueSizeBytes?: number;
  deduplicationRatio?: number;
  snapshotCount?: number;
  fileCount?: number;
}
