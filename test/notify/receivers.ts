/**
 * Local HTTP receivers for the channel tests: each records the requests it gets (method, path,
 * query, headers, body) and answers with a chosen status, or never answers at all (a channel
 * that hangs). Real servers on 127.0.0.1, so the notifier's real fetch is what is tested.
 */

export interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  /** Resolves at the next request (or at once when one is already there beyond `seen`). */
  next(seen?: number): Promise<Received>;
  setStatus(status: number): void;
  /** Headers of every answer from now on (Retry-After, Location …). */
  setHeaders(headers: Record<string, string>): void;
  close(): Promise<void>;
}

export function startReceiver(opts: { status?: number; hang?: boolean } = {}): Receiver {
  const requests: Received[] = [];
  const waiting: Array<() => void> = [];
  let status = opts.status ?? 200;
  let headers: Record<string, string> = {};
  const hung: Array<() => void> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(req.headers),
      body: await req.text(),
      at: performance.now(),
    });
    for (const w of waiting.splice(0)) w();
    if (opts.hang) await new Promise<void>((r) => hung.push(r));
    return new Response(status === 204 || status === 304 ? null : "{}", { status, headers });
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    next(seen = requests.length) {
      if (requests.length > seen) return Promise.resolve(requests[seen]);
      return new Promise((resolve) => waiting.push(() => resolve(requests[seen])));
    },
    setStatus: (s) => void (status = s),
    setHeaders: (h) => void (headers = h),
    async close() {
      for (const r of hung.splice(0)) r();
      await server.shutdown();
    },
  };
}
