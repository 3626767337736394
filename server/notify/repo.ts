/**
 * Notifications in SQL, one repo for the service: channels (channels/repo.ts), push
 * subscriptions (subscriptions/repo.ts), the deliveries that are both queue and log
 * (deliveries/repo.ts), and here the appliance's VAPID key pair.
 */
import type { Db } from "../db/connect.ts";
import { createChannelsRepo } from "./channels/repo.ts";
import { createDeliveriesRepo } from "./deliveries/repo.ts";
import { createSubscriptionsRepo } from "./subscriptions/repo.ts";

export type { ChannelRecord } from "./channels/repo.ts";
export type { SubscriptionRecord } from "./subscriptions/repo.ts";
export type { AttemptOutcome, DeliveryRecord } from "./deliveries/repo.ts";

function createVapidRepo(db: Db) {
  return {
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
  };
}

export function createNotifyRepo(db: Db) {
  return {
    ...createChannelsRepo(db),
    ...createSubscriptionsRepo(db),
    ...createDeliveriesRepo(db),
    ...createVapidRepo(db),
  };
}

export type NotifyRepo = ReturnType<typeof createNotifyRepo>;
