/**
 * The agent's fetch. Plain `fetch` everywhere; under Deno, when the agent is told to connect
 * from a given local address (hosts with several addresses, and the IP-lock tests, which use a
 * second loopback address), a Deno HTTP client bound to it.
 */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function createFetch(opts: { localAddress?: string | null } = {}): Fetch {
  if (!opts.localAddress) return (input, init) => fetch(input, init);
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!deno?.createHttpClient) {
    throw new Error("Binding to a local address needs the Deno runtime");
  }
  const client = deno.createHttpClient({ localAddress: opts.localAddress });
  return (input, init) => fetch(input, { ...init, client } as RequestInit);
}
