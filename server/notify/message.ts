/**
 * What every channel says about an alert event, built once: a title and a plain-text body that
 * name the host, the plan and the cause, and a link to the PWA page that shows it. Links are
 * absolute when the appliance knows its public address (CAIRN_BASE_URL); otherwise they are the
 * PWA path alone, which the push notification resolves against the page's own origin.
 */
import type { AlertEvent, AlertSeverity, AlertView, PushPayload } from "../contract/alerts.ts";

export interface Message {
  event: AlertEvent["type"];
  title: string;
  /** Plain text, a few lines. */
  body: string;
  severity: AlertSeverity;
  /** The PWA path ("/jobs/job_…"). */
  path: string;
  /** Absolute when the base URL is known, else null. */
  url: string | null;
  hostName: string | null;
  planName: string | null;
  alert: AlertView;
}

export function formatMessage(event: AlertEvent, baseUrl: string | null): Message {
  const a = event.alert;
  const title = event.type === "resolved"
    ? `Recovered: ${a.title}`
    : event.type === "test"
    ? "Cairn test notification"
    : a.title;
  const where = [
    a.hostName ? `Host: ${a.hostName}` : null,
    a.planName ? `Plan: ${a.planName}` : null,
  ].filter(Boolean).join(" · ");
  const lines = [a.message, where].filter((l) => l);
  const path = a.link.startsWith("/") ? a.link : "/";
  const url = baseUrl ? new URL(path, baseUrl.endsWith("/") ? baseUrl : baseUrl + "/").href : null;
  if (url) lines.push(`Open in Cairn: ${url}`);
  return {
    event: event.type,
    title,
    body: lines.join("\n"),
    severity: a.severity,
    path,
    url,
    hostName: a.hostName,
    planName: a.planName,
    alert: a,
  };
}

/** The JSON a push message carries to the service worker. */
export function pushPayloadOf(m: Message): PushPayload {
  return {
    title: m.title,
    body: m.body,
    url: m.path,
    tag: `cairn-alert-${m.alert.id}`,
    alertId: m.event === "test" ? null : m.alert.id,
    severity: m.severity,
    event: m.event,
  };
}

/** The alert a "send test" carries: plainly a test, with a link to the channel settings. */
export function testAlert(now: number, link: string): AlertView {
  const at = new Date(now).toISOString();
  return {
    id: `test-${now}`,
    rule: "job_failed",
    subject: "test",
    severity: "info",
    state: "open",
    title: "Cairn test notification",
    message: "This is a test from Cairn. If you can read it, alerts will reach you here.",
    hostId: null,
    hostName: null,
    planId: null,
    planName: null,
    repositoryId: null,
    jobId: null,
    link,
    openedAt: at,
    lastSeenAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    count: 1,
  };
}
