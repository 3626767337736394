/**
 * Web Push to one subscription: web-push encrypts the PushPayload to the subscription's keys
 * (aes128gcm, RFC 8291) and signs the VAPID JWT (RFC 8292); the request itself goes out through
 * the notifier's fetch rather than web-push's sendNotification(), which insists on https and on
 * Node's own https module. That keeps one timeout and abort path for every channel, and lets a
 * test (or an appliance told so with DENO_CERT) trust a local push service's certificate.
 * 404 and 410 mean the subscription is gone for good (RFC 8030 §7.3): the notifier deletes it.
 */
import webpush from "web-push";
import type { PushPayload } from "../../contract/alerts.ts";
import type { VapidKeys } from "../vapid.ts";
import { judgeAnswer, post } from "./http.ts";
import type { Fetch, SendResult } from "./http.ts";

export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What a push service's refusals mean (RFC 8292 §4.2: 401 and 403 are about the VAPID JWT). */
const PUSH_HINTS: Record<number, string> = {
  401: "it did not accept Cairn's signature",
  403: "the device subscribed under another key; turn push off and on again on it",
  413: "the message is too large for it",
};

/** A day: an alert older than that on a phone that was off is no longer news. */
const TTL_SECONDS = 24 * 3600;

export function sendPush(
  payload: PushPayload,
  opts: { target: PushTarget; vapid: VapidKeys; fetch: Fetch; signal: AbortSignal },
): Promise<SendResult> {
  const { target, vapid } = opts;
  const details = webpush.generateRequestDetails(
    { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
    JSON.stringify(payload),
    {
      vapidDetails: {
        subject: vapid.subject,
        publicKey: vapid.publicKey,
        privateKey: vapid.privateKey,
      },
      TTL: TTL_SECONDS,
      contentEncoding: "aes128gcm",
      urgency: payload.severity === "critical" ? "high" : "normal",
      // One pending message per alert at the push service: "recovered" replaces "failed".
      ...(payload.alertId
        ? { topic: payload.alertId.replace(/[^A-Za-z0-9_-]/g, "").slice(-32) }
        : {}),
    },
  );
  return post(opts.fetch, details.endpoint, {
    headers: details.headers as Record<string, string>,
    body: details.body as unknown as BodyInit,
    signal: opts.signal,
    judge(res) {
      if (res.status === 404 || res.status === 410) {
        return {
          ok: false,
          status: res.status,
          reason: "The push service no longer knows this device",
          gone: true,
        };
      }
      return judgeAnswer("The push service", res, { hints: PUSH_HINTS });
    },
  });
}
