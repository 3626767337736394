/**
 * A slow or dead channel never holds up another: each delivery is attempted on its own, with a
 * time limit, and a channel only fills its own slots. The engine's call returns at once.
 */
import assert from "node:assert/strict";
import { createTestContext } from "../helpers/app.ts";
import { freeLoopbackPort } from "../helpers/ports.ts";
import { startReceiver } from "./receivers.ts";
import { createWebhook, notifierFor, opened } from "./fixtures.ts";
import { createNotifyRepo } from "../../server/notify/repo.ts";

Deno.test("a channel nobody answers and a closed port do not delay a healthy channel", async () => {
  const ctx = await createTestContext();
  const healthy = startReceiver();
  const hung = startReceiver({ hang: true });
  const notify = notifierFor(ctx, { worker: { timeoutMs: 3_000 } });
  try {
    const { admin } = await ctx.signedInClients();
    const hungId = await createWebhook(admin, "Hangs", hung.url);
    // A port that was free a moment ago: nobody listens on it.
    const deadId = await createWebhook(
      admin,
      "Closed port",
      `http://127.0.0.1:${freeLoopbackPort()}/`,
    );
    const healthyId = await createWebhook(admin, "Healthy", healthy.url);

    // The hung channel gets three alerts at once: it holds two slots, the third waits.
    const started = performance.now();
    for (let i = 0; i < 3; i++) notify.notifier.alertChanged(opened());
    const returned = performance.now() - started;
    await healthy.next(2);
    const healthyAfter = performance.now() - started;
    // The healthy channel got all three while the hung one still holds its first two.
    const hungLog = await notify.listDeliveries(hungId);
    assert.equal(hungLog.length, 3);
    assert.deepEqual(hungLog.map((d) => d.state), ["pending", "pending", "pending"]);
    assert.equal(hung.requests.length, 2, "two slots per channel");

    await notify.worker.drain();
    const healthyLog = await notify.listDeliveries(healthyId);
    assert.deepEqual(healthyLog.map((d) => d.state), ["sent", "sent", "sent"]);
    const hungDone = await notify.listDeliveries(hungId);
    assert.deepEqual(hungDone.map((d) => d.state), ["failed", "failed", "failed"]);
    assert.equal(hungDone[0].lastReason, "No answer within 3 s");
    const dead = (await notify.listDeliveries(deadId))[0];
    assert.equal(dead.state, "failed");
    assert.equal(dead.lastReason, "Connection refused");
    assert.equal(dead.lastStatus, null);
    console.log(
      `alertChanged returned in ${returned.toFixed(1)} ms; healthy channel had all 3 in ` +
        `${healthyAfter.toFixed(0)} ms while the hung channel waited out its 3 s limit`,
    );
  } finally {
    await notify.stop();
    await healthy.close();
    await hung.close();
    await ctx.close();
  }
});

Deno.test("a delivery left pending by a stop is sent once the next start begins (the queue is the table)", async () => {
  const ctx = await createTestContext();
  const rx = startReceiver();
  try {
    const { admin } = await ctx.signedInClients();
    const channelId = await createWebhook(admin, "Hook", rx.url);
    // As a kill -9 leaves it: the row committed, no attempt made.
    const now = ctx.clock.now();
    await createNotifyRepo(ctx.db).insertDeliveries([{
      id: "dlv_01jpendingbeforekill000000",
      channelId,
      subscriptionId: null,
      alertId: "alr_01jpendingalert0000000000",
      event: "opened",
      payload: opened(),
      state: "pending",
      attempts: 0,
      nextAttemptAt: now,
      lastStatus: null,
      lastReason: null,
      createdAt: now,
      sentAt: null,
    }]);
    const notify = notifierFor(ctx);
    await notify.start();
    await rx.next(0);
    await notify.worker.drain();
    await notify.stop();
    assert.equal(rx.requests.length, 1);
    const [d] = await notify.listDeliveries(channelId);
    assert.equal(d.state, "sent");
  } finally {
    await rx.close();
    await ctx.close();
  }
});
