/**
 * How a channel's answer decides what happens next, against local servers: a refusal that the
 * same message would get again (401, 403, 404, 410, 413, 422, 400 …, or a redirect) gives up at
 * once with a reason that says what to check; 408 and 5xx are retried with the backoff; 429 and
 * 503 wait what their Retry-After asks. The same for a push service.
 */
import assert from "node:assert/strict";
import { createTestContext } from "../helpers/app.ts";
import { createWebhook, notifierFor, opened } from "./fixtures.ts";
import { startPushService } from "./push_service.ts";
import { startReceiver } from "./receivers.ts";
import type { Receiver } from "./receivers.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

const admins = new WeakMap<Ctx, Promise<Awaited<ReturnType<Ctx["signedInClients"]>>>>();

/** A webhook channel made through the API (signing in once per context). */
async function webhook(ctx: Ctx, name: string, url: string): Promise<string> {
  if (!admins.has(ctx)) admins.set(ctx, ctx.signedInClients());
  const { admin } = await admins.get(ctx)!;
  return createWebhook(admin, name, url);
}

const PERMANENT: Array<[number, string]> = [
  [400, "The webhook refused the message: 400 Bad Request"],
  [401, "The webhook refused the message: 401 Unauthorized — check the token"],
  [403, "The webhook refused the message: 403 Forbidden — check the token"],
  [404, "The webhook refused the message: 404 Not Found — check the address"],
  [410, "The webhook refused the message: 410 Gone — the address no longer exists"],
  [413, "The webhook refused the message: 413 Content Too Large — the message is too large for it"],
  [422, "The webhook refused the message: 422 Unprocessable Content"],
];

Deno.test("a refusal the same message would get again gives up at once with the reason; 408 and 5xx are retried", async () => {
  const ctx = await createTestContext();
  const rx = new Map<number, Receiver>();
  for (const status of [...PERMANENT.map(([s]) => s), 408, 500, 502]) {
    rx.set(status, startReceiver({ status }));
  }
  const notify = notifierFor(ctx);
  try {
    const ids = new Map<number, string>();
    for (const [status, r] of rx) ids.set(status, await webhook(ctx, `answers ${status}`, r.url));
    const t0 = ctx.clock.now();
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    for (const [status, reason] of PERMANENT) {
      const d = (await notify.listDeliveries(ids.get(status)!))[0];
      assert.deepEqual(
        [d.state, d.attempts, d.lastStatus, d.lastReason, d.nextAttemptAt],
        ["gave_up", 1, status, reason, null],
        `answer ${status}`,
      );
    }
    for (const status of [408, 500, 502]) {
      const d = (await notify.listDeliveries(ids.get(status)!))[0];
      assert.equal(d.state, "failed", `answer ${status} is retried`);
      assert.equal(d.nextAttemptAt, new Date(t0 + 30_000).toISOString());
    }
    assert.equal(
      (await notify.listDeliveries(ids.get(502)!))[0].lastReason,
      "The webhook answered 502 Bad Gateway",
    );
    // Hours later: the retried ones were tried again, the refused ones never were.
    for (const wait of [30_000, 120_000, 600_000]) {
      ctx.clock.advance(wait);
      await notify.worker.drain();
    }
    for (const [status] of PERMANENT) assert.equal(rx.get(status)!.requests.length, 1);
    for (const status of [408, 500, 502]) assert.equal(rx.get(status)!.requests.length, 4);
  } finally {
    await notify.stop();
    for (const r of rx.values()) await r.close();
    await ctx.close();
  }
});

Deno.test("a redirect is not followed: the delivery gives up and asks for the final address", async () => {
  const ctx = await createTestContext();
  const target = startReceiver();
  const redirects = startReceiver({ status: 302 });
  redirects.setHeaders({ location: `${target.url}/elsewhere` });
  const notify = notifierFor(ctx);
  try {
    const id = await webhook(ctx, "Moved", redirects.url);
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    const d = (await notify.listDeliveries(id))[0];
    assert.equal(d.state, "gave_up");
    assert.equal(d.lastStatus, 302);
    assert.equal(
      d.lastReason,
      "The webhook answered with a redirect to another address; use the final address",
    );
    assert.equal(target.requests.length, 0, "the message never went to the other address");
  } finally {
    await notify.stop();
    await target.close();
    await redirects.close();
    await ctx.close();
  }
});

