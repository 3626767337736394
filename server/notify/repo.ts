/**
 * Notifications in SQL: channels, push subscriptions, the VAPID key pair, and the deliveries
 * table that is both the notifier's queue and its log. JSON columns are parsed here, so the
 * service sees domain types only; sealed values stay sealed (the service opens them).
 */
import type { Db } from "../db/connect.ts";
import type { AlertEvent, AlertRule, AlertSeverity } from "../contract/alerts.ts";
import type { ChannelEvent, ChannelKind, DeliveryState } from "../contract/notify.ts";

export interface ChannelRecord {
  id: string;
  kind: ChannelKind;
  name: string;
  enabled: boolean;
  rules: AlertRule[];
  severities: AlertSeverity[];
  events: ChannelEvent[];
  config: Record<string, unknown>;
  /** Sealed JSON of the secrets, or null. */
  sealedSecrets: string | null;
  secretNames: string[];
  createdAt: number;
  updatedAt: number;
}

export interface SubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  label: string;
  minSeverity: AlertSeverity;
  createdAt: number;
  updatedAt: number;
  lastSuccessAt: number | null;
  lastFailure: string | null;
}

export interface DeliveryRecord {
  id: string;
  channelId: string | null;
  subscriptionId: string | null;
  alertId: string | null;
  event: AlertEvent["type"];
  payload: AlertEvent;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastReason: string | null;
  createdAt: number;
  sentAt: number | null;
}

export interface AttemptOutcome {
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastReason: string | null;
  sentAt: number | null;
}

function parseJson<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? JSON.parse(text) as T : fallback;
  } catch {
    return fallback; // written by Cairn only; a damaged cell reads as the default
  }
}

type ChannelRow = Awaited<ReturnType<ReturnType<typeof selectChannels>["execute"]>>[number];
const selectChannels = (db: Db) => db.selectFrom("channels").selectAll();
type SubRow = Awaited<ReturnType<ReturnType<typeof selectSubs>["execute"]>>[number];
const selectSubs = (db: Db) => db.selectFrom("push_subscriptions").selectAll();
type DeliveryRow = Awaited<ReturnType<ReturnType<typeof selectDeliveries>["execute"]>>[number];
const selectDeliveries = (db: Db) => db.selectFrom("deliveries").selectAll();

function toChannel(r: ChannelRow): ChannelRecord {
  return {
    id: r.id,
    kind: r.kind as ChannelKind,
    name: r.name,
    enabled: r.enabled === 1,
    rules: parseJson(r.rules, []),
    severities: parseJson(r.severities, []),
    events: parseJson(r.events, []),
    config: parseJson(r.config, {}),
    sealedSecrets: r.secrets,
    secretNames: parseJson(r.secret_names, []),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toSubscription(r: SubRow): SubscriptionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    endpoint: r.endpoint,
    p256dh: r.p256dh,
    auth: r.auth,
    label: r.label,
    minSeverity: r.min_severity as AlertSeverity,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastSuccessAt: r.last_success_at,
    lastFailure: r.last_failure,
  };
}

function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    channelId: r.channel_id,
    subscriptionId: r.subscription_id,
    alertId: r.alert_id,
    event: r.event as AlertEvent["type"],
    payload: parseJson(r.payload, null as unknown as AlertEvent),
    state: r.state as DeliveryState,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastReason: r.last_reason,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

function channelColumns(c: ChannelRecord) {
  return {
    kind: c.kind,
    name: c.name,
    enabled: c.enabled ? 1 : 0,
    rules: JSON.stringify(c.rules),
    severities: JSON.stringify(c.severities),
    events: JSON.stringify(c.events),
    config: JSON.stringify(c.config),
    secrets: c.sealedSecrets,
    secret_names: JSON.stringify(c.secretNames),
    updated_at: c.updatedAt,
  };
}

