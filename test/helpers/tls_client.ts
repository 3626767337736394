/** Deno's fetch through a chosen HTTP client, e.g. one that trusts only the appliance's own CA. */
export function fetchWith(
  client: Deno.HttpClient | undefined,
  url: string,
  init: RequestInit = {},
): Promise<Response> {
  const withClient: RequestInit & { client?: Deno.HttpClient } = { ...init, client };
  return fetch(url, withClient);
}
