/** Plain words for alerts: rule and severity names, their badges, and the order to show them. */
import type {
  AlertRule,
  AlertSeverity,
  AlertState,
  AlertView,
} from "../../../../server/contract/alerts.ts";

export const RULE_LABEL: Record<AlertRule, string> = {
  job_failed: "Job failed",
  failures_in_row: "Failures in a row",
  backup_stale: "No recent backup",
  host_offline: "Host offline",
  check_failed: "Check failed",
  lock_held: "Repository lock held",
  size_changed: "Repository size jumped",
  host_pending: "Host waiting for approval",
  appliance_key_changed: "Appliance key changed",
  standby_lag: "Standby behind",
  drill_failed: "Restore drill failed",
  drill_overdue: "Restore drill overdue",
};

/** What each rule's figures mean, for the rules settings (unknown figures keep their name). */
export const PARAM_LABEL: Record<string, string> = {
  n: "Failures in a row",
  count: "Failures in a row",
  factor: "Usual intervals missed before stale",
  graceMinutes: "Grace (minutes)",
  unscheduledHours: "Unscheduled plans: stale after (hours, empty = never)",
  minutes: "Minutes offline",
  hours: "Hours a lock may be held",
  percent: "Change in size (%)",
  seconds: "Lag allowed (seconds)",
  graceHours: "Hours late before overdue",
};

export const SEVERITY_LABEL: Record<AlertSeverity, string> = {
  critical: "Critical",
  warning: "Warning",
  info: "Info",
};

export const SEVERITY_BADGE: Record<AlertSeverity, string> = {
  critical: "badge badge--bad",
  warning: "badge badge--warn",
  info: "badge",
};

export const STATE_LABEL: Record<AlertState, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  resolved: "Resolved",
};

const RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };

/** Critical first, then warning, then info; within a severity the newest first. */
export function byUrgency(a: AlertView, b: AlertView): number {
  return RANK[a.severity] - RANK[b.severity] || b.openedAt.localeCompare(a.openedAt);
}

/** Alerts that still want someone: open and acknowledged, most urgent first. */
export function needingAttention(alerts: readonly AlertView[]): AlertView[] {
  return alerts.filter((a) => a.state !== "resolved").sort(byUrgency);
}

/** "Open job" / "Open host" / "See what changed": the words of an alert's link to its cause. */
export function causeLabel(a: AlertView): string {
  if (a.link.startsWith("/jobs/")) return "Open the job";
  if (a.link.includes("/diff")) return "See what changed";
  if (a.link.startsWith("/hosts/")) return "Open the host";
  if (a.link.startsWith("/plans/")) return "Open the plan";
  if (a.link.startsWith("/repositories/")) return "Open the repository";
  return "Open";
}

/** Only PWA paths are followed: a link that is not one ("//evil", "javascript:") is dropped. */
export function safeLink(link: string): string | null {
  return /^\/(?![/\\])[^\s]*$/.test(link) ? link : null;
}

/** A rule's description with its `figure` names as code: the pieces to render in order. */
export function codeSpans(text: string): { code: boolean; text: string }[] {
  return text.split("`").map((t, i) => ({ code: i % 2 === 1, text: t })).filter((p) => p.text);
}
