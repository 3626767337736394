/**
 * The queue's own rules: one announcement of an alert's opening per channel and device however
 * often the engine says so (until it has been resolved: opening again is news), and a test cut
 * off by a stop does not stay "pending" for ever.
 */
import assert from "node:assert/strict";
import type { AlertEvent } from "../../server/contract/alerts.ts";
import { createNotifyRepo } from "../../server/notify/repo.ts";
import { createTestContext } from "../helpers/app.ts";
import { alert, createWebhook, notifierFor } from "./fixtures.ts";
import { startPushService } from "./push_service.ts";
import { startReceiver } from "./receivers.ts";

Deno.test("an alert that stays open is announced once per channel and device; resolved, then opened again, is news", async () => {
  const ctx = await createTestContext();
  const hook = startReceiver();
  const late = startReceiver();
  const push = await startPushService(ctx.dir);
  const notify = notifierFor(ctx, { fetch: push.fetch });
  try {
    const { admin, viewer } = await ctx.signedInClients();
    await createWebhook(admin, "Ops", hook.url);
    const device = push.newSubscription();
    await viewer.json("POST", "/api/push/subscriptions", {
      body: { endpoint: device.endpoint, keys: device.keys },
    });

    const a = alert();
    const open = (over = {}): AlertEvent => ({ type: "opened", alert: { ...a, ...over } });
    assert.equal(await notify.notifier.enqueue(open()), 2);
    assert.equal(await notify.notifier.enqueue(open()), 0, "the same event again");
    assert.equal(
      await notify.notifier.enqueue(open({ count: 2, lastSeenAt: "2026-11-01T13:00:00.000Z" })),
      0,
      "still open, seen again",
    );
    // Two copies arriving together: the check and the insert do not interleave.
    const b = alert();
    const both = await Promise.all([
      notify.notifier.enqueue({ type: "opened", alert: b }),
      notify.notifier.enqueue({ type: "opened", alert: b }),
    ]);
    assert.deepEqual(both.sort(), [0, 2]);
    // A channel added since has not been told: it is.
    const lateId = await createWebhook(admin, "Added later", late.url);
    assert.equal(await notify.notifier.enqueue(open()), 1);
    assert.equal((await notify.listDeliveries(lateId)).length, 1);

    const resolvedAt = "2026-11-01T14:00:00.000Z";
    const resolved: AlertEvent = {
      type: "resolved",
      alert: { ...a, state: "resolved", resolvedAt },
    };
    assert.equal(await notify.notifier.enqueue(resolved), 3);
    assert.equal(await notify.notifier.enqueue(resolved), 0, "one recovered notice too");
    ctx.clock.advance(1_000);
    const reopenedAt = "2026-11-01T15:00:00.000Z";
    assert.equal(
      await notify.notifier.enqueue(open({ openedAt: reopenedAt, lastSeenAt: reopenedAt })),
      3,
      "opened again after a resolve is sent",
    );
    await notify.worker.drain();
    const events = (r: typeof hook) => r.requests.map((q) => JSON.parse(q.body).event);
    assert.deepEqual(events(hook), ["opened", "opened", "resolved", "opened"]);
    assert.deepEqual(
      hook.requests.map((q) => JSON.parse(q.body).alert.id),
      [a.id, b.id, a.id, a.id],
    );
    assert.deepEqual(events(late), ["opened", "resolved", "opened"]);
    assert.equal(push.received.length, 4, "the device: a, b, a recovered, a opened again");
  } finally {
    await notify.stop();
    await hook.close();
    await late.close();
    await push.close();
    await ctx.close();
  }
});

Deno.test("a test left pending by a stop is given up at the next start; a newer one and queued alerts are left alone", async () => {
  const ctx = await createTestContext();
  const hook = startReceiver();
  const notify = notifierFor(ctx);
  try {
    const { admin } = await ctx.signedInClients();
    const id = await createWebhook(admin, "Ops", hook.url);
    const now = ctx.clock.now();
    const row = (n: string, event: "test" | "opened", createdAt: number, due: number | null) => ({
      id: `dlv_01jstale${n}`.padEnd(30, "0"),
      channelId: id,
      subscriptionId: null,
      alertId: event === "test" ? null : "alr_01jstalealert000000000000",
      event,
      payload: { type: event, alert: alert() },
      state: "pending" as const,
      attempts: 0,
      nextAttemptAt: due,
      lastStatus: null,
      lastReason: null,
      createdAt,
      sentAt: null,
    });
    await createNotifyRepo(ctx.db).insertDeliveries([
      row("a", "test", now - 5 * 60_000, null), // cut off by a stop five minutes ago
      row("b", "test", now - 10_000, null), // may still be going on another start's request
      row("c", "opened", now - 5 * 60_000, now - 5 * 60_000), // queued: the worker sends it
    ]);
    await notify.start();
    await notify.worker.drain();
    const byId = new Map((await notify.listDeliveries(id)).map((d) => [d.id.slice(12, 13), d]));
    assert.equal(byId.get("a")!.state, "gave_up");
    assert.equal(byId.get("a")!.lastReason, "The appliance stopped before sending");
    assert.equal(byId.get("a")!.attempts, 0);
    assert.equal(byId.get("b")!.state, "pending");
    assert.equal(byId.get("c")!.state, "sent");
    assert.equal(hook.requests.length, 1, "a stale test is not sent late");
  } finally {
    await notify.stop();
    await hook.close();
    await ctx.close();
  }
});
