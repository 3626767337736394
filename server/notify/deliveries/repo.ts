/**
 * Deliveries in SQL: the notifier's queue and its log in one table. A row is written before any
 * attempt and changed after each one; rows with a next_attempt_at are the queue.
 */
import type { Db } from "../../db/connect.ts";
import type { AlertEvent } from "../../contract/alerts.ts";
import type { DeliveryState } from "../../contract/notify.ts";
import { parseJson } from "../json.ts";

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

type DeliveryRow = Awaited<ReturnType<ReturnType<typeof selectDeliveries>["execute"]>>[number];
const selectDeliveries = (db: Db) => db.selectFrom("deliveries").selectAll();

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

export function createDeliveriesRepo(db: Db) {
  return {
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
    /** Every delivery of one alert's event (all channels and devices), for de-duplication. */
    async deliveriesOfAlert(alertId: string, event: AlertEvent["type"]) {
      const rows = await selectDeliveries(db)
        .where("alert_id", "=", alertId).where("event", "=", event).execute();
      return rows.map(toDelivery);
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
    /**
     * Tests still "pending" from before `before`: their one attempt was cut off by a stop (a
     * test is never queued), so they are given up with `reason`. Returns how many.
     */
    async giveUpStaleTests(before: number, reason: string): Promise<number> {
      const r = await db.updateTable("deliveries")
        .set({ state: "gave_up", last_reason: reason })
        .where("event", "=", "test").where("state", "=", "pending")
        .where("next_attempt_at", "is", null).where("created_at", "<", before)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
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
