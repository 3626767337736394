/**
 * Web Push subscriptions: each signed-in user's own devices. The same endpoint again updates
 * its row (a browser re-subscribing after a key change), and a user sees and removes only their
 * own devices; an admin may remove anyone's.
 */
import type { Clock } from "../clock.ts";
import type { Principal } from "../auth/principal.ts";
import type {
  CreatePushSubscription,
  PushSubscriptionView,
  TestResultView,
  UpdatePushSubscription,
} from "../contract/notify.ts";
import { NotFoundError } from "../errors.ts";
import { newId } from "../ids.ts";
import type { NotifyRepo } from "./repo.ts";
import type { NotifyService } from "./service.ts";
import { toSubscriptionView } from "./views.ts";

export function createPushService(deps: { repo: NotifyRepo; clock: Clock; notify: NotifyService }) {
  const { repo, clock } = deps;

  async function own(p: Principal, id: string, adminMay: boolean) {
    const s = await repo.findSubscription(id);
    if (!s || (s.userId !== p.userId && !(adminMay && p.role === "admin"))) {
      throw new NotFoundError("Push subscription", id);
    }
    return s;
  }

  return {
    async vapidKey(): Promise<{ publicKey: string }> {
      return { publicKey: (await deps.notify.vapid()).publicKey };
    },
    async list(p: Principal): Promise<PushSubscriptionView[]> {
      return (await repo.listSubscriptions(p.userId)).map(toSubscriptionView);
    },
    async subscribe(p: Principal, body: CreatePushSubscription): Promise<{ id: string }> {
      const now = clock.now();
      const id = await repo.upsertSubscription({
        id: newId("psb", now),
        userId: p.userId,
        endpoint: body.endpoint,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
        label: body.label ?? "",
        minSeverity: body.minSeverity ?? "warning",
        createdAt: now,
        updatedAt: now,
        lastSuccessAt: null,
        lastFailure: null,
      });
      return { id };
    },
    async update(p: Principal, id: string, body: UpdatePushSubscription) {
      await own(p, id, false);
      await repo.updateSubscription(id, { ...body, now: clock.now() });
      return toSubscriptionView((await repo.findSubscription(id))!);
    },
    async unsubscribe(p: Principal, id: string): Promise<void> {
      await own(p, id, true);
      await repo.deleteSubscription(id);
    },
    /** One test push to each of the caller's devices, answered with how each went. */
    async test(p: Principal): Promise<TestResultView> {
      const subs = await repo.listSubscriptions(p.userId);
      const deliveries = await Promise.all(
        subs.map((s) => deps.notify.sendTest({ subscriptionId: s.id }, "/alerts")),
      );
      return { deliveries };
    },
  };
}

export type PushService = ReturnType<typeof createPushService>;
