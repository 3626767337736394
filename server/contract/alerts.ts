/**
 * Alerts (issue 5): what the alert engine raises, how the browser API shows it
 * (`/api/alerts`), and what the notifier is handed to deliver. One open alert per rule and
 * subject; an alert moves open → acknowledged → resolved, or open → resolved when its cause
 * goes away ("recovered"), and stays in the history.
 */

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
