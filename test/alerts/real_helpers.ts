/**
 * What the real-event alert tests share: reading alerts the way the PWA does (GET /api/alerts),
 * waiting for one to reach a state, and a local webhook receiver registered as a channel through
 * POST /api/channels, which records every event Cairn sends it.
 */
import type { AlertRule, AlertState, AlertView } from "../../server/contract/alerts.ts";
import { waitFor } from "../agents/procs.ts";
import type { BackupRig } from "../e2e/backup_rig.ts";

export interface Received {
  event: string;
  alert: AlertView;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 that answers 204 to every POST and keeps its JSON body. */
export function startWebhookReceiver(): WebhookReceiver {
  const received: Received[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      if (req.method !== "POST") return new Response(null, { status: 405 });
      const body = await req.json() as Received;
      if (req.headers.get("x-cairn-event") !== body.event) {
        return new Response("event header and body disagree", { status: 400 });
      }
      received.push({ event: body.event, alert: body.alert });
      return new Response(null, { status: 204 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    close: () => server.shutdown(),
  };
}

/** Creates a webhook channel that hears every rule, severity and event. */
export async function addWebhookChannel(rig: BackupRig, url: string): Promise<void> {
  await rig.api("POST", "/api/channels", {
    kind: "webhook",
    name: "test receiver",
    config: { url },
    severities: ["critical", "warning", "info"],
    events: ["opened", "resolved"],
  });
}

export async function listAlerts(
  rig: BackupRig,
  q: { rule?: AlertRule; state?: AlertState | "active"; hostId?: string } = {},
): Promise<AlertView[]> {
  const params = new URLSearchParams({ limit: "200" });
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  const r = await rig.api<{ alerts: AlertView[] }>("GET", `/api/alerts?${params}`);
  return r.alerts;
}

/** The alert of this rule and subject in this state, as GET /api/alerts shows it. */
export function waitAlert(
  rig: BackupRig,
  rule: AlertRule,
  subject: string,
  state: AlertState,
  timeoutMs = 30_000,
): Promise<AlertView> {
  return waitFor(`${rule} ${subject} ${state}`, async () => {
    const all = await listAlerts(rig, { rule, state });
    return all.find((a) => a.subject === subject) ?? null;
  }, timeoutMs);
}

/** Waits until the receiver has heard this event of this alert. */
export function waitReceived(
  hook: WebhookReceiver,
  alertId: string,
  event: "opened" | "resolved",
  timeoutMs = 20_000,
): Promise<Received> {
  return waitFor(
    `the webhook to hear ${event} of ${alertId}`,
    () => hook.received.find((r) => r.alert.id === alertId && r.event === event) ?? null,
    timeoutMs,
  );
}

export async function setRule(
  rig: BackupRig,
  rule: AlertRule,
  params: Record<string, unknown>,
): Promise<void> {
  await rig.api("PATCH", `/api/alert-rules/${rule}`, { params });
}
