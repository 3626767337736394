/**
 * Alerts (issue 5): what the alert engine raises, how the browser API shows it
 * (`/api/alerts`), and what the notifier is handed to deliver. One open alert per rule and
 * subject; an alert moves open → acknowledged → resolved, or open → resolved when its cause
 * goes away ("recovered"), and stays in the history.
 */
import * as v from "valibot";

export const ALERT_RULES = [
  "job_failed",
  "failures_in_row",
  "backup_stale",
  "host_offline",
  "check_failed",
  "lock_held",
  "size_changed",
  "host_pending",
  "appliance_key_changed",
  "standby_lag",
  "drill_failed",
  "drill_overdue",
] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ["open", "acknowledged", "resolved"] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export interface AlertView {
  id: string;
  rule: AlertRule;
  /** What the alert is about, unique per rule while open: "hst_…", "hst_…/pln_…", "rep_…". */
  subject: string;
  severity: AlertSeverity;
  state: AlertState;
  /** One line: "Backup failed on web-1". */
  title: string;
  /** Plain words with the cause: "Plan nightly: the repository is locked by …". */
  message: string;
  hostId: string | null;
  hostName: string | null;
  planId: string | null;
  planName: string | null;
  repositoryId: string | null;
  jobId: string | null;
  /** The PWA path that shows the cause: "/jobs/job_…", "/hosts/hst_…", "/restore/diff?…". */
  link: string;
  openedAt: string;
  /** The last time the engine saw the cause still there. */
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  /** How many times the cause was seen while open (a job failing again adds one). */
  count: number;
}

/** What the engine hands the notifier. "test" comes from a channel's "send test" button. */
export interface AlertEvent {
  type: "opened" | "resolved" | "test";
  alert: AlertView;
}

/** Implemented by the notifier; the engine never waits on a delivery. */
export interface AlertListener {
  alertChanged(event: AlertEvent): void;
}

/**
 * The JSON a Web Push message carries (encrypted to the subscription), read by the service
 * worker to show the notification; a click opens `url` (a PWA path).
 */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  /** Replaces an earlier notification of the same alert on the device. */
  tag: string;
  alertId: string | null;
  severity: AlertSeverity;
  /** "opened" | "resolved" | "test" */
  event: AlertEvent["type"];
}

// ---- browser API requests (alert engine) ----

export const AlertRuleSchema = v.picklist(ALERT_RULES, "must be an alert rule");
export const AlertSeveritySchema = v.picklist(
  ALERT_SEVERITIES,
  "must be critical, warning or info",
);
const num = (min: number, max: number) =>
  v.pipe(
    v.number("must be a number"),
    v.finite("must be a number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
const whole = (min: number, max: number) => v.pipe(num(min, max), v.integer("must be whole"));

/**
 * Each rule's settings, checked whole on PATCH (every field present). Fractions of hours and
 * minutes are allowed so a test or an impatient admin can set short thresholds.
 */
export const ALERT_RULE_PARAMS = {
  job_failed: v.strictObject({}),
  failures_in_row: v.strictObject({ count: whole(2, 100) }),
  /** Window = factor × the backup schedule's usual interval + graceMinutes. */
  backup_stale: v.strictObject({
    factor: num(1, 100),
    graceMinutes: num(0, 10_080),
    /** Plans without an enabled backup schedule: judged against this many hours, or never. */
    unscheduledHours: v.nullable(num(0.01, 8760)),
  }),
  host_offline: v.strictObject({ minutes: num(0.1, 43_200) }),
  check_failed: v.strictObject({}),
  /** 0 flags any lock seen. */
  lock_held: v.strictObject({ hours: num(0, 720) }),
  size_changed: v.strictObject({ percent: num(1, 100_000) }),
  host_pending: v.strictObject({}),
  appliance_key_changed: v.strictObject({}),
  standby_lag: v.strictObject({ seconds: num(1, 86_400) }),
  drill_failed: v.strictObject({}),
  /** Hours after a drill schedule's run was due without a passing drill. */
  drill_overdue: v.strictObject({ graceHours: num(0.01, 8760) }),
} as const satisfies Record<AlertRule, v.GenericSchema>;

/** PATCH /api/alert-rules/:rule; params are checked against ALERT_RULE_PARAMS[rule]. */
export const UpdateAlertRuleSchema = v.strictObject({
  enabled: v.optional(v.boolean("must be true or false")),
  severity: v.optional(AlertSeveritySchema),
  params: v.optional(v.record(v.string(), v.unknown(), "must be an object")),
});
export type UpdateAlertRule = v.InferOutput<typeof UpdateAlertRuleSchema>;

export interface AlertRuleView {
  rule: AlertRule;
  enabled: boolean;
  severity: AlertSeverity;
  params: Record<string, unknown>;
  /** false for rules whose part is not built yet (standby_lag before replication). */
  implemented: boolean;
  /** Plain words: what raises it and what resolves it. */
  description: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

const AlertIdParam = v.pipe(v.string(), v.regex(/^alr_[0-9a-z]{26}$/, "must be an alert id"));

/** GET /api/alerts. state "active" = open or acknowledged. */
export const AlertsQuerySchema = v.strictObject({
  state: v.optional(v.picklist([...ALERT_STATES, "active"], "must be an alert state or active")),
  rule: v.optional(AlertRuleSchema),
  severity: v.optional(AlertSeveritySchema),
  hostId: v.optional(v.pipe(v.string(), v.regex(/^hst_[0-9a-z]{26}$/, "must be a host id"))),
  /** Alerts seen (opened or still there) at or after this time. */
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO 8601 time"))),
  /** The last id of the previous page. */
  before: v.optional(AlertIdParam),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "must be 1 to 200"),
      v.transform(Number),
      v.minValue(1, "must be 1 to 200"),
      v.maxValue(200, "must be 1 to 200"),
    ),
    "50",
  ),
});
export type AlertsQuery = v.InferOutput<typeof AlertsQuerySchema>;

export interface AlertListView {
  alerts: AlertView[];
  nextBefore: string | null;
  /** Open and acknowledged alerts by severity, whatever the filter. */
  active: Record<AlertSeverity, number>;
}

/** PUT /api/hosts/:id/always-online */
export const AlwaysOnlineSchema = v.strictObject({
  alwaysOnline: v.boolean("must be true or false"),
});
