/**
 * Which deliveries an alert event calls for: one per enabled channel that hears its rule,
 * severity and event, and one per device whose minimum severity it reaches, but never a second
 * one of the same news to the same channel or device. An alert announced as opened is not
 * announced as opened again while it stays open (an engine that emits twice, a standby that
 * took over); once it has been resolved, opening again is news and is sent. Enqueues run one
 * after another, so two copies of one event arriving together cannot both pass the check.
 */
import type { Clock } from "../clock.ts";
import type { AlertEvent, AlertSeverity } from "../contract/alerts.ts";
import { newId } from "../ids.ts";
import type { ChannelRecord, DeliveryRecord, NotifyRepo, SubscriptionRecord } from "./repo.ts";

const RANK: Record<AlertSeverity, number> = { info: 1, warning: 2, critical: 3 };

export type Target = { channelId: string } | { subscriptionId: string };

function channelMatches(c: ChannelRecord, e: AlertEvent): boolean {
  return (c.rules.length === 0 || c.rules.includes(e.alert.rule)) &&
    c.severities.includes(e.alert.severity) &&
    (c.events as string[]).includes(e.type);
}

function subscriptionMatches(s: SubscriptionRecord, e: AlertEvent): boolean {
  return RANK[e.alert.severity] >= RANK[s.minSeverity];
}

export function newDelivery(
  target: Target,
  event: AlertEvent,
  now: number,
  due: number | null,
): DeliveryRecord {
  return {
    id: newId("dlv", now),
    channelId: "channelId" in target ? target.channelId : null,
    subscriptionId: "subscriptionId" in target ? target.subscriptionId : null,
    alertId: event.type === "test" ? null : event.alert.id,
    event: event.type,
    payload: event,
    state: "pending",
    attempts: 0,
    nextAttemptAt: due,
    lastStatus: null,
    lastReason: null,
    createdAt: now,
    sentAt: null,
  };
}

/** When this alert's event happened: a second "opened" of the same opening is the same news. */
function occurrence(e: AlertEvent): string | null {
  return e.type === "opened" ? e.alert.openedAt : e.alert.resolvedAt;
}

/** The channels and devices that already have this news, as ids. */
async function alreadyTold(repo: NotifyRepo, event: AlertEvent): Promise<Set<string>> {
  const prior = await repo.deliveriesOfAlert(event.alert.id, event.type);
  // A resolve since the last "opened" makes the next "opened" news again.
  const resolves = event.type === "opened"
    ? await repo.deliveriesOfAlert(event.alert.id, "resolved")
    : [];
  const lastResolve = Math.max(-Infinity, ...resolves.map((d) => d.createdAt));
  const told = new Set<string>();
  for (const d of prior) {
    if (d.createdAt <= lastResolve || occurrence(d.payload) !== occurrence(event)) continue;
    told.add((d.channelId ?? d.subscriptionId)!);
  }
  return told;
}

export function createEnqueuer(deps: { repo: NotifyRepo; clock: Clock; wake(): void }) {
  const { repo, clock } = deps;
  let chain: Promise<unknown> = Promise.resolve();

  async function enqueueNow(event: AlertEvent): Promise<number> {
    if (event.type === "test") return 0; // tests come from the channel's button, answered there
    // An acknowledged alert is someone's already: its "opened" again is not news.
    if (event.type === "opened" && event.alert.state === "acknowledged") return 0;
    const told = await alreadyTold(repo, event);
    const now = clock.now();
    const rows: DeliveryRecord[] = [];
    for (const c of await repo.listEnabledChannels()) {
      if (channelMatches(c, event) && !told.has(c.id)) {
        rows.push(newDelivery({ channelId: c.id }, event, now, now));
      }
    }
    for (const s of await repo.listActiveSubscriptions()) {
      if (subscriptionMatches(s, event) && !told.has(s.id)) {
        rows.push(newDelivery({ subscriptionId: s.id }, event, now, now));
      }
    }
    await repo.insertDeliveries(rows);
    if (rows.length) deps.wake();
    return rows.length;
  }

  /** Writes the deliveries an alert event calls for; the worker sends them. */
  return function enqueue(event: AlertEvent): Promise<number> {
    const run = chain.then(() => enqueueNow(event));
    chain = run.catch(() => {/* reported to this call's caller; the next one goes on */});
    return run;
  };
}
