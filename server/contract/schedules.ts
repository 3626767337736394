/**
 * Schedules (issue 5): when a plan's backup and its maintenance run. The browser API
 * (`/api/schedules`, `/api/plans/:id/pause`) and the agent protocol's part of it: the appliance
 * pushes each host its schedule document with a version (`schedule.put` command), the agent
 * acknowledges the version it applied (`schedule.applied` report), fires it on its own clock
 * whether or not the appliance is reachable, and tells the appliance about each run it fired
 * (`job.scheduled`, the first report of a job whose id the agent made).
 *
 * Why the agent fires every scheduled run, online or not: one place decides, so a run is never
 * made twice (once by the appliance, once by an agent that thought it was away). The appliance
 * adopts a fired run as a job row when the `job.scheduled` report arrives; from then on it is
 * a job like any other (progress, log, cancel, history).
 *
 * Times in a schedule are wall-clock times in the schedule's IANA zone, so "daily at 02:30" stays
 * at 02:30 across a daylight-saving change (see schedule_time.ts for the gap and overlap rules).
 */
import * as v from "valibot";
import { JobIdSchema } from "./agent.ts";
import { JobSpecSchema } from "./jobs.ts";

const int = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const Time = int(0, 8.64e15);
const nonEmpty = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.minLength(1, "must not be empty"),
    v.maxLength(max, `must be at most ${max} characters`),
  );

/** What a schedule runs. backup and forget run on every host of the plan; the rest on one. */
export const SCHEDULE_KINDS = ["backup", "forget", "prune", "check", "compact"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
export const ScheduleKindSchema = v.picklist(SCHEDULE_KINDS, "must be a schedule kind");
/** Kinds that act on the whole repository, so they run on one host of the plan only. */
export const REPOSITORY_WIDE_KINDS: ReadonlyArray<ScheduleKind> = ["prune", "check", "compact"];

/** "HH:MM", 24-hour wall-clock time in the schedule's zone. */
export const WallTimeSchema = v.pipe(
  v.string("must be a time"),
  v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time of day as HH:MM (00:00 to 23:59)"),
);

/**
 * How a user says when. Presets cover what people ask for; `cron` is the escape hatch (five
 * fields, minute first; cron-schedule's syntax). Every rule turns into one cron expression
 * (ruleToCron in cron.ts), which is what agents run.
 */
export const ScheduleRuleSchema = v.variant("type", [
  /** Every hour at this minute. */
  v.strictObject({ type: v.literal("hourly"), minute: int(0, 59) }),
  /** Every N hours (a divisor of 24 keeps it even across days), at this minute. */
  v.strictObject({
    type: v.literal("every"),
    hours: v.pipe(
      int(1, 24),
      v.check((h) => 24 % h === 0, "must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)"),
    ),
    minute: int(0, 59),
  }),
  v.strictObject({ type: v.literal("daily"), at: WallTimeSchema }),
  /** Days are 0 = Sunday … 6 = Saturday. */
  v.strictObject({
    type: v.literal("weekly"),
    days: v.pipe(
      v.array(int(0, 6)),
      v.minLength(1, "must name at least one day"),
      v.maxLength(7),
    ),
    at: WallTimeSchema,
  }),
  /** On this day of each month (29 to 31 run only in months that have the day). */
  v.strictObject({ type: v.literal("monthly"), day: int(1, 31), at: WallTimeSchema }),
  v.strictObject({ type: v.literal("cron"), expression: nonEmpty(200) }),
], "must be a schedule rule (hourly, every, daily, weekly, monthly or cron)");
export type ScheduleRule = v.InferOutput<typeof ScheduleRuleSchema>;

/** An IANA zone name ("Europe/Berlin", "UTC"); checked against the runtime's zone data. */
export const TimeZoneSchema = v.pipe(
  v.string("must be a time zone"),
  v.maxLength(64),
  v.check((z) => isTimeZone(z), "must be an IANA time zone such as Europe/Berlin or UTC"),
);

export function isTimeZone(z: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(z)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: z });
    return true;
  } catch {
    return false;
  }
}

/** Runs missed while a host was off or asleep: run the latest once when it is back, or skip. */
export const CatchUpSchema = v.picklist(["once", "skip"], "must be once or skip");
export type CatchUp = v.InferOutput<typeof CatchUpSchema>;

const scheduleFields = {
  planId: v.pipe(v.string(), v.regex(/^pln_[0-9a-z]{26}$/, "must be a plan id")),
  kind: ScheduleKindSchema,
  rule: ScheduleRuleSchema,
  timeZone: TimeZoneSchema,
  /** Each host starts up to this many minutes late (fixed per host), to stagger a fleet. */
  jitterMinutes: v.optional(int(0, 720), 0),
  catchUp: v.optional(CatchUpSchema, "once"),
  enabled: v.optional(v.boolean(), true),
};

/** POST /api/schedules */
export const CreateScheduleSchema = v.strictObject(scheduleFields);
export type CreateSchedule = v.InferOutput<typeof CreateScheduleSchema>;
/** PATCH /api/schedules/:id (the plan and the kind are fixed once made) */
export const UpdateScheduleSchema = v.partial(v.strictObject({
  rule: scheduleFields.rule,
  timeZone: scheduleFields.timeZone,
  jitterMinutes: int(0, 720),
  catchUp: CatchUpSchema,
  enabled: v.boolean(),
}));
export type UpdateSchedule = v.InferOutput<typeof UpdateScheduleSchema>;

