/**
 * The browser API for backups: repositories (`/api/repositories`), SSH keys (`/api/ssh-keys`),
 * plans (`/api/plans`), jobs (`/api/jobs`, with `/api/jobs/:id/stream` over SSE) and the
 * snapshot cache (`/api/snapshots`). Request schemas and the views the server answers with;
 * imported by the server routes and the PWA. JSON is camelCase; times are ISO 8601 strings.
 *
 * Secrets go in and never come out: a passphrase, a private key, backend credentials and hooks
 * are accepted on create/update and answered only as "set" flags, except a passphrase Cairn
 * minted, which the create answer shows once.
 */
import * as v from "valibot";
import {
  AbsolutePathSchema,
  BackendCredentialsSchema,
  EngineSchema,
  HooksSchema,
  JOB_KINDS,
  JobKindSchema,
  RepositoryLocationSchema,
  RetentionSchema,
} from "./jobs.ts";
import type {
  Engine,
  FailureCode,
  JobKind,
  JobProgress,
  RepositoryLocation,
  Retention,
} from "./jobs.ts";

const Name = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(80, "must be at most 80 characters"),
);
const Id = (prefix: string) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), "must be an id"),
  );
const Secret = (max: number) =>
  v.pipe(v.string("must be a string"), v.maxLength(max, `must be at most ${max} characters`));
const Tag = v.pipe(
  v.string("must be a string"),
  v.regex(/^[A-Za-z0-9_.:-]{1,32}$/, "may hold up to 32 letters, digits and _ . : -"),
);

export const RepositoryIdSchema = Id("rep");
export const SshKeyIdSchema = Id("key");
export const PlanIdSchema = Id("pln");
export const JobIdParamSchema = Id("job");
export const HostIdSchema = Id("hst");

// ---- SSH keys ----

export const CreateSshKeySchema = v.variant("mode", [
  /** Generate an Ed25519 pair on the appliance. */
  v.strictObject({ mode: v.literal("generate"), name: Name }),
  /** Import an OpenSSH, PEM (PKCS#1/SEC1) or PKCS#8 private key, encrypted or not. */
  v.strictObject({
    mode: v.literal("import"),
    name: Name,
    privateKey: v.pipe(Secret(16_384), v.minLength(1, "must not be empty")),
    passphrase: v.optional(Secret(1024)),
  }),
]);
export type CreateSshKey = v.InferOutput<typeof CreateSshKeySchema>;

export interface SshKeyView {
  id: string;
  name: string;
  algorithm: string;
  /** One OpenSSH line, ready for authorized_keys. */
  publicKey: string;
  fingerprint: string;
  hasPassphrase: boolean;
  origin: "generated" | "imported";
  /** Repositories that use it. */
  usedBy: Array<{ id: string; name: string }>;
  createdAt: string;
}

export const AuthorizedKeysQuerySchema = v.strictObject({
  repositoryId: v.optional(RepositoryIdSchema),
  appendOnly: v.optional(v.picklist(["true", "false"])),
});
/**
 * `GET /api/ssh-keys/:id/authorized-keys`: the line to paste on the server. For a borg
 * repository it forces `borg serve --restrict-to-repository <path>` (plus `--append-only` when
 * asked) with `restrict`; for restic sftp it restricts to `internal-sftp`-style use.
 */
export interface AuthorizedKeysView {
  line: string;
  explanation: string;
}

// ---- repositories ----

export const CreateRepositorySchema = v.strictObject({
  name: Name,
  engine: EngineSchema,
  location: RepositoryLocationSchema,
  /** Empty or absent: Cairn mints one and shows it once. */
  passphrase: v.optional(Secret(1024)),
  credentials: v.optional(BackendCredentialsSchema),
  sshKeyId: v.optional(v.nullable(SshKeyIdSchema)),
  /** Pinned known_hosts lines for the SSH server; absent = trust on first use. */
  knownHosts: v.optional(v.nullable(Secret(64_000))),
});
export type CreateRepository = v.InferOutput<typeof CreateRepositorySchema>;

export const UpdateRepositorySchema = v.strictObject({
  name: v.optional(Name),
  location: v.optional(RepositoryLocationSchema),
  passphrase: v.optional(v.pipe(Secret(1024), v.minLength(1, "must not be empty"))),
  credentials: v.optional(BackendCredentialsSchema),
  sshKeyId: v.optional(v.nullable(SshKeyIdSchema)),
  knownHosts: v.optional(v.nullable(Secret(64_000))),
});
export type UpdateRepository = v.InferOutput<typeof UpdateRepositorySchema>;

