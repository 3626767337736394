/**
 * Web Push end to end on the appliance's side: a device subscribes through the API, an alert
 * event reaches the notifier, and the local HTTPS push service verifies the VAPID JWT and
 * decrypts the payload with the device's keys.
 */
import assert from "node:assert/strict";
import { createTestContext } from "../helpers/app.ts";
import { alert, notifierFor, opened } from "./fixtures.ts";
import { startPushService } from "./push_service.ts";

async function setup() {
  const ctx = await createTestContext();
  const push = await startPushService(ctx.dir);
  const users = await ctx.signedInClients();
  const notify = notifierFor(ctx, { fetch: push.fetch });
  return {
    ctx,
    push,
    users,
    notify,
    async close() {
      await notify.stop();
      await push.close();
      await ctx.close();
    },
  };
}

Deno.test("an opened alert reaches a subscribed device, signed with the appliance's VAPID key and readable only with its keys", async () => {
  const t = await setup();
  try {
    const device = t.push.newSubscription();
    const key = await t.users.viewer.json<{ publicKey: string }>("GET", "/api/push/vapid-key");
    assert.equal(key.status, 200);
    assert.match(key.body.publicKey, /^[A-Za-z0-9_-]{87}$/);
    const sub = await t.users.viewer.json<{ id: string }>("POST", "/api/push/subscriptions", {
      body: { endpoint: device.endpoint, expirationTime: null, keys: device.keys, label: "Pixel" },
    });
    assert.equal(sub.status, 201);

    const event = opened();
    t.notify.notifier.alertChanged(event);
    await t.push.waitFor(1);
    await t.notify.worker.drain();

    assert.deepEqual(t.push.rejected, []);
    const got = t.push.received[0];
    assert.deepEqual(got.payload, {
      title: "Backup failed on web-1",
      body: "Plan nightly: the repository does not exist (restic exit 1)\n" +
        "Host: web-1 · Plan: nightly\n" +
        "Open in Cairn: https://cairn.example.net/jobs/job_01jtestjob0000000000000000",
      url: "/jobs/job_01jtestjob0000000000000000",
      tag: `cairn-alert-${event.alert.id}`,
      alertId: event.alert.id,
      severity: "critical",
      event: "opened",
    });
    assert.deepEqual([...t.push.vapidKeys], [key.body.publicKey]);
    assert.equal(got.claims.aud, t.push.origin);
    assert.equal(got.claims.sub, "https://cairn.example.net");
    assert.equal(got.headers.get("urgency"), "high");
    assert.equal(got.headers.get("ttl"), "86400");

    const list = await t.users.viewer.json<{ subscriptions: Array<Record<string, unknown>> }>(
      "GET",
      "/api/push/subscriptions",
    );
    assert.equal(list.body.subscriptions.length, 1);
    assert.equal(list.body.subscriptions[0].endpointHost, new URL(t.push.origin).host);
    assert.equal(list.body.subscriptions[0].label, "Pixel");
    assert.equal(typeof list.body.subscriptions[0].lastSuccessAt, "string");
    assert.equal(list.body.subscriptions[0].lastFailure, null);
    assert.equal("endpoint" in list.body.subscriptions[0], false);
  } finally {
    await t.close();
  }
});

Deno.test("push follows each device's minimum severity and skips acknowledged alerts; resolved is sent", async () => {
  const t = await setup();
  try {
    const loud = t.push.newSubscription();
    const quiet = t.push.newSubscription();
    await t.users.viewer.json("POST", "/api/push/subscriptions", {
      body: { endpoint: loud.endpoint, keys: loud.keys, minSeverity: "info" },
    });
    await t.users.admin.json("POST", "/api/push/subscriptions", {
      body: { endpoint: quiet.endpoint, keys: quiet.keys, minSeverity: "critical" },
    });
    assert.equal(await t.notify.notifier.enqueue(opened({ severity: "info" })), 1);
    assert.equal(await t.notify.notifier.enqueue(opened({ severity: "warning" })), 1);
    assert.equal(
      await t.notify.notifier.enqueue(opened({ state: "acknowledged", severity: "critical" })),
      0,
    );
    const a = alert({ severity: "critical", state: "resolved" });
    assert.equal(await t.notify.notifier.enqueue({ type: "resolved", alert: a }), 2);
    await t.notify.worker.drain();
    const bySub = (id: string) =>
      t.push.received.filter((r) => r.subscription === id).map((r) =>
        (r.payload as { event: string; severity: string }).event + ":" +
        (r.payload as { severity: string }).severity
      ).sort();
    assert.deepEqual(bySub(loud.id), ["opened:info", "opened:warning", "resolved:critical"]);
    assert.deepEqual(bySub(quiet.id), ["resolved:critical"]);
    const resolved = t.push.received.find((r) => r.subscription === quiet.id)!;
    assert.equal(
      (resolved.payload as { title: string }).title,
      "Recovered: Backup failed on web-1",
    );
  } finally {
    await t.close();
  }
});

