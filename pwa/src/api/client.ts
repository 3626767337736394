/**
 * The one HTTP client of the PWA: every request to the appliance goes through here. It sends the
 * session's CSRF token on writes, never lets a response be cached by the browser, and turns the
 * appliance's one error shape into an ApiError whose message can be shown to the user as is.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** True when the appliance could not be reached at all (offline, server down). */
  get offline(): boolean {
    return this.status === 0;
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
  setCsrfToken(token: string | null): void;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  /** Called when the appliance answers 401: the session ended or was never there. */
  onUnauthenticated?(): void;
}

const FRIENDLY: Record<number, string> = {
  403: "Your role does not allow this.",
  404: "That was not found on the appliance.",
  413: "That is too large for the appliance to accept.",
};

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null; // not JSON (a proxy's page, say): fall back to a message made from the status
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  if (err && typeof err.code === "string" && typeof err.message === "string") {
    const message = res.status === 403 && err.code === "forbidden"
      ? `${FRIENDLY[403]} ${err.message}.`
      : err.message;
    return new ApiError(res.status, err.code, message, err.details);
  }
  const fallback = FRIENDLY[res.status] ??
    `The appliance answered with an unexpected error (HTTP ${res.status}).`;
  return new ApiError(res.status, "http_" + res.status, fallback);
}

export function createApiClient(opts: ApiClientOptions = {}): ApiClient {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  let csrf: string | null = null;

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (cause) {
      const err = new ApiError(0, "offline", "The appliance cannot be reached right now.");
      err.cause = cause;
      throw err;
    }
    if (!res.ok) {
      const err = await toApiError(res);
      if (res.status === 401) opts.onUnauthenticated?.();
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    get: (path, query) => request("GET", withQuery(path, query)),
    send: (method, path, body) => request(method, path, body),
    setCsrfToken(token) {
      csrf = token;
    },
  };
}
