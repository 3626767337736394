/**
 * The notifier: hears alert events from the alert engine (AlertListener), writes one delivery
 * per matching channel and push subscription, and wakes the worker; it never makes the engine
 * wait on a delivery. Also the channels' settings (secrets sealed, answered as set flags only)
 * and their delivery log. Push subscriptions are in push.ts.
 */
import * as v from "valibot";
import type { Actor, AuditService } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { AlertListener } from "../contract/alerts.ts";
import { CHANNEL_SCHEMAS } from "../contract/notify.ts";
import type {
  ChannelView,
  CreateChannel,
  DeliveryView,
  UpdateChannel,
} from "../contract/notify.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { parseOrThrow } from "../validation.ts";
import { newId } from "../ids.ts";
import { createEnqueuer, newDelivery } from "./enqueue.ts";
import type { Target } from "./enqueue.ts";
import type { Logger } from "../log.ts";
import type { SecretBox } from "../secrets/box.ts";
import { attemptDelivery, openSecrets } from "./dispatch.ts";
import type { Fetch } from "./channels/http.ts";
import { certificatesParse } from "./channels/smtp.ts";
import { testAlert } from "./message.ts";
import type { ChannelRecord, NotifyRepo } from "./repo.ts";
import { loadOrCreateVapidKeys, vapidSubject } from "./vapid.ts";
import type { VapidKeys } from "./vapid.ts";
import { toChannelView, toDeliveryView } from "./views.ts";
import { createDeliveryWorker } from "./worker.ts";
import type { WorkerOptions } from "./worker.ts";

/** Finished deliveries are kept this long in the log. */
const KEEP_LOG_MS = 30 * 24 * 3600_000;
/** A test still pending this long after it was made was cut off by a stop. */
const STALE_TEST_MS = 60_000;

export interface NotifyDeps {
  repo: NotifyRepo;
  audit: AuditService;
  clock: Clock;
  secretBox: SecretBox;
  /** The appliance's public address (CAIRN_BASE_URL), for absolute links; null when unknown. */
  baseUrl: string | null;
  /** CAIRN_VAPID_SUBJECT: the contact push services may use; null = made from baseUrl. */
  vapidSubject?: string | null;
  /** Outgoing requests; tests pass one that trusts their local push service's CA. */
  fetch?: Fetch;
  log?: Logger;
  worker?: Pick<WorkerOptions, "timeoutMs" | "perTarget" | "maxInFlight">;
}

/** Checks a kind's config and secrets; 400 names the field ("config.url"). */
function checkKind(kind: ChannelRecord["kind"], config: unknown, secrets: Record<string, string>) {
  const schemas = CHANNEL_SCHEMAS[kind];
  const parsed = parseOrThrow(schemas.config as v.GenericSchema, config ?? {}, "body.config");
  parseOrThrow(schemas.secrets as v.GenericSchema, secrets, "body.secrets");
  for (const key of schemas.required as readonly string[]) {
    if (!secrets[key]) throw new ValidationError(`Invalid body: secrets.${key} is required`);
  }
  const ca = (parsed as { ca?: unknown }).ca;
  if (kind === "smtp" && typeof ca === "string" && !certificatesParse(ca)) {
    throw new ValidationError("Invalid body: config.ca must be one or more PEM certificates");
  }
  return parsed as Record<string, unknown>;
}

function sealSecrets(box: SecretBox, secrets: Record<string, string>) {
  const names = Object.keys(secrets).filter((k) => secrets[k]).sort();
  return {
    sealedSecrets: names.length ? box.seal(JSON.stringify(secrets)) : null,
    secretNames: names,
  };
}

