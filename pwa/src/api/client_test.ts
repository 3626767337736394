import assert from "node:assert/strict";
import { ApiError, createApiClient, withQuery } from "./client.ts";

type Call = { url: string; init: RequestInit };

function fakeFetch(reply: () => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return Promise.resolve(reply());
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

Deno.test("writes carry the CSRF token, reads do not; bodies go as JSON", async () => {
  const f = fakeFetch(() => json(200, { ok: true }));
  const client = createApiClient({ fetch: f.fetch });
  client.setCsrfToken("csrf-1");
  await client.get("/api/x", { a: "1", b: undefined, c: "" });
  await client.send("PATCH", "/api/y", { name: "n" });
  const [read, write] = f.calls;
  assert.equal(read.url, "/api/x?a=1");
  assert.equal((read.init.headers as Record<string, string>)["x-csrf-token"], undefined);
  assert.equal((write.init.headers as Record<string, string>)["x-csrf-token"], "csrf-1");
  assert.equal(write.init.body, '{"name":"n"}');
  assert.equal(write.init.cache, "no-store");
});

Deno.test("the appliance's error shape becomes an ApiError with its message; 401 is reported", async () => {
  let unauthenticated = 0;
  const replies = [
    json(401, { error: { code: "unauthenticated", message: "Sign in first" } }),
    json(403, { error: { code: "forbidden", message: "This needs the admin role" } }),
    json(429, { error: { code: "locked_out", message: "Try again in 60 minutes", details: {} } }),
    new Response("<html>bad gateway</html>", { status: 502 }),
  ];
  const f = fakeFetch(() => replies.shift()!);
  const client = createApiClient({ fetch: f.fetch, onUnauthenticated: () => unauthenticated++ });
  const failure = async () => {
    try {
      await client.get("/api/x");
    } catch (err) {
      assert.ok(err instanceof ApiError);
      return err;
    }
    throw new Error("expected an error");
  };
  const e401 = await failure();
  assert.deepEqual([e401.status, e401.code, unauthenticated], [401, "unauthenticated", 1]);
  assert.equal(
    (await failure()).message,
    "Your role does not allow this. This needs the admin role.",
  );
  assert.equal((await failure()).message, "Try again in 60 minutes");
  const e502 = await failure();
  assert.match(e502.message, /HTTP 502/);
  assert.equal(e502.offline, false);
});

Deno.test("an unreachable appliance is an offline ApiError, not a crash", async () => {
  const client = createApiClient({
    fetch: () => Promise.reject(new TypeError("Failed to fetch")),
  });
  await assert.rejects(client.get("/api/x"), (err) => err instanceof ApiError && err.offline);
});

Deno.test("withQuery leaves out empty values and encodes the rest", () => {
  assert.equal(withQuery("/a", {}), "/a");
  assert.equal(withQuery("/a", { q: "a b&c", n: 5, z: null }), "/a?q=a+b%26c&n=5");
});
