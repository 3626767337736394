/**
 * ntfy (https://docs.ntfy.sh/publish/): JSON publishing, a POST of {topic, title, message,
 * priority, tags, click} to the server's root. JSON rather than the header form because titles
 * may hold any character, and HTTP headers hold only Latin-1. An access token goes in
 * `Authorization: Bearer`.
 */
import type { AlertSeverity } from "../../contract/alerts.ts";
import type { Message } from "../message.ts";
import { postJson } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

export interface NtfyConfig {
  server: string;
  topic: string;
  priority?: number;
}

const PRIORITY: Record<AlertSeverity, number> = { critical: 5, warning: 4, info: 3 };

function ntfyRequestBody(m: Message, config: NtfyConfig): Record<string, unknown> {
  const tags = m.event === "resolved"
    ? ["white_check_mark"]
    : m.severity === "critical"
    ? ["rotating_light"]
    : m.severity === "warning"
    ? ["warning"]
    : ["information_source"];
  return {
    topic: config.topic,
    title: m.title,
    message: m.body,
    priority: config.priority ?? (m.event === "resolved" ? 3 : PRIORITY[m.severity]),
    tags,
    ...(m.url ? { click: m.url } : {}),
  };
}

export function sendNtfy(m: Message, input: SendInput<NtfyConfig>): Promise<SendResult> {
  const { config, secrets } = input;
  const root = config.server.endsWith("/") ? config.server : config.server + "/";
  return postJson(input.fetch, root, {
    service: "ntfy",
    body: JSON.stringify(ntfyRequestBody(m, config)),
    headers: secrets.token ? { authorization: `Bearer ${secrets.token}` } : {},
    signal: input.signal,
  });
}
