/** Records to the browser API's views: times as ISO strings, secrets as set flags only. */
import type { ChannelView, DeliveryView, PushSubscriptionView } from "../contract/notify.ts";
import type { ChannelRecord, DeliveryRecord, SubscriptionRecord } from "./repo.ts";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function toChannelView(c: ChannelRecord, last: DeliveryRecord | undefined): ChannelView {
  return {
    id: c.id,
    kind: c.kind,
    name: c.name,
    enabled: c.enabled,
    rules: c.rules,
    severities: c.severities,
    events: c.events,
    config: c.config,
    secretsSet: Object.fromEntries(c.secretNames.map((n) => [n, true])),
    lastDelivery: last
      ? {
        state: last.state,
        at: new Date(last.sentAt ?? last.createdAt).toISOString(),
        reason: last.lastReason,
      }
      : null,
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

export function toDeliveryView(d: DeliveryRecord): DeliveryView {
  return {
    id: d.id,
    channelId: d.channelId,
    subscriptionId: d.subscriptionId,
    alertId: d.event === "test" ? null : d.alertId,
    event: d.event,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatus: d.lastStatus,
    lastReason: d.lastReason,
    createdAt: new Date(d.createdAt).toISOString(),
    sentAt: iso(d.sentAt),
  };
}

export function toSubscriptionView(s: SubscriptionRecord): PushSubscriptionView {
  return {
    id: s.id,
    label: s.label,
    endpointHost: new URL(s.endpoint).host,
    minSeverity: s.minSeverity,
    createdAt: new Date(s.createdAt).toISOString(),
    lastSuccessAt: iso(s.lastSuccessAt),
    lastFailure: s.lastFailure,
  };
}
