/**
 * Gotify (https://gotify.net/api-docs, POST /message): the application token in the
 * `X-Gotify-Key` header (not in the query string, where proxies log it), a JSON body of
 * {title, message, priority, extras}; `client::notification.click.url` opens the PWA page from
 * the Android client.
 */
import type { AlertSeverity } from "../../contract/alerts.ts";
import type { Message } from "../message.ts";
import { postJson } from "./http.ts";
import type { SendInput, SendResult } from "./http.ts";

export interface GotifyConfig {
  server: string;
  priority?: number;
}

const PRIORITY: Record<AlertSeverity, number> = { critical: 8, warning: 5, info: 2 };

function gotifyRequestBody(m: Message, config: GotifyConfig): Record<string, unknown> {
  return {
    title: m.title,
    message: m.body,
    priority: config.priority ?? (m.event === "resolved" ? 2 : PRIORITY[m.severity]),
    extras: {
      "client::display": { contentType: "text/plain" },
      ...(m.url ? { "client::notification": { click: { url: m.url } } } : {}),
    },
  };
}

export function sendGotify(m: Message, input: SendInput<GotifyConfig>): Promise<SendResult> {
  const root = input.config.server.endsWith("/") ? input.config.server : input.config.server + "/";
  return postJson(input.fetch, new URL("message", root).href, {
    service: "Gotify",
    body: JSON.stringify(gotifyRequestBody(m, input.config)),
    headers: { "x-gotify-key": input.secrets.appToken ?? "" },
    signal: input.signal,
  });
}
