/**
 * The HTTP side every web channel shares: one POST, its answer turned into a delivery outcome
 * whose reason is a short sentence. A reason never carries a URL (webhook URLs hold tokens),
 * a request or response body, or an error message that might quote either: Deno's and Node's
 * fetch errors name the URL, so only the kind of failure is kept.
 *
 * How an answer is judged: 2xx is sent. A redirect is refused (it would carry a token or a
 * signature to an address nobody configured) and not retried: the reason asks for the final
 * address. 4xx is the service refusing this message, and the same message will be refused
 * again, so it is not retried, except 408 (the request was too slow) and 429 (rate limited,
 * retried after the Retry-After the service gives). 5xx and network errors are retried.
 */

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface SendResult {
  ok: boolean;
  /** HTTP status or SMTP reply code; null when nothing answered. */
  status: number | null;
  reason: string | null;
  /** The subscription no longer exists at the push service (404/410): drop it. */
  gone?: boolean;
  /** Trying again cannot help (a refused token, a wrong address): no retry. */
  permanent?: boolean;
  /** The service said when to try again (Retry-After): the next attempt waits that long. */
  retryAfterMs?: number;
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

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const HINT: Record<number, string> = {
  401: "check the token",
  403: "check the token",
  404: "check the address",
  410: "the address no longer exists",
  413: "the message is too large for it",
};

/** Longest wait a Retry-After may ask for; a longer one is cut to this. */
const MAX_RETRY_AFTER_MS = 6 * 3600_000;

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; else undefined. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const ms = /^\d{1,10}$/.test(v) ? Number(v) * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 1000), MAX_RETRY_AFTER_MS);
}

const statusWords = (status: number) =>
  STATUS_TEXT[status] ? `${status} ${STATUS_TEXT[status]}` : String(status);

/** Turns an HTTP answer into a delivery outcome (see the header for the rules). */
export function judgeAnswer(
  service: string,
  res: { status: number; headers: Headers },
  opts: { hints?: Record<number, string>; now?: number } = {},
): SendResult {
  const { status } = res;
  if (status >= 200 && status < 300) return { ok: true, status, reason: null };
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      status,
      permanent: true,
      reason: `${service} answered with a redirect to another address; use the final address`,
    };
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), opts.now ?? Date.now());
    const when = retryAfterMs === undefined
      ? "trying again later"
      : `trying again in ${Math.round(retryAfterMs / 1000)} s`;
    const what = status === 429 ? "is rate limiting" : "is unavailable";
    return {
      ok: false,
      status,
      reason: `${service} ${what}: ${statusWords(status)} — ${when}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status >= 400 && status < 500 && status !== 408) {
    const words = opts.hints?.[status] ?? HINT[status];
    const hint = words ? ` — ${words}` : "";
    return {
      ok: false,
      status,
      permanent: true,
      reason: `${service} refused the message: ${statusWords(status)}${hint}`,
    };
  }
  return { ok: false, status, reason: `${service} answered ${statusWords(status)}` };
}

/**
 * One POST with redirects refused (a redirect would carry a signature or a token to an address
 * nobody configured). Nothing of the answer is kept but its status and headers, which `judge`
 * turns into the outcome; a request that gets no answer is described by its kind only.
 */
export async function post(
  fetch: Fetch,
  url: string,
  opts: {
    headers: Record<string, string>;
    body: BodyInit;
    signal: AbortSignal;
    judge(res: Response): SendResult;
  },
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: opts.headers,
      body: opts.body,
      signal: opts.signal,
      redirect: "manual",
    });
  } catch (err) {
    return { ok: false, status: null, reason: networkReason(err, opts.signal) };
  }
  await res.body?.cancel().catch(() => {/* already closed: nothing to release */});
  return opts.judge(res);
}

export function postJson(
  fetch: Fetch,
  url: string,
  opts: {
    service: string;
    body: string;
    headers?: Record<string, string>;
    signal: AbortSignal;
  },
): Promise<SendResult> {
  return post(fetch, url, {
    headers: { "content-type": "application/json", ...opts.headers },
    body: opts.body,
    signal: opts.signal,
    judge: (res) => judgeAnswer(opts.service, res),
  });
}
