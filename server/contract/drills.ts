/**
 * Restore drills through the browser API: start one (`POST /api/drills`), the history
 * (`GET /api/drills`) and a host's "last verified restore" (`GET /api/hosts/:id/drills/latest`).
 * Shared by server and PWA; the agent's side is `DrillSpec` in jobs.ts and `DrillResult` here.
 *
 * A drill restores a random sample of a snapshot's regular files (picked by the appliance from
 * the snapshot index, with the size and mtime the snapshot recorded) into a scratch directory,
 * checks them, and removes them. The snapshot defaults to the latest of the host in the
 * repository (or the plan's repository).
 */
import * as v from "valibot";
import type { JobView } from "./backups.ts";
import { type ScheduleRule, ScheduleRuleSchema, TimeZoneSchema } from "./schedules.ts";

export const DEFAULT_DRILL_SAMPLE = 20;
export const MAX_DRILL_SAMPLE = 500;
/** How many drills the trend on a host's screen shows. */
export const DRILL_TREND = 10;
/** A plan source with this name is the plan's canary file: every drill checks it. */
export const CANARY_NAME = ".cairn-canary";

const HostId = v.pipe(v.string(), v.regex(/^hst_[0-9a-z]{10,40}$/, "must be a host id"));
const RepositoryId = v.pipe(
  v.string(),
  v.regex(/^rep_[0-9a-z]{10,40}$/, "must be a repository id"),
);
const PlanId = v.pipe(v.string(), v.regex(/^pln_[0-9a-z]{10,40}$/, "must be a plan id"));
const SnapshotId = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(300, "must be at most 300 characters"),
  v.check(
    (s) => ![...s].some((ch) => ch === "/" || ch.charCodeAt(0) < 32),
    "must be a snapshot id or archive name",
  ),
);

export const CreateDrillSchema = v.strictObject({
  hostId: HostId,
  /** The repository; or give `planId` (its repository); one of the two is needed. */
  repositoryId: v.optional(RepositoryId),
  planId: v.optional(PlanId),
  /** Default: the host's latest snapshot in that repository (of that plan, with planId). */
  snapshotId: v.optional(SnapshotId),
  sampleSize: v.optional(
    v.pipe(
      v.number("must be a number"),
      v.integer("must be a whole number"),
      v.minValue(1, "must be at least 1"),
      v.maxValue(MAX_DRILL_SAMPLE, `must be at most ${MAX_DRILL_SAMPLE}`),
    ),
    DEFAULT_DRILL_SAMPLE,
  ),
  /** Where the files are restored and checked; default the snapshot's own host. */
  targetHostId: v.optional(HostId),
});
export type CreateDrill = v.InferOutput<typeof CreateDrillSchema>;

export const DrillsQuerySchema = v.strictObject({
  hostId: v.optional(HostId),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, "must be a number"), v.transform(Number)),
    "50",
  ),
});
export type DrillsQuery = v.InferOutput<typeof DrillsQuerySchema>;

/** One file that did not hold up. */
export interface DrillMismatch {
  path: string;
  /** Plain words: "size 10 in the snapshot, 12 restored", "differs from the live file". */
  why: string;
}

/** `result` of a finished drill job (set by the agent). */
export interface DrillResult {
  /** Files restored and checked. */
  checked: number;
  mismatches: DrillMismatch[];
  /** Bytes restored. */
  bytes: number;
  /** Restore and checks, ms. */
  durationMs: number;
  /** bytes / s over durationMs. */
  throughput: number;
  /** Files also compared with the live file (same size and mtime as the snapshot's). */
  liveCompared: number;
  /** Files whose live copy changed since the snapshot (or is gone): not compared. */
  liveSkipped: number;
}

export type DrillOutcome = "queued" | "running" | "ok" | "failed" | "cancelled";

/** One drill in the history. */
export interface DrillView {
  job: JobView;
  hostId: string;
  targetHostId: string;
  repositoryId: string;
  planId: string | null;
  snapshotId: string;
  sampleSize: number;
  /** The canary file checked, if the plan keeps one. */
  canary: string | null;
  by: string;
  /** ISO time the drill was asked for. */
  at: string;
  /** ISO time it ended, or null while it runs. */
  finishedAt: string | null;
  outcome: DrillOutcome;
  checked: number | null;
  mismatchCount: number | null;
  bytes: number | null;
  durationMs: number | null;
  throughput: number | null;
  /** Plain words when it failed: "2 of 20 files did not match the snapshot". */
  message: string | null;
}

