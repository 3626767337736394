/**
 * One attempt of one delivery: find its channel or device, open the channel's secrets for just
 * this attempt, and hand the message to the sender of its kind. The reason that comes back is
 * scrubbed of every secret value once more, so even a service that quotes its token back cannot
 * put it in the delivery log.
 */
import type { ChannelKind } from "../contract/notify.ts";
import type { SecretBox } from "../secrets/box.ts";
import { sendDiscord } from "./channels/discord.ts";
import { sendGotify } from "./channels/gotify.ts";
import type { GotifyConfig } from "./channels/gotify.ts";
import type { Fetch, SendInput, SendResult } from "./channels/http.ts";
import { sendNtfy } from "./channels/ntfy.ts";
import type { NtfyConfig } from "./channels/ntfy.ts";
import { sendSlack } from "./channels/slack.ts";
import { sendSmtp } from "./channels/smtp.ts";
import type { SmtpConfig } from "./channels/smtp.ts";
import { sendPush } from "./channels/webpush.ts";
import { sendWebhook } from "./channels/webhook.ts";
import type { WebhookConfig } from "./channels/webhook.ts";
import { formatMessage, pushPayloadOf } from "./message.ts";
import type { Message } from "./message.ts";
import type { ChannelRecord, DeliveryRecord, NotifyRepo } from "./repo.ts";
import type { VapidKeys } from "./vapid.ts";

type Sender = (m: Message, input: SendInput<never>) => Promise<SendResult>;

const SENDERS: Record<ChannelKind, Sender> = {
  ntfy: sendNtfy as (m: Message, i: SendInput<NtfyConfig>) => Promise<SendResult> as Sender,
  webhook: sendWebhook as (
    m: Message,
    i: SendInput<WebhookConfig>,
  ) => Promise<SendResult> as Sender,
  smtp: sendSmtp as (m: Message, i: SendInput<SmtpConfig>) => Promise<SendResult> as Sender,
  gotify: sendGotify as (m: Message, i: SendInput<GotifyConfig>) => Promise<SendResult> as Sender,
  discord: sendDiscord as Sender,
  slack: sendSlack as Sender,
};

export function openSecrets(box: SecretBox, c: ChannelRecord): Record<string, string> {
  return c.sealedSecrets ? JSON.parse(box.open(c.sealedSecrets)) as Record<string, string> : {};
}

/** Replaces every secret value (and anything shaped like a URL) in a reason. */
export function scrub(reason: string | null, secrets: string[]): string | null {
  if (reason === null) return null;
  let out = reason.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>");
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
  return out.slice(0, 300);
}

export interface DispatchDeps {
  repo: NotifyRepo;
  secretBox: SecretBox;
  fetch: Fetch;
  baseUrl: string | null;
  vapid(): Promise<VapidKeys>;
}

export async function attemptDelivery(
  deps: DispatchDeps,
  d: DeliveryRecord,
  signal: AbortSignal,
): Promise<SendResult> {
  const message = formatMessage(d.payload, deps.baseUrl);
  if (d.subscriptionId) {
    const sub = await deps.repo.findSubscription(d.subscriptionId);
    if (!sub) return { ok: false, status: null, reason: "The device was removed", gone: true };
    const r = await sendPush(pushPayloadOf(message), {
      target: sub,
      vapid: await deps.vapid(),
      fetch: deps.fetch,
      signal,
    });
    return { ...r, reason: scrub(r.reason, [sub.endpoint, sub.auth]) };
  }
  const channel = d.channelId ? await deps.repo.findChannel(d.channelId) : null;
  if (!channel) return { ok: false, status: null, reason: "The channel was removed", gone: true };
  if (!channel.enabled && d.event !== "test") {
    return { ok: false, status: null, reason: "The channel is disabled", gone: true };
  }
  const secrets = openSecrets(deps.secretBox, channel);
  const r = await SENDERS[channel.kind](message, {
    config: channel.config as never,
    secrets,
    signal,
    fetch: deps.fetch,
  });
  return { ...r, reason: scrub(r.reason, Object.values(secrets)) };
}