export function createNotifyService(deps: NotifyDeps) {
  const { repo, clock, audit, secretBox } = deps;
  const fetch = deps.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const subject = deps.vapidSubject || vapidSubject(deps.baseUrl);
  let vapidCache: Promise<VapidKeys> | null = null;
  const vapid = () => {
    vapidCache ??= loadOrCreateVapidKeys({ repo, secretBox, clock, subject })
      .catch((err) => {
        vapidCache = null;
        throw err;
      });
    return vapidCache;
  };
  const dispatch = { repo, secretBox, fetch, baseUrl: deps.baseUrl, vapid };
  const worker = createDeliveryWorker({
    repo,
    clock,
    log: deps.log,
    ...deps.worker,
    attempt: (d, signal) => attemptDelivery(dispatch, d, signal),
    async afterAttempt(d, r) {
      if (!d.subscriptionId) return;
      if (r.gone) await repo.deleteSubscription(d.subscriptionId);
      else if (r.ok) await repo.markSubscription(d.subscriptionId, { successAt: clock.now() });
      else await repo.markSubscription(d.subscriptionId, { failure: r.reason ?? "Failed" });
    },
  });

  const enqueue = createEnqueuer({ repo, clock, wake: () => worker.wake() });

  /** One attempt now, answered; a test is never retried. */
  async function sendTest(
    target: Target,
    link: string,
  ): Promise<DeliveryView> {
    const now = clock.now();
    const d = newDelivery(target, { type: "test", alert: testAlert(now, link) }, now, null);
    await repo.insertDeliveries([d]);
    await worker.runOne(d);
    return toDeliveryView((await repo.findDelivery(d.id)) ?? d);
  }

  /** Once at start, when devices are subscribed but push services get a made-up contact. */
  async function warnAboutSubject() {
    if ((await repo.listSubscriptions()).length === 0) return;
    deps.log?.warn(
      "Web Push is in use without a contact address for the push services: set " +
        "CAIRN_VAPID_SUBJECT to mailto:<an address someone reads> or an https:// URL",
      { subject },
    );
  }

  async function mustFindChannel(id: string): Promise<ChannelRecord> {
    const c = await repo.findChannel(id);
    if (!c) throw new NotFoundError("Channel", id);
    return c;
  }

  async function viewOf(c: ChannelRecord): Promise<ChannelView> {
    return toChannelView(c, (await repo.listDeliveries({ channelId: c.id }, 1))[0]);
  }

  const notifier: AlertListener & { enqueue: typeof enqueue } = {
    alertChanged(event) {
      enqueue(event).catch((err) =>
        deps.log?.error("alert notifications not queued", { alertId: event.alert.id, error: err })
      );
    },
    enqueue,
  };

  return {
    notifier,
    worker,
    vapid,
    sendTest,
    async start() {
      const now = clock.now();
      await repo.pruneDeliveries(now - KEEP_LOG_MS);
      await repo.giveUpStaleTests(now - STALE_TEST_MS, "The appliance stopped before sending");
      if (!deps.vapidSubject && !subject.startsWith("https:")) await warnAboutSubject();
      worker.start();
    },
    stop: () => worker.stop(),

    async listChannels(): Promise<ChannelView[]> {
      const last = await repo.lastDeliveryByChannel();
      return (await repo.listChannels()).map((c) => toChannelView(c, last.get(c.id)));
    },
    async getChannel(id: string): Promise<ChannelView> {
      return viewOf(await mustFindChannel(id));
    },
    async createChannel(actor: Actor, body: CreateChannel): Promise<ChannelView> {
      const secrets = (body.secrets ?? {}) as Record<string, string>;
      const config = checkKind(body.kind, body.config, secrets);
      const now = clock.now();
      const c: ChannelRecord = {
        id: newId("chn", now),
        kind: body.kind,
        name: body.name,
        enabled: body.enabled ?? true,
        rules: body.rules ?? [],
        severities: body.severities ?? ["critical", "warning"],
        events: body.events ?? ["opened", "resolved"],
        config,
        ...sealSecrets(secretBox, secrets),
        createdAt: now,
        updatedAt: now,
      };
      await repo.insertChannel(c);
      await audit.record(actor, {
        action: "channel.created",
        target: { type: "channel", id: c.id },
        details: { kind: c.kind, name: c.name, secretsSet: c.secretNames },
      });
      return toChannelView(c, undefined);
    },
    async updateChannel(actor: Actor, id: string, body: UpdateChannel): Promise<ChannelView> {
      const c = await mustFindChannel(id);
      const secrets = openSecrets(secretBox, c);
      for (const [k, val] of Object.entries(body.secrets ?? {})) {
        if (val === null) delete secrets[k];
        else secrets[k] = val;
      }
      const config = checkKind(c.kind, body.config ?? c.config, secrets);
      const next: ChannelRecord = {
        ...c,
        name: body.name ?? c.name,
        enabled: body.enabled ?? c.enabled,
        rules: body.rules ?? c.rules,
        severities: body.severities ?? c.severities,
        events: body.events ?? c.events,
        config,
        ...sealSecrets(secretBox, secrets),
        updatedAt: clock.now(),
      };
      await repo.updateChannel(next);
      await audit.record(actor, {
        action: "channel.updated",
        target: { type: "channel", id },
        details: { fields: Object.keys(body), secretsSet: next.secretNames },
      });
      return viewOf(next);
    },
    async deleteChannel(actor: Actor, id: string): Promise<void> {
      if (!(await repo.deleteChannel(id))) throw new NotFoundError("Channel", id);
      await audit.record(actor, { action: "channel.deleted", target: { type: "channel", id } });
    },
    async testChannel(id: string): Promise<DeliveryView> {
      await mustFindChannel(id);
      return sendTest({ channelId: id }, "/settings/notifications");
    },
    async listDeliveries(id: string, limit = 50): Promise<DeliveryView[]> {
      await mustFindChannel(id);
      return (await repo.listDeliveries({ channelId: id }, limit)).map(toDeliveryView);
    },
  };
}

export type NotifyService = ReturnType<typeof createNotifyService>;
