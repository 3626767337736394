/**
 * A generic webhook: a JSON POST of {event, alert} (the alert as the browser API shows it).
 * With a signing secret, `X-Cairn-Signature: sha256=<hex HMAC-SHA256 of the exact body>` lets
 * the receiver check that Cairn sent it; `X-Cairn-Event` names the event for routing.
 */
import { createHmac } from "node:crypto";
import type { Message } from "../message.ts";
import { postJson } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

export interface WebhookConfig {
  url: string;
}

function webhookSignature(secret: string, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
}

export function sendWebhook(m: Message, input: SendInput<WebhookConfig>): Promise<SendResult> {
  const body = JSON.stringify({ event: m.event, alert: m.alert, url: m.url });
  const headers: Record<string, string> = {
    "user-agent": "Cairn",
    "x-cairn-event": m.event,
  };
  if (input.secrets.hmacSecret) {
    headers["x-cairn-signature"] = webhookSignature(input.secrets.hmacSecret, body);
  }
  return postJson(input.fetch, input.config.url, {
    service: "The webhook",
    body,
    headers,
    signal: input.signal,
  });
}