/** POST /api/schedules/preview: describe a rule and list its next runs, without saving. */
export const SchedulePreviewSchema = v.strictObject({
  rule: ScheduleRuleSchema,
  timeZone: TimeZoneSchema,
  count: v.optional(int(1, 20), 5),
});
export interface SchedulePreview {
  cron: string;
  /** Plain words: "Every day at 02:30 (Europe/Berlin)". */
  description: string;
  /** ISO 8601 instants. */
  nextRuns: string[];
}

/** POST /api/plans/:id/pause: pause every schedule of the plan, keeping them as they are. */
export const PausePlanSchema = v.variant("for", [
  v.strictObject({ for: v.literal("hours"), hours: int(1, 24 * 30) }),
  /** Until 06:00 tomorrow in the given zone. */
  v.strictObject({ for: v.literal("tomorrow"), timeZone: TimeZoneSchema }),
  v.strictObject({ for: v.literal("indefinitely") }),
  v.strictObject({ for: v.literal("resume") }),
]);
export type PausePlan = v.InferOutput<typeof PausePlanSchema>;
/** plans.paused_until for "until resumed". */
export const PAUSED_INDEFINITELY = 8.64e15;

/** Where one host stands with its schedule document. */
export interface HostScheduleState {
  hostId: string;
  hostName: string;
  /** The version the appliance last made for this host (0 = never). */
  pushedVersion: number;
  pushedAt: string | null;
  /** The version the agent said it applied (0 = none yet). */
  appliedVersion: number;
  appliedAt: string | null;
  /** pushedVersion !== appliedVersion: "version 7 pushed, host runs 5". */
  drift: boolean;
}

export interface ScheduleView {
  id: string;
  planId: string;
  planName: string;
  kind: ScheduleKind;
  rule: ScheduleRule;
  timeZone: string;
  jitterMinutes: number;
  catchUp: CatchUp;
  enabled: boolean;
  cron: string;
  description: string;
  /** Empty while the schedule or its plan is disabled or paused. */
  nextRuns: string[];
  /** The plan's pause, ISO; null when not paused. */
  pausedUntil: string | null;
  /** The host a repository-wide kind runs on; null for backup and forget (every host). */
  runnerHostId: string | null;
  lastRun: { jobId: string; status: string; at: string } | null;
  hosts: HostScheduleState[];
  createdAt: string;
  updatedAt: string;
}

// ---- agent protocol ----

/** One entry of a host's schedule document: what to run, when, and the job to run. */
export const ScheduleEntrySchema = v.object({
  scheduleId: nonEmpty(64),
  planId: nonEmpty(64),
  kind: ScheduleKindSchema,
  /** Five-field cron in `timeZone`'s wall-clock time. */
  cron: nonEmpty(200),
  timeZone: nonEmpty(64),
  /** This host's fixed delay after each run time, in seconds (already drawn by the appliance). */
  jitterSeconds: int(0, 720 * 60),
  catchUp: CatchUpSchema,
  /** Fire nothing before this instant (ms); null = not paused. */
  pausedUntil: v.nullable(Time),
  /**
   * The job to run, with its secrets sealed to this agent. `jobId` is a placeholder: each run
   * gets an id the agent makes (SCHEDULED_JOB_ID_PREFIX + ULID). `options` are the kind's
   * defaults (forget: prune false; check: no read-data).
   */
  spec: JobSpecSchema,
});
export type ScheduleEntry = v.InferOutput<typeof ScheduleEntrySchema>;

/** `schedule.put` command args: the host's whole schedule; a newer version replaces it. */
export const ScheduleDocumentSchema = v.object({
  version: int(1, Number.MAX_SAFE_INTEGER),
  hostId: nonEmpty(64),
  issuedAt: Time,
  entries: v.pipe(v.array(ScheduleEntrySchema), v.maxLength(500, "must hold at most 500 entries")),
});
export type ScheduleDocument = v.InferOutput<typeof ScheduleDocumentSchema>;

/** `schedule.applied` report body (a host report, jobId null). */
export const ScheduleAppliedSchema = v.object({
  version: int(0, Number.MAX_SAFE_INTEGER),
  entries: int(0, 500),
  appliedAt: Time,
});
export type ScheduleApplied = v.InferOutput<typeof ScheduleAppliedSchema>;

/**
 * Ids of jobs an agent made for its scheduled runs: "job_" + a ULID in lower case, the form of the
 * appliance's own job ids, so lists ordered by id stay in time order.
 */
export const SCHEDULED_JOB_ID_PREFIX = "job_";
export const ScheduledJobIdSchema = v.pipe(
  JobIdSchema,
  v.regex(/^job_[0-9a-hjkmnp-tv-z]{26}$/, "must be a scheduled job id"),
);

/**
 * `job.scheduled` report body: the first report of a run the agent fired (its jobId is the
 * agent-made id). The appliance makes the job row from it (trigger 'schedule') in the same
 * transaction that stores the report; the job's later reports follow as for any job.
 */
export const JobScheduledSchema = v.object({
  scheduleId: nonEmpty(64),
  planId: nonEmpty(64),
  repositoryId: nonEmpty(64),
  kind: ScheduleKindSchema,
  /** The document version the run came from. */
  scheduleVersion: int(1, Number.MAX_SAFE_INTEGER),
  /** The run time it stands for (before jitter), ms. */
  scheduledFor: Time,
  firedAt: Time,
  /** true: a missed run made up once when the host came back (or woke up). */
  catchUp: v.boolean(),
  /** Whether the appliance answered the agent's last contact before it fired. */
  offline: v.boolean(),
});
export type JobScheduled = v.InferOutput<typeof JobScheduledSchema>;