export function createNotifyRepo(db: Db) {
  return {
    async insertChannel(c: ChannelRecord) {
      await db.insertInto("channels")
        .values({ id: c.id, created_at: c.createdAt, ...channelColumns(c) }).execute();
    },
    async updateChannel(c: ChannelRecord) {
      await db.updateTable("channels").set(channelColumns(c)).where("id", "=", c.id).execute();
    },
    async deleteChannel(id: string): Promise<boolean> {
      const r = await db.deleteFrom("channels").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async findChannel(id: string): Promise<ChannelRecord | null> {
      const r = await selectChannels(db).where("id", "=", id).executeTakeFirst();
      return r ? toChannel(r) : null;
    },
    async listChannels(): Promise<ChannelRecord[]> {
      return (await selectChannels(db).orderBy("name").orderBy("id").execute()).map(toChannel);
    },
    async listEnabledChannels(): Promise<ChannelRecord[]> {
      return (await selectChannels(db).where("enabled", "=", 1).execute()).map(toChannel);
    },

    /** Inserts, or updates the row with the same endpoint (a browser re-subscribing). */
    async upsertSubscription(s: SubscriptionRecord): Promise<string> {
      const row = await db.insertInto("push_subscriptions").values({
        id: s.id,
        user_id: s.userId,
        endpoint: s.endpoint,
        p256dh: s.p256dh,
        auth: s.auth,
        label: s.label,
        min_severity: s.minSeverity,
        created_at: s.createdAt,
        updated_at: s.updatedAt,
        last_success_at: null,
        last_failure: null,
      }).onConflict((oc) =>
        oc.column("endpoint").doUpdateSet({
          user_id: s.userId,
          p256dh: s.p256dh,
          auth: s.auth,
          label: s.label,
          min_severity: s.minSeverity,
          updated_at: s.updatedAt,
        })
      ).returning("id").executeTakeFirstOrThrow();
      return row.id;
    },
    async updateSubscription(
      id: string,
      patch: { label?: string; minSeverity?: AlertSeverity; now: number },
    ) {
      await db.updateTable("push_subscriptions").set({
        ...(patch.label !== undefined ? { label: patch.label } : {}),
        ...(patch.minSeverity !== undefined ? { min_severity: patch.minSeverity } : {}),
        updated_at: patch.now,
      }).where("id", "=", id).execute();
    },
    async findSubscription(id: string): Promise<SubscriptionRecord | null> {
      const r = await selectSubs(db).where("id", "=", id).executeTakeFirst();
      return r ? toSubscription(r) : null;
    },
    async listSubscriptions(userId?: string): Promise<SubscriptionRecord[]> {
      let q = selectSubs(db);
      if (userId !== undefined) q = q.where("user_id", "=", userId);
      return (await q.orderBy("created_at").orderBy("id").execute()).map(toSubscription);
    },
    /** Subscriptions of enabled users only: a disabled account's phone hears nothing. */
    async listActiveSubscriptions(): Promise<SubscriptionRecord[]> {
      const rows = await selectSubs(db)
        .where("user_id", "in", db.selectFrom("users").select("id").where("disabled", "=", 0))
        .execute();
      return rows.map(toSubscription);
    },
    async deleteSubscription(id: string): Promise<boolean> {
      const r = await db.deleteFrom("push_subscriptions").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async markSubscription(id: string, r: { successAt: number } | { failure: string }) {
      await db.updateTable("push_subscriptions").set(
        "successAt" in r
          ? { last_success_at: r.successAt, last_failure: null }
          : { last_failure: r.failure },
      ).where("id", "=", id).execute();
    },

    async readVapidKeys(): Promise<{ publicKey: string; sealedPrivateKey: string } | null> {
      const r = await db.selectFrom("vapid_keys").selectAll().where("id", "=", 1)
        .executeTakeFirst();
      return r ? { publicKey: r.public_key, sealedPrivateKey: r.private_key } : null;
    },
    /** Keeps the first pair written: two starts racing both read the same one afterwards. */
    async insertVapidKeysOnce(k: { publicKey: string; sealedPrivateKey: string; now: number }) {
      await db.insertInto("vapid_keys").values({
        id: 1,
        public_key: k.publicKey,
        private_key: k.sealedPrivateKey,
        created_at: k.now,
      }).onConflict((oc) => oc.column("id").doNothing()).execute();
    },

    async insertDeliveries(rows: DeliveryRecord[]) {
      if (rows.length === 0) return;
      await db.insertInto("deliveries").values(rows.map((d) => ({
        id: d.id,
        channel_id: d.channelId,
        subscription_id: d.subscriptionId,
        alert_id: d.alertId,
        event: d.event,
        payload: JSON.stringify(d.payload),
        state: d.state,
        attempts: d.attempts,
        next_attempt_at: d.nextAttemptAt,
        last_status: d.lastStatus,
        last_reason: d.lastReason,
        created_at: d.createdAt,
        sent_at: d.sentAt,
      }))).execute();
    },
    async findDelivery(id: string): Promise<DeliveryRecord | null> {
      const r = await selectDeliveries(db).where("id", "=", id).executeTakeFirst();
      return r ? toDelivery(r) : null;
    },
    /** Deliveries whose time has come, oldest first. */
    async dueDeliveries(now: number, limit: number): Promise<DeliveryRecord[]> {
      const rows = await selectDeliveries(db)
        .where("next_attempt_at", "is not", null)
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at").orderBy("id").limit(limit).execute();
      return rows.map(toDelivery);
    },
    async nextDueAt(): Promise<number | null> {
      const r = await db.selectFrom("deliveries")
        .select((eb) => eb.fn.min("next_attempt_at").as("at"))
        .where("next_attempt_at", "is not", null).executeTakeFirst();
      return r?.at ?? null;
    },
    async recordAttempt(id: string, o: AttemptOutcome) {
      await db.updateTable("deliveries").set({
        state: o.state,
        attempts: o.attempts,
        next_attempt_at: o.nextAttemptAt,
        last_status: o.lastStatus,
        last_reason: o.lastReason,
        sent_at: o.sentAt,
      }).where("id", "=", id).execute();
    },
    async listDeliveries(
      by: { channelId: string } | { subscriptionId: string },
      limit: number,
    ): Promise<DeliveryRecord[]> {
      let q = selectDeliveries(db);
      q = "channelId" in by
        ? q.where("channel_id", "=", by.channelId)
        : q.where("subscription_id", "=", by.subscriptionId);
      return (await q.orderBy("id", "desc").limit(limit).execute()).map(toDelivery);
    },
    /** The newest delivery of each channel, for the list's "last delivery" column. */
    async lastDeliveryByChannel(): Promise<Map<string, DeliveryRecord>> {
      const rows = await selectDeliveries(db)
        .where(
          "id",
          "in",
          (eb) =>
            eb.selectFrom("deliveries").select((e) => e.fn.max("id").as("id"))
              .where("channel_id", "is not", null).groupBy("channel_id"),
        )
        .execute();
      return new Map(rows.map((r) => [r.channel_id!, toDelivery(r)]));
    },
    /** Drops finished deliveries older than `before`, so the log does not grow without end. */
    async pruneDeliveries(before: number): Promise<number> {
      const r = await db.deleteFrom("deliveries")
        .where("next_attempt_at", "is", null).where("created_at", "<", before)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type NotifyRepo = ReturnType<typeof createNotifyRepo>;
