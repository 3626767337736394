/**
 * Discord webhooks (https://discord.com/developers/docs/resources/webhook#execute-webhook): a
 * JSON body with `content` and one embed (title, description, url, colour, host and plan
 * fields). Mentions are switched off, so an alert text holding "@everyone" pings nobody. The
 * webhook URL carries its token, so it is a secret.
 */
import type { AlertSeverity } from "../../contract/alerts.ts";
import type { Message } from "../message.ts";
import { postJson } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

const COLOR: Record<AlertSeverity, number> = {
  critical: 0xd93025,
  warning: 0xf29900,
  info: 0x1a73e8,
};
const GREEN = 0x188038;

function discordRequestBody(m: Message): Record<string, unknown> {
  const fields = [
    m.hostName ? { name: "Host", value: m.hostName, inline: true } : null,
    m.planName ? { name: "Plan", value: m.planName, inline: true } : null,
  ].filter(Boolean);
  return {
    content: m.title.slice(0, 2000),
    allowed_mentions: { parse: [] },
    embeds: [{
      title: m.title.slice(0, 256),
      description: m.alert.message.slice(0, 4096),
      ...(m.url ? { url: m.url } : {}),
      color: m.event === "resolved" ? GREEN : COLOR[m.severity],
      fields,
      timestamp: m.alert.lastSeenAt,
    }],
  };
}

export function sendDiscord(m: Message, input: SendInput<unknown>): Promise<SendResult> {
  return postJson(input.fetch, input.secrets.webhookUrl ?? "", {
    service: "Discord",
    body: JSON.stringify(discordRequestBody(m)),
    signal: input.signal,
  });
}