export interface RepositoryStatsView {
  totalSizeBytes: number | null;
  rawSizeBytes: number | null;
  deduplicationRatio: number | null;
  snapshotCount: number | null;
  updatedAt: string | null;
}

export interface RepositoryView {
  id: string;
  name: string;
  engine: Engine;
  location: RepositoryLocation;
  /** The location as the tool spells it, credentials removed ("sftp:backup@nas:/srv/restic"). */
  display: string;
  state: "new" | "ready" | "error";
  passphraseSet: true;
  credentialsSet: boolean;
  sshKeyId: string | null;
  knownHostsSet: boolean;
  appendOnly: boolean | null;
  stats: RepositoryStatsView;
  lock: {
    locked: boolean | null;
    holders: Array<{ hostname?: string; pid?: number; since?: string }>;
    checkedAt: string | null;
  };
  lastCheck: { at: string; status: string } | null;
  plans: Array<{ id: string; name: string }>;
  /** The job running on it now, if any. */
  activeJobId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The create answer: `passphrase` only when Cairn minted it (shown this once). */
export interface CreatedRepository {
  repository: RepositoryView;
  passphrase?: string;
}

// ---- plans ----

const Paths = v.pipe(
  v.array(AbsolutePathSchema, "must be a list of absolute paths"),
  v.minLength(1, "must name at least one source"),
  v.maxLength(200, "must hold at most 200 paths"),
);
const Globs = v.pipe(
  v.array(
    v.pipe(
      v.string("must be a string"),
      v.minLength(1, "must not be empty"),
      v.maxLength(4096),
      v.check((p) => !/[\0\n\r]/.test(p), "must not hold control characters"),
    ),
  ),
  v.maxLength(1000, "must hold at most 1000 patterns"),
);
const Markers = v.pipe(
  v.array(v.pipe(v.string(), v.regex(/^[^/\0\n\r]{1,255}$/, "must be a file name"))),
  v.maxLength(50),
);
const Compression = v.pipe(
  v.string(),
  v.regex(
    /^(none|lz4|zstd(,\d{1,2})?|zlib(,\d)?|lzma(,\d)?|auto,(lz4|zstd(,\d{1,2})?|zlib(,\d)?|lzma(,\d)?))$/,
    "must be a borg compression spec such as lz4, zstd,6 or auto,zstd,10",
  ),
);
export const PlanTargetSchema = v.variant("type", [
  v.strictObject({ type: v.literal("host"), hostId: HostIdSchema }),
  v.strictObject({ type: v.literal("tag"), tag: Tag }),
]);
export type PlanTarget = v.InferOutput<typeof PlanTargetSchema>;
export const LimitsSchema = v.strictObject({
  uploadKiB: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000))),
  downloadKiB: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000))),
});

const planFields = {
  name: Name,
  repositoryId: RepositoryIdSchema,
  target: PlanTargetSchema,
  sources: Paths,
  excludes: v.optional(Globs),
  excludeIfPresent: v.optional(Markers),
  oneFileSystem: v.optional(v.boolean()),
  compression: v.optional(v.nullable(Compression)),
  tags: v.optional(v.pipe(v.array(Tag), v.maxLength(20))),
  limits: v.optional(LimitsSchema),
  retention: v.optional(RetentionSchema),
  /** Admins only; null removes them. */
  hooks: v.optional(v.nullable(HooksSchema)),
  enabled: v.optional(v.boolean()),
};
export const CreatePlanSchema = v.strictObject(planFields);
export type CreatePlan = v.InferOutput<typeof CreatePlanSchema>;
export const UpdatePlanSchema = v.partial(v.strictObject(planFields));
export type UpdatePlan = v.InferOutput<typeof UpdatePlanSchema>;