Deno.test("429 waits what Retry-After asks, then sends; without one, the usual backoff", async () => {
  const ctx = await createTestContext();
  const limited = startReceiver({ status: 429 });
  limited.setHeaders({ "retry-after": "120" });
  const bare = startReceiver({ status: 429 });
  const down = startReceiver({ status: 503 });
  down.setHeaders({ "retry-after": "45" });
  const notify = notifierFor(ctx);
  try {
    const limitedId = await webhook(ctx, "Rate limited", limited.url);
    const bareId = await webhook(ctx, "Rate limited, no hint", bare.url);
    const downId = await webhook(ctx, "Down for maintenance", down.url);
    const t0 = ctx.clock.now();
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    const first = (await notify.listDeliveries(limitedId))[0];
    assert.equal(first.state, "failed");
    assert.equal(first.lastStatus, 429);
    assert.equal(
      first.lastReason,
      "The webhook is rate limiting: 429 Too Many Requests — trying again in 120 s",
    );
    assert.equal(first.nextAttemptAt, new Date(t0 + 120_000).toISOString());
    const noHint = (await notify.listDeliveries(bareId))[0];
    assert.equal(noHint.nextAttemptAt, new Date(t0 + 30_000).toISOString());
    assert.match(noHint.lastReason ?? "", /trying again later$/);
    const maintenance = (await notify.listDeliveries(downId))[0];
    assert.equal(maintenance.nextAttemptAt, new Date(t0 + 45_000).toISOString());
    assert.equal(
      maintenance.lastReason,
      "The webhook is unavailable: 503 Service Unavailable — trying again in 45 s",
    );

    limited.setStatus(200);
    ctx.clock.advance(119_000);
    await notify.worker.drain();
    assert.equal(limited.requests.length, 1, "not before the time it asked for");
    ctx.clock.advance(1_000);
    await notify.worker.drain();
    assert.equal(limited.requests.length, 2);
    const sent = (await notify.listDeliveries(limitedId))[0];
    assert.deepEqual([sent.state, sent.attempts], ["sent", 2]);
  } finally {
    await notify.stop();
    for (const r of [limited, bare, down]) await r.close();
    await ctx.close();
  }
});

Deno.test("a push service's refusal (403) gives up with what to do; its 429 waits for Retry-After", async () => {
  const ctx = await createTestContext();
  const push = await startPushService(ctx.dir);
  const notify = notifierFor(ctx, { fetch: push.fetch });
  try {
    const { viewer, operator } = await ctx.signedInClients();
    const refused = push.newSubscription();
    const limited = push.newSubscription();
    for (const [client, device] of [[viewer, refused], [operator, limited]] as const) {
      const r = await client.json("POST", "/api/push/subscriptions", {
        body: { endpoint: device.endpoint, keys: device.keys },
      });
      assert.equal(r.status, 201);
    }
    push.answer(refused.id, { status: 403 });
    push.answer(limited.id, { status: 429, headers: { "retry-after": "300" } });
    const t0 = ctx.clock.now();
    await notify.notifier.enqueue(opened());
    await notify.worker.drain();
    const views = async (c: typeof viewer) =>
      (await c.json<{ subscriptions: Array<{ lastFailure: string | null }> }>(
        "GET",
        "/api/push/subscriptions",
      )).body.subscriptions;
    assert.equal(
      (await views(viewer))[0].lastFailure,
      "The push service refused the message: 403 Forbidden — the device subscribed under " +
        "another key; turn push off and on again on it",
    );
    assert.match((await views(operator))[0].lastFailure ?? "", /429 .* trying again in 300 s$/);
    push.answer(limited.id, null);
    ctx.clock.advance(299_000);
    await notify.worker.drain();
    assert.equal(push.received.length, 0);
    ctx.clock.advance(1_000);
    await notify.worker.drain();
    assert.equal(push.received.length, 1, "the rate-limited device got it once it was time");
    assert.equal(push.received[0].subscription, limited.id);
    assert.equal(push.rejected.filter((r) => r === "answered 403").length, 1, "403: no retry");
    assert.ok(ctx.clock.now() - t0 < 3_600_000);
  } finally {
    await notify.stop();
    await push.close();
    await ctx.close();
  }
});
