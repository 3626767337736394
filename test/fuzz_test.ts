/**
 * Throws malformed and random input at every route in the table (as an admin, so authorisation
 * does not stop it early, and anonymously): random JSON of every shape, wrong content types,
 * broken UTF-8, oversized bodies, odd query strings and path parameters. Nothing may answer 500,
 * every error must have the one JSON shape, and no rejected value may be echoed back.
 * The generator is seeded, so a failure names the seed that reproduces it.
 */
import assert from "node:assert/strict";
import { appRoutes } from "../server/app.ts";
import { createTestContext } from "./helpers/app.ts";
import { concretePath } from "./helpers/routes.ts";

const MARK = "ZQXJ";

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: T[]) => xs[int(xs.length)];
  const strings = () =>
    pick([
      "",
      MARK,
      `${MARK}${"x".repeat(int(3000))}`,
      `${MARK}\u0000\uFFFF\uD800`,
      `../../${MARK}`,
      `${MARK}<script>`,
      "admin",
      "viewer",
      "a".repeat(10),
      `${MARK}' OR 1=1 --`,
      "2026-13-45T99:99:99Z",
      "1e309",
    ]);
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 5 : 8)) {
      case 0:
        return null;
      case 1:
        return rnd() < 0.5;
      case 2:
        return pick([0, -1, 1e308, -1e308, 3.14, Number.MAX_SAFE_INTEGER + 2]);
      case 3:
      case 4:
        return strings();
      case 5:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default: {
        const keys = [
          "username",
          "password",
          "role",
          "disabled",
          "name",
          "applianceName",
          "currentPassword",
          "newPassword",
          MARK,
          "__proto__",
          "constructor",
        ];
        return Object.fromEntries(
          Array.from({ length: int(5) }, () => [pick(keys), value(depth + 1)]),
        );
      }
    }
  };
  const body = (): { raw: BodyInit; type?: string } => {
    switch (int(10)) {
      case 0:
        return { raw: `{"${MARK}": ` };
      case 1:
        return { raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) };
      case 2:
        return {
          raw: JSON.stringify(value(0)),
          type: pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]),
        };
      case 3:
        return { raw: "[".repeat(5000) + "]".repeat(5000) };
      case 4:
        return { raw: JSON.stringify({ username: "x".repeat(70 * 1024) }) };
      case 5:
        return { raw: "" };
      default:
        return { raw: JSON.stringify(value(0)) };
    }
  };
  const query = () =>
    Array.from(
      { length: int(4) },
      () =>
        `${pick(["limit", "before", "from", "to", "actor", "action", "target", MARK, "limit[]"])}=${
          encodeURIComponent(String(value(3)).toWellFormed())
        }`,
    ).join("&");
  const param = () =>
    pick([MARK, `%00${MARK}`, "..%2F..%2Fetc", encodeURIComponent("ü" + MARK), "x".repeat(500)]);
  return { body, query, param, pick, int };
}

Deno.test("fuzz: random and malformed input at every route never gets a 500 or an echo", async () => {
  const t = await createTestContext();
  const seed = Number(Deno.env.get("CAIRN_FUZZ_SEED") ?? Date.now() % 100000);
  const g = generator(seed);
  try {
    const { admin } = await t.signedInClients();
    const routes = appRoutes(t.deps, () => false).filter((r) => r.path !== "/api/auth/logout");
    let requests = 0;
    for (const r of routes) {
      for (let i = 0; i < 30; i++) {
        const client = i % 5 === 4 ? t.client() : admin;
        const path = concretePath(r.path).replace(/[a-z]+_does_not_exist/g, () => g.param());
        const q = g.query();
        const b = g.body();
        const headers: Record<string, string> = {};
        if (r.method !== "GET") headers["content-type"] = b.type ?? "application/json";
        const res = await client.request(r.method, q ? `${path}?${q}` : path, {
          rawBody: r.method === "GET" ? undefined : b.raw,
          headers,
        });
        requests++;
        const text = await res.text();
        const where = `${r.method} ${r.path} (seed ${seed}, case ${i}) → ${res.status}`;
        assert.ok(res.status < 500, `${where}: ${text.slice(0, 300)}`);
        if (res.status >= 400) {
          const parsed = JSON.parse(text);
          assert.equal(typeof parsed.error?.code, "string", `${where}: error shape`);
          assert.equal(typeof parsed.error?.message, "string", `${where}: error shape`);
          assert.ok(
            !text.includes(MARK),
            `${where}: the rejected input was echoed: ${text.slice(0, 300)}`,
          );
        }
      }
    }
    assert.ok(requests >= routes.length * 30);
    assert.ok(
      !t.logLines.some((l) => l.includes('"level":"error"')),
      "nothing was logged as an unhandled error",
    );
  } finally {
    await t.close();
  }
});