export interface PlanView {
  id: string;
  name: string;
  repositoryId: string;
  repositoryName: string;
  engine: Engine;
  target: PlanTarget;
  /** The hosts the target names now. */
  hosts: Array<{ id: string; name: string }>;
  sources: string[];
  excludes: string[];
  excludeIfPresent: string[];
  oneFileSystem: boolean;
  compression: string | null;
  tags: string[];
  limits: { uploadKiB?: number; downloadKiB?: number };
  retention: Retention;
  hooks: { pre: boolean; post: boolean };
  enabled: boolean;
  lastJob: { id: string; status: string; finishedAt: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/plans/:id/preview`: the command lines a job would run, secrets masked. */
export interface PlanPreview {
  commands: Array<{ kind: JobKind; line: string }>;
  environment: string[];
}

export const PlansQuerySchema = v.strictObject({ hostId: v.optional(HostIdSchema) });

// ---- jobs ----

/**
 * `POST /api/jobs`: run now. backup and forget take a plan (and optionally one of its hosts;
 * without one, every host it targets gets a job); the repository operations take a repository
 * and the host to run them from.
 */
export const RunJobSchema = v.pipe(
  v.strictObject({
    kind: JobKindSchema,
    planId: v.optional(PlanIdSchema),
    repositoryId: v.optional(RepositoryIdSchema),
    hostId: v.optional(HostIdSchema),
    options: v.optional(v.strictObject({
      readDataSubset: v.optional(
        v.pipe(
          v.string(),
          v.regex(/^(\d{1,3}(\.\d+)?%|\d{1,6}\/\d{1,6})$/, "must be like 10% or 1/5"),
        ),
      ),
      readData: v.optional(v.boolean()),
      prune: v.optional(v.boolean()),
      snapshotTime: v.optional(
        v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 time")),
      ),
      force: v.optional(v.boolean()),
    })),
  }),
  v.check(
    (j) => (j.kind === "backup" || j.kind === "forget") ? j.planId !== undefined : true,
    "backup and forget need a planId",
  ),
  v.check(
    (j) =>
      (j.kind === "backup" || j.kind === "forget") ||
      (j.repositoryId !== undefined && j.hostId !== undefined),
    "repository jobs need a repositoryId and the hostId to run them from",
  ),
);
export type RunJob = v.InferOutput<typeof RunJobSchema>;

export const JOB_STATUSES = [
  "queued",
  "sent",
  "running",
  "ok",
  "warning",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ACTIVE_JOB_STATUSES: ReadonlyArray<JobStatus> = ["queued", "sent", "running"];

export const JobsQuerySchema = v.strictObject({
  hostId: v.optional(HostIdSchema),
  planId: v.optional(PlanIdSchema),
  repositoryId: v.optional(RepositoryIdSchema),
  kind: v.optional(v.picklist(JOB_KINDS)),
  status: v.optional(v.picklist(JOB_STATUSES)),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 time"))),
  until: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 time"))),
  /** The last id of the previous page. */
  before: v.optional(JobIdParamSchema),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "must be 1 to 200"),
      v.transform(Number),
      v.minValue(1),
      v.maxValue(200),
    ),
    "50",
  ),
});

export interface JobView {
  id: string;
  kind: JobKind;
  status: JobStatus;
  host: { id: string; name: string };
  repository: { id: string; name: string; engine: Engine };
  plan: { id: string; name: string } | null;
  trigger: string;
  createdBy: string;
  createdAt: string;
  sentAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  cancelRequested: boolean;
  /** Why it waits, while queued: "Waiting for another job on this host" … */
  waitingFor: string | null;
  progress: JobProgress | null;
  command: string | null;
  exitCode: number | null;
  failureCode: FailureCode | null;
  /** Plain words: why it failed, or what a warning means. */
  message: string | null;
  snapshotId: string | null;
  result: Record<string, unknown> | null;
  logLines: number;
}

/** `GET /api/jobs/:id`: the view plus the raw tail (one click away in the UI). */
export interface JobDetail extends JobView {
  tail: string | null;
}

export interface JobLogLine {
  seq: number;
  at: string;
  level: "debug" | "info" | "warning" | "error";
  source: "tool" | "hook" | "cairn";
  text: string;
}

export const JobLogQuerySchema = v.strictObject({
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,16}$/), v.transform(Number)), "0"),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,4}$/), v.transform(Number), v.minValue(1), v.maxValue(5000)),
    "1000",
  ),
});

/**
 * `GET /api/jobs/:id/stream` (text/event-stream). On connect the server sends `job` (the full
 * JobDetail) and the log so far as `log` events, then as things happen: `progress`
 * (JobProgress + `receivedAt` ms), `log` (JobLogLine), `job` (on every status change) and
 * finally `end` (JobDetail) once the job finished, after which the server closes the stream.
 * A client that reconnects reloads the full state (Last-Event-ID is not needed).
 */
export const JOB_STREAM_EVENTS = ["job", "progress", "log", "end"] as const;

// ---- snapshots ----

export const SnapshotsQuerySchema = v.strictObject({
  repositoryId: v.optional(RepositoryIdSchema),
  hostId: v.optional(HostIdSchema),
  planId: v.optional(PlanIdSchema),
});

export interface SnapshotView {
  repositoryId: string;
  id: string;
  shortId: string;
  time: string;
  hostname: string;
  hostId: string | null;
  planId: string | null;
  paths: string[];
  tags: string[];
  sizeBytes: number | null;
  fileCount: number | null;
}