Deno.test("a device the push service no longer knows (410) is removed; the test button reports per device", async () => {
  const t = await setup();
  try {
    const device = t.push.newSubscription();
    const made = await t.users.operator.json<{ id: string }>("POST", "/api/push/subscriptions", {
      body: { endpoint: device.endpoint, keys: device.keys },
    });
    const test = await t.notify.sendTest({ subscriptionId: made.body.id }, "/alerts");
    assert.equal(test.state, "sent");
    assert.equal(test.lastStatus, 201);
    assert.equal((t.push.received[0].payload as { event: string }).event, "test");
    assert.equal((t.push.received[0].payload as { alertId: null }).alertId, null);

    t.push.expire(device.id);
    await t.notify.notifier.enqueue(opened());
    await t.notify.worker.drain();
    const list = await t.users.operator.json<{ subscriptions: unknown[] }>(
      "GET",
      "/api/push/subscriptions",
    );
    assert.deepEqual(list.body.subscriptions, []);
  } finally {
    await t.close();
  }
});

Deno.test("subscriptions: the same endpoint updates, a user sees and removes only their own, bad input is 400", async () => {
  const t = await setup();
  try {
    const device = t.push.newSubscription();
    const body = { endpoint: device.endpoint, keys: device.keys, label: "Phone" };
    const a = await t.users.viewer.json<{ id: string }>("POST", "/api/push/subscriptions", {
      body,
    });
    const b = await t.users.viewer.json<{ id: string }>("POST", "/api/push/subscriptions", {
      body: { ...body, label: "Phone (renamed)" },
    });
    assert.equal(a.body.id, b.body.id);
    const mine = await t.users.viewer.json<{ subscriptions: Array<{ label: string }> }>(
      "GET",
      "/api/push/subscriptions",
    );
    assert.deepEqual(mine.body.subscriptions.map((s) => s.label), ["Phone (renamed)"]);
    const theirs = await t.users.operator.json<{ subscriptions: unknown[] }>(
      "GET",
      "/api/push/subscriptions",
    );
    assert.deepEqual(theirs.body.subscriptions, []);
    const del = await t.users.operator.request("DELETE", `/api/push/subscriptions/${a.body.id}`);
    assert.equal(del.status, 404);
    const patched = await t.users.viewer.json<{ subscription: { minSeverity: string } }>(
      "PATCH",
      `/api/push/subscriptions/${a.body.id}`,
      { body: { minSeverity: "info" } },
    );
    assert.equal(patched.body.subscription.minSeverity, "info");
    const byAdmin = await t.users.admin.request("DELETE", `/api/push/subscriptions/${a.body.id}`);
    assert.equal(byAdmin.status, 204);

    const bad = await t.users.viewer.json<{ error: { code: string; message: string } }>(
      "POST",
      "/api/push/subscriptions",
      { body: { endpoint: "http://push.example.com/x", keys: device.keys } },
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "invalid_input");
    assert.match(bad.body.error.message, /endpoint/);
    assert.doesNotMatch(JSON.stringify(bad.body), /push\.example\.com/);
    const noKeys = await t.users.viewer.json("POST", "/api/push/subscriptions", {
      body: { endpoint: device.endpoint },
    });
    assert.equal(noKeys.status, 400);
    const anon = await t.ctx.client().request("GET", "/api/push/vapid-key");
    assert.equal(anon.status, 401);
  } finally {
    await t.close();
  }
});
