/**
 * The HTTP side every web channel shares: one POST, its answer turned into a delivery outcome
 * whose reason is a short sentence. A reason never carries a URL (webhook URLs hold tokens),
 * a request or response body, or an error message that might quote either: Deno's and Node's
 * fetch errors name the URL, so only the kind of failure is kept.
 */

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface SendResult {
  ok: boolean;
  /** HTTP status or SMTP reply code; null when nothing answered. */
  status: number | null;
  reason: string | null;
  /** The subscription no longer exists at the push service (404/410): drop it. */
  gone?: boolean;
}

/** What every sender is handed. `secrets` are opened just for this attempt. */
export interface SendInput<C> {
  config: C;
  secrets: Record<string, string>;
  signal: AbortSignal;
  fetch: Fetch;
}

/** Describes a failed fetch by its kind only. */
export function networkReason(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted) return "No answer in time";
  const text = String(
    (err as { cause?: unknown })?.cause ?? "",
  ) + " " + String((err as Error)?.message ?? err);
  if (/refused/i.test(text)) return "Connection refused";
  if (/dns|resolve|lookup|not known|ENOTFOUND|EAI_AGAIN/i.test(text)) {
    return "The server name could not be resolved";
  }
  if (/certificate|tls|ssl|handshake/i.test(text)) return "TLS handshake failed (certificate?)";
  if (/reset|closed|EPIPE|broken pipe/i.test(text)) return "The connection was closed";
  if (/timed? ?out/i.test(text)) return "No answer in time";
  return "Could not reach the server";
}

export async function postJson(
  fetch: Fetch,
  url: string,
  opts: {
    service: string;
    body: string;
    headers?: Record<string, string>;
    signal: AbortSignal;
  },
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...opts.headers },
      body: opts.body,
      signal: opts.signal,
      // A redirect would carry a signature or a token to an address nobody configured.
      redirect: "manual",
    });
  } catch (err) {
    return { ok: false, status: null, reason: networkReason(err, opts.signal) };
  }
  // Nothing of the answer is kept but its status.
  await res.body?.cancel().catch(() => {/* already closed: nothing to release */});
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, reason: null };
  return { ok: false, status: res.status, reason: statusReason(opts.service, res.status) };
}

export function statusReason(service: string, status: number): string {
  const hint = status === 401 || status === 403
    ? " (is the token right?)"
    : status === 404
    ? " (wrong address or topic?)"
    : status === 429
    ? " (rate limited)"
    : status >= 300 && status < 400
    ? " (a redirect; use the final address)"
    : "";
  return `${service} answered ${status}${hint}`;
}
