/**
 * CAIRN_VAPID_SUBJECT: checked at start like every setting, carried as the VAPID JWT's `sub`, and
 * when it is missing while devices are subscribed and Cairn can only make up a contact, one
 * warning at start says what to set.
 */
import assert from "node:assert/strict";
import { ConfigError, readConfig } from "../../server/config.ts";
import { createTestContext } from "../helpers/app.ts";
import { notifierFor, opened } from "./fixtures.ts";
import { startPushService } from "./push_service.ts";

Deno.test("CAIRN_VAPID_SUBJECT takes a mailto: address or an https:// URL; anything else stops the start naming it", () => {
  assert.equal(readConfig({}).vapidSubject, null);
  assert.equal(readConfig({ CAIRN_VAPID_SUBJECT: "" }).vapidSubject, null);
  for (const ok of ["mailto:ops@example.org", "https://backup.example.org", "https://x.org/c"]) {
    assert.equal(readConfig({ CAIRN_VAPID_SUBJECT: ok }).vapidSubject, ok);
  }
  for (const bad of ["ops@example.org", "http://backup.example.org", "mailto:", "mailto:x y"]) {
    assert.throws(() => readConfig({ CAIRN_VAPID_SUBJECT: bad }), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.variable, "CAIRN_VAPID_SUBJECT");
      assert.equal(
        err.message,
        "CAIRN_VAPID_SUBJECT: expected mailto: and an email address, or an https:// URL",
        "what is wanted, never the value",
      );
      return true;
    });
  }
});

Deno.test("the configured subject is the JWT's sub; without one and without an https address, one warning at start once devices are subscribed", async () => {
  const ctx = await createTestContext();
  const push = await startPushService(ctx.dir);
  const warnings = () =>
    ctx.logLines.filter((l) => l.includes("CAIRN_VAPID_SUBJECT") && l.includes('"warn"'));
  const configured = notifierFor(ctx, {
    fetch: push.fetch,
    baseUrl: null,
    vapidSubject: "mailto:ops@example.org",
  });
  const unset = notifierFor(ctx, { fetch: push.fetch, baseUrl: "http://192.168.1.20:8080" });
  const https = notifierFor(ctx, { fetch: push.fetch, baseUrl: "https://backup.example.org" });
  try {
    await unset.start();
    await unset.stop();
    assert.deepEqual(warnings(), [], "no device subscribed: push is not in use");

    const { viewer } = await ctx.signedInClients();
    const device = push.newSubscription();
    await viewer.json("POST", "/api/push/subscriptions", {
      body: { endpoint: device.endpoint, keys: device.keys },
    });
    await configured.start();
    await https.start();
    assert.deepEqual(warnings(), [], "a configured subject, or an https address: no warning");
    await configured.notifier.enqueue(opened());
    await configured.worker.drain();
    assert.equal(push.received.length, 1);
    assert.equal(push.received[0].claims.sub, "mailto:ops@example.org");

    await unset.start();
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0], /mailto:/);
  } finally {
    for (const n of [configured, unset, https]) await n.stop();
    await push.close();
    await ctx.close();
  }
});
