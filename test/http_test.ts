import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestContext } from "./helpers/app.ts";

Deno.test("HTTP edge: sizes, types, unknown routes, headers and request ids", async () => {
  const t = await createTestContext();
  try {
    const c = t.client();
    const big = await c.json<{ error: { code: string } }>("POST", "/api/auth/login", {
      body: { username: "a", password: "x".repeat(70 * 1024) },
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, "payload_too_large");
    const chunked = await c.request("POST", "/api/auth/login", {
      rawBody: new ReadableStream({
        start(ctl) {
          for (let i = 0; i < 20; i++) ctl.enqueue(new TextEncoder().encode("x".repeat(8192)));
          ctl.close();
        },
      }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(chunked.status, 413, "a body without Content-Length is counted too");
    await chunked.body?.cancel();
    const form = await c.json("POST", "/api/auth/login", {
      rawBody: "username=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(form.status, 400);
    const broken = await c.json("POST", "/api/auth/login", {
      rawBody: "{",
      headers: { "content-type": "application/json" },
    });
    assert.equal(broken.status, 400);
    const none = await c.json<{ error: { code: string } }>("GET", "/api/nope");
    assert.equal(none.status, 404);
    assert.equal(none.body.error.code, "not_found");
    assert.equal((await c.json("DELETE", "/healthz")).status, 404);

    const res = await c.request("GET", "/healthz", {
      headers: { "x-request-id": "trace-1234abcd" },
    });
    assert.equal(res.headers.get("x-request-id"), "trace-1234abcd");
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    const odd = await c.request("GET", "/healthz", {
      headers: { "x-request-id": "bad id with spaces" },
    });
    assert.notEqual(odd.headers.get("x-request-id"), "bad id with spaces");
    assert.ok(
      t.logLines.some((l) => l.includes('"requestId":"trace-1234abcd"')),
      "the request id reaches the log",
    );
  } finally {
    await t.close();
  }
});

Deno.test("the PWA's files: hashed assets immutable, the shell revalidated, SPA fallback, no traversal", async () => {
  const t = await createTestContext();
  try {
    const dist = t.deps.config.pwaDir;
    await mkdir(join(dist, "assets"), { recursive: true });
    await writeFile(
      join(dist, "index.html"),
      "<!doctype html><title>Cairn</title>" + " ".repeat(600),
    );
    await writeFile(
      join(dist, "assets", "app-abc123.js"),
      "console.log(1);" + "/* pad */".repeat(100),
    );
    await writeFile(join(t.dir, "secret.txt"), "do not serve");
    const c = t.client();
    const asset = await c.request("GET", "/assets/app-abc123.js", {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("cache-control") ?? "", /immutable/);
    assert.equal(asset.headers.get("content-encoding"), "gzip");
    assert.match(asset.headers.get("content-type") ?? "", /javascript/);
    await asset.body?.cancel();
    const index = await c.request("GET", "/", { headers: { accept: "text/html" } });
    assert.equal(index.headers.get("cache-control"), "no-cache");
    assert.match(await index.text(), /<title>Cairn<\/title>/);
    const deep = await c.request("GET", "/hosts/h_1", { headers: { accept: "text/html" } });
    assert.equal(deep.status, 200, "deep links get the shell");
    await deep.body?.cancel();
    const etag = index.headers.get("etag")!;
    assert.equal(
      (await c.request("GET", "/", { headers: { accept: "text/html", "if-none-match": etag } }))
        .status,
      304,
    );
    assert.equal((await c.request("GET", "/assets/missing.js")).status, 404);
    for (
      const p of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
      ]
    ) {
      const r = await c.request("GET", p);
      assert.ok(!(await r.text()).includes("do not serve"), `${p} does not escape the PWA folder`);
    }
  } finally {
    await t.close();
  }
});
