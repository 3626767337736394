/**
 * Every route × every role, generated from the route table itself, so a new route cannot skip
 * the check: anonymous callers get 401 on protected routes, lower roles 403, and the allowed
 * roles get past authorisation (anything but 401/403) — never a 500. Token-only routes
 * (/metrics) refuse every browser session with 401 and a Bearer challenge, and are walked again
 * with an API token of each role.
 */
import assert from "node:assert/strict";
import { appRoutes } from "../server/app.ts";
import type { Route } from "../server/http/route.ts";
import { createTestContext } from "./helpers/app.ts";
import { registerTestSecret } from "./helpers/log_capture.ts";
import { concretePath } from "./helpers/routes.ts";

const ROLES = ["viewer", "operator", "admin"] as const;
const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

/** Routes whose call ends the caller's session run last, so the matrix keeps its sessions. */
const endsSession = (r: Route) => r.path === "/api/auth/logout";

Deno.test("role matrix: every route × every role", async () => {
  const t = await createTestContext();
  try {
    const clients = await t.signedInClients();
    const tokens = {} as Record<(typeof ROLES)[number], string>;
    for (const role of ROLES) {
      const made = await clients.admin.json<{ secret: string }>("POST", "/api/tokens", {
        body: { name: `matrix ${role}`, role },
      });
      assert.equal(made.status, 201, `token for ${role}`);
      registerTestSecret(made.body.secret);
      tokens[role] = made.body.secret;
    }
    const routes = appRoutes(t.deps, () => false).sort((a, b) =>
      Number(endsSession(a)) - Number(endsSession(b))
    );
    assert.ok(routes.length >= 15, "the table has the routes");
    const known = new Set(["public", "agent", ...ROLES]);
    for (const r of routes) {
      assert.ok(known.has(r.access), `${r.method} ${r.path} declares a known access level`);
      const path = concretePath(r.path);
      const send = (c: ReturnType<typeof t.client>, token?: string) =>
        c.request(r.method, path, {
          token,
          ...(r.method === "GET" || r.method === "DELETE" ? {} : { body: {} }),
        });
      const anon = await send(t.client());
      assert.notEqual(anon.status, 500, `${r.method} ${r.path} anonymous: no 500`);
      if (r.access !== "public") {
        assert.equal(anon.status, 401, `${r.method} ${r.path} anonymous → 401`);
      } else assert.notEqual(anon.status, 401, `${r.method} ${r.path} is public`);
      if (r.access === "public" || r.access === "agent") continue;
      if (r.credentials === "token") {
        assert.match(anon.headers.get("www-authenticate") ?? "", /^Bearer/, `${r.path} challenge`);
        for (const role of ROLES) {
          const res = await send(clients[role]);
          await res.body?.cancel();
          assert.equal(res.status, 401, `${r.method} ${r.path} with a ${role} session → 401`);
          assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
        }
      }
      await anon.body?.cancel();
      for (const role of ROLES) {
        const res =
          await (r.credentials === "token" ? send(t.client(), tokens[role]) : send(clients[role]));
        await res.body?.cancel();
        const label = `${r.method} ${r.path} as ${role}${r.credentials ? " token" : ""}`;
        assert.notEqual(res.status, 500, `${label}: no 500`);
        if (RANK[role] < RANK[r.access as keyof typeof RANK]) {
          assert.equal(res.status, 403, `${label} → 403`);
        } else {assert.ok(
            res.status !== 401 && res.status !== 403,
            `${label} is allowed (got ${res.status})`,
          );}
      }
    }
  } finally {
    await t.close();
  }
});
