/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): `text` (the fallback shown
 * in notifications) and `blocks` (a section with the cause, a context line with host and plan,
 * and a link). The webhook URL carries its token, so it is a secret.
 */
import type { Message } from "../message.ts";
import { postJson } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

/** Slack's mrkdwn treats &, < and > as markup. */
function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function slackRequestBody(m: Message): Record<string, unknown> {
  const where = [
    m.hostName ? `*Host:* ${esc(m.hostName)}` : null,
    m.planName ? `*Plan:* ${esc(m.planName)}` : null,
  ].filter((s): s is string => s !== null);
  const blocks: unknown[] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*${esc(m.title)}*\n${esc(m.alert.message)}`.slice(0, 3000) },
    },
  ];
  if (where.length) {
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: where.join("  ·  ") }] });
  }
  if (m.url) {
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: `<${m.url}|Open in Cairn>` },
    });
  }
  return { text: `${m.title}: ${m.alert.message}`.slice(0, 3000), blocks };
}

export function sendSlack(m: Message, input: SendInput<unknown>): Promise<SendResult> {
  return postJson(input.fetch, input.secrets.webhookUrl ?? "", {
    service: "Slack",
    body: JSON.stringify(slackRequestBody(m)),
    signal: input.signal,
  });
}
