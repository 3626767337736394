/**
 * Behind a TLS proxy: X-Forwarded-For and X-Forwarded-Proto count only when the direct peer is in
 * CAIRN_TRUSTED_PROXIES. The login lockout is the sharpest consumer of the client address, so
 * the tests prove it through the real login route.
 */
import assert from "node:assert/strict";
import { createTestContext } from "./helpers/app.ts";
import type { TestClient } from "./helpers/app.ts";

const PROXY = "10.0.0.1";
const PASSWORD = "correct horse battery";

async function withContext(
  config: { trustedProxies: string[]; tls?: "on" | "off" },
  fn: (ctx: Awaited<ReturnType<typeof createTestContext>>) => Promise<void>,
) {
  const ctx = await createTestContext({ config });
  try {
    const setup = await ctx.client().json("POST", "/api/auth/setup", {
      body: { username: "admin", password: PASSWORD },
    });
    assert.equal(setup.status, 201);
    await fn(ctx);
  } finally {
    await ctx.close();
  }
}

function login(
  client: TestClient,
  o: { peer: string; xff?: string; proto?: string; username?: string; password?: string },
) {
  const headers: Record<string, string> = {};
  if (o.xff !== undefined) headers["x-forwarded-for"] = o.xff;
  if (o.proto !== undefined) headers["x-forwarded-proto"] = o.proto;
  return client.request("POST", "/api/auth/login", {
    peer: o.peer,
    headers,
    body: { username: o.username ?? "admin", password: o.password ?? PASSWORD },
    anonymous: true,
  });
}

async function failedLogins(ctx: Awaited<ReturnType<typeof createTestContext>>) {
  const all = await ctx.services.audit.list({ limit: 100 });
  return all.filter((e) => e.action === "auth.login_failed");
}

/** Ten failures, each under a fresh user name so that only the address key counts up. */
async function failTenTimes(client: TestClient, peer: string, xff: (i: number) => string) {
  for (let i = 0; i < 10; i++) {
    const res = await login(client, {
      peer,
      xff: xff(i),
      username: `nobody-${i}`,
      password: "wrong password!",
    });
    assert.equal(res.status, 401, `failure ${i + 1}`);
    await res.body?.cancel();
  }
}

Deno.test("a spoofed X-Forwarded-For from an untrusted peer does not move the lockout off that peer", async () => {
  await withContext({ trustedProxies: [PROXY] }, async (ctx) => {
    const c = ctx.client();
    await failTenTimes(c, "203.0.113.50", (i) => `198.51.100.${i + 1}`);
    const locked = await login(c, { peer: "203.0.113.50", xff: "198.51.100.200" });
    assert.equal(locked.status, 429, "the real address is locked whatever the header claims");
    assert.ok(Number(locked.headers.get("retry-after")) > 3000);
    await locked.body?.cancel();
    const forwardedName = await login(c, { peer: "203.0.113.51", xff: "198.51.100.200" });
    assert.equal(forwardedName.status, 200, "no claimed address was locked in its place");
    await forwardedName.body?.cancel();
    const audit = await failedLogins(ctx);
    assert.equal(audit.length, 10);
    assert.ok(audit.every((e) => e.ip === "203.0.113.50"), "the audit log has the real address");
  });
});

Deno.test("from a trusted proxy the forwarded client is locked, not the proxy nor a spoofed hop", async () => {
  await withContext({ trustedProxies: [PROXY] }, async (ctx) => {
    const c = ctx.client();
    // The client claims 1.1.1.1; the proxy appends the address it really saw.
    await failTenTimes(c, PROXY, () => "1.1.1.1, 198.51.100.7");
    const locked = await login(c, { peer: PROXY, xff: "198.51.100.7" });
    assert.equal(locked.status, 429);
    await locked.body?.cancel();
    for (const other of ["198.51.100.8", "1.1.1.1"]) {
      const res = await login(c, { peer: PROXY, xff: other });
      assert.equal(res.status, 200, `${other} through the same proxy is not locked`);
      await res.body?.cancel();
    }
    const audit = await failedLogins(ctx);
    assert.equal(audit.length, 10);
    assert.ok(audit.every((e) => e.ip === "198.51.100.7"));
  });
});

Deno.test("one IPv6 client is one lockout key however the proxy spells its address", async () => {
  await withContext({ trustedProxies: ["fd00::/8"] }, async (ctx) => {
    const c = ctx.client();
    const spellings = ["2001:DB8::7", "2001:db8:0:0:0:0:0:7", "2001:0db8::0007"];
    await failTenTimes(c, "fd00::1", (i) => spellings[i % spellings.length]);
    const locked = await login(c, { peer: "fd00::1", xff: "2001:db8::7" });
    assert.equal(locked.status, 429);
    await locked.body?.cancel();
  });
});

function sessionCookie(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  assert.match(set, /cairn_session=/);
  return set;
}

Deno.test("the session cookie is Secure only under TLS or when a trusted proxy says https", async () => {
  await withContext({ trustedProxies: [PROXY] }, async (ctx) => {
    const c = ctx.client();
    const cases: [string, { peer: string; proto?: string }, boolean][] = [
      ["plain HTTP, no proxy", { peer: "192.168.1.30" }, false],
      ["untrusted peer claiming https", { peer: "192.168.1.30", proto: "https" }, false],
      ["trusted proxy over http", { peer: PROXY, proto: "http" }, false],
      ["trusted proxy over https", { peer: PROXY, proto: "https" }, true],
      ["trusted proxy, mapped address", { peer: `::ffff:${PROXY}`, proto: "https" }, true],
    ];
    for (const [name, o, secure] of cases) {
      const res = await login(c, o);
      assert.equal(res.status, 200, name);
      const cookie = sessionCookie(res);
      assert.equal(/;\s*Secure/i.test(cookie), secure, `${name}: ${cookie}`);
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Strict/i);
      await res.body?.cancel();
    }
  });
});

Deno.test("under CAIRN_TLS=on the session cookie is always Secure", async () => {
  await withContext({ trustedProxies: [], tls: "on" }, async (ctx) => {
    const res = await login(ctx.client(), { peer: "192.168.1.30" });
    assert.equal(res.status, 200);
    assert.match(sessionCookie(res), /;\s*Secure/i);
    await res.body?.cancel();
  });
});