/** `POST /api/drills` → 201. */
export interface CreatedDrill {
  jobs: JobView[];
}

/** `GET /api/drills` */
export interface DrillsListView {
  drills: DrillView[];
}

/** `GET /api/hosts/:id/drills/latest`: the host's "last verified restore". */
export interface LastVerifiedView {
  hostId: string;
  /** The newest drill that ended (ok or failed), or null. */
  latest: DrillView | null;
  /** The newest drill that passed, or null. */
  lastOk: DrillView | null;
  /** Up to DRILL_TREND ended drills, newest first. */
  trend: DrillView[];
}

// ---- drill schedules (`/api/drill-schedules`) ----

/**
 * A drill schedule: the appliance starts a drill by itself at each run of the rule (in the
 * rule's zone), as the actor "schedule". Scope "plan" drills every host of the plan in the
 * plan's repository; scope "host" drills the host's newest snapshot in any repository. One
 * schedule per plan and one per host. Drills run on the appliance's clock, not the agents'
 * (the sample comes from the appliance's snapshot index); a missed run is made up once.
 */
export const DrillScheduleScopeSchema = v.picklist(["plan", "host"], "must be plan or host");
export type DrillScheduleScope = v.InferOutput<typeof DrillScheduleScopeSchema>;

const SampleSize = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(1, "must be at least 1"),
  v.maxValue(MAX_DRILL_SAMPLE, `must be at most ${MAX_DRILL_SAMPLE}`),
);

/** POST /api/drill-schedules: exactly one of planId and hostId. */
export const CreateDrillScheduleSchema = v.pipe(
  v.strictObject({
    planId: v.optional(PlanId),
    hostId: v.optional(HostId),
    rule: ScheduleRuleSchema,
    timeZone: TimeZoneSchema,
    sampleSize: v.optional(SampleSize, DEFAULT_DRILL_SAMPLE),
    /** Another host restores and checks the files; null or absent: the drilled host itself. */
    targetHostId: v.optional(v.nullable(HostId), null),
    enabled: v.optional(v.boolean("must be true or false"), true),
  }),
  v.check(
    (s) => (s.planId === undefined) !== (s.hostId === undefined),
    "must name exactly one of planId and hostId",
  ),
);
export type CreateDrillSchedule = v.InferOutput<typeof CreateDrillScheduleSchema>;

/** PATCH /api/drill-schedules/:id (the plan or host is fixed once made). */
export const UpdateDrillScheduleSchema = v.partial(v.strictObject({
  rule: ScheduleRuleSchema,
  timeZone: TimeZoneSchema,
  sampleSize: SampleSize,
  targetHostId: v.nullable(HostId),
  enabled: v.boolean("must be true or false"),
}));
export type UpdateDrillSchedule = v.InferOutput<typeof UpdateDrillScheduleSchema>;

/** GET /api/drill-schedules?planId=…|hostId=… */
export const DrillSchedulesQuerySchema = v.strictObject({
  planId: v.optional(PlanId),
  hostId: v.optional(HostId),
});
export type DrillSchedulesQuery = v.InferOutput<typeof DrillSchedulesQuerySchema>;

export interface DrillScheduleView {
  id: string;
  scope: DrillScheduleScope;
  planId: string | null;
  planName: string | null;
  hostId: string | null;
  hostName: string | null;
  rule: ScheduleRule;
  timeZone: string;
  cron: string;
  /** Plain words: "Every day at 03:00 (Europe/Berlin)". */
  description: string;
  sampleSize: number;
  targetHostId: string | null;
  targetHostName: string | null;
  enabled: boolean;
  /** ISO instants of the next runs; empty while disabled (or the plan is disabled or paused). */
  nextRuns: string[];
  /** The last attempt, ISO (a drill started, or skipped with a reason). */
  lastRunAt: string | null;
  /** The job of the last drill it started. */
  lastDrillId: string | null;
  /** Why the last attempt started no drill (or none on some hosts): "web-1: offline". */
  lastSkipReason: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** GET /api/drill-schedules */
export interface DrillSchedulesListView {
  schedules: DrillScheduleView[];
}
