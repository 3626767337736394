/**
 * Alert events as the alert engine hands them to the notifier, a notifier on a test db, and
 * channels made through the API.
 */
import assert from "node:assert/strict";
import type { AlertEvent, AlertView } from "../../server/contract/alerts.ts";
import type { createTestContext } from "../helpers/app.ts";
import { createNotifyRepo } from "../../server/notify/repo.ts";
import { createNotifyService } from "../../server/notify/service.ts";
import type { NotifyDeps } from "../../server/notify/service.ts";
import type { Fetch } from "../../server/notify/channels/http.ts";

let n = 0;

export function alert(over: Partial<AlertView> = {}): AlertView {
  n++;
  const at = new Date(Date.UTC(2026, 10, 1, 12, 0, n)).toISOString();
  return {
    id: `alr_01jtestalert${String(n).padStart(13, "0")}`,
    rule: "job_failed",
    subject: "hst_x/pln_y",
    severity: "critical",
    state: "open",
    title: "Backup failed on web-1",
    message: "Plan nightly: the repository does not exist (restic exit 1)",
    hostId: "hst_01jtesthost000000000000000",
    hostName: "web-1",
    planId: "pln_01jtestplan000000000000000",
    planName: "nightly",
    repositoryId: null,
    jobId: "job_01jtestjob0000000000000000",
    link: "/jobs/job_01jtestjob0000000000000000",
    openedAt: at,
    lastSeenAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    count: 1,
    ...over,
  };
}

export const opened = (over: Partial<AlertView> = {}): AlertEvent => ({
  type: "opened",
  alert: alert(over),
});

type Ctx = Awaited<ReturnType<typeof createTestContext>>;
type Client = Awaited<ReturnType<Ctx["signedInClients"]>>["admin"];

/** A channel made through the API by `admin`; answers its id. */
export async function createChannel(admin: Client, body: unknown): Promise<string> {
  const r = await admin.json<{ channel: { id: string } }>("POST", "/api/channels", { body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.channel.id;
}

/** A webhook channel to `url`, made through the API. */
export function createWebhook(admin: Client, name: string, url: string): Promise<string> {
  return createChannel(admin, { kind: "webhook", name, config: { url } });
}

/** A notifier on the context's database and secret box, with its own fetch. */
export function notifierFor(
  ctx: Ctx,
  opts: {
    fetch?: Fetch;
    baseUrl?: string | null;
    vapidSubject?: string | null;
    worker?: NotifyDeps["worker"];
  } = {},
) {
  return createNotifyService({
    repo: createNotifyRepo(ctx.db),
    audit: ctx.services.audit,
    clock: ctx.clock,
    secretBox: ctx.services.secretBox,
    baseUrl: opts.baseUrl === undefined ? "https://cairn.example.net" : opts.baseUrl,
    vapidSubject: opts.vapidSubject ?? null,
    log: ctx.deps.log,
    fetch: opts.fetch,
    worker: opts.worker,
  });
}
