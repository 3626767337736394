/** Web Push subscriptions in SQL: one row per user and device (its endpoint is unique). */
import type { Db } from "../../db/connect.ts";
import type { AlertSeverity } from "../../contract/alerts.ts";

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

type SubRow = Awaited<ReturnType<ReturnType<typeof selectSubs>["execute"]>>[number];
const selectSubs = (db: Db) => db.selectFrom("push_subscriptions").selectAll();

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

export function createSubscriptionsRepo(db: Db) {
  return {
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
  };
}
