import assert from "node:assert/strict";
import * as v from "valibot";
import { CreatePushSubscriptionSchema } from "../../../../server/contract/notify.ts";
import { base64UrlToBytes, deviceLabel, pushState, subscriptionBody } from "./push_state.ts";

const env = {
  isSecureContext: true,
  hasServiceWorker: true,
  hasPushManager: true,
  permission: "default" as NotificationPermission,
};

Deno.test("the push state says why push cannot work before what the user decided", () => {
  assert.equal(pushState(env), "default");
  assert.equal(pushState({ ...env, permission: "granted" }), "granted");
  assert.equal(pushState({ ...env, permission: "denied" }), "denied");
  assert.equal(pushState({ ...env, hasPushManager: false }), "unsupported");
  assert.equal(pushState({ ...env, permission: null }), "unsupported");
  assert.equal(
    pushState({ ...env, isSecureContext: false, hasPushManager: false, permission: null }),
    "insecure",
    "plain HTTP on a LAN address hides the APIs: the fix is HTTPS, not another browser",
  );
});

Deno.test("the VAPID key decodes from base64url, padding or not", () => {
  const bytes = new Uint8Array(65).map((_, i) => (i * 37 + 4) & 255);
  const b64url = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  assert.deepEqual(base64UrlToBytes(b64url), bytes);
  assert.deepEqual(base64UrlToBytes("AQID"), new Uint8Array([1, 2, 3]));
  assert.deepEqual(base64UrlToBytes("AQ"), new Uint8Array([1]));
});

Deno.test("devices get a name from the user agent", () => {
  assert.equal(
    deviceLabel(
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    ),
    "Chrome on Android",
  );
  assert.equal(
    deviceLabel(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    ),
    "Safari on iPhone",
  );
  assert.equal(
    deviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    "Firefox on Linux",
  );
});

Deno.test("a browser's subscription becomes a body the contract accepts", () => {
  const body = subscriptionBody({
    endpoint: "https://fcm.googleapis.com/fcm/send/abc",
    expirationTime: null,
    keys: {
      p256dh:
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
      auth: "tBHItJI5svbpez7KI4CCXg",
    },
  }, "Chrome on Android");
  const r = v.safeParse(CreatePushSubscriptionSchema, body);
  assert.ok(r.success, JSON.stringify(r.issues));
  assert.equal(subscriptionBody({}, "x".repeat(100)).label.length, 80);
});
