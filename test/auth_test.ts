import assert from "node:assert/strict";
import { createTestContext } from "./helpers/app.ts";

const PW = "correct horse battery";

Deno.test("setup creates the first admin once, signs them in, then closes", async () => {
  const t = await createTestContext();
  try {
    const a = t.client();
    assert.deepEqual((await a.json("GET", "/api/auth/state")).body, { setupRequired: true });
    const weak = await a.json("POST", "/api/auth/setup", {
      body: { username: "admin", password: "short" },
    });
    assert.equal(weak.status, 400);
    assert.equal((await t.services.users.list()).length, 0, "a refused setup writes nothing");
    const ok = await a.json<{ user: { role: string } }>("POST", "/api/auth/setup", {
      body: { username: "admin", password: PW },
    });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.user.role, "admin");
    const cookie = ok.res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.doesNotMatch(cookie, /Secure/i, "no Secure flag on plain HTTP");
    assert.equal((await a.json("GET", "/api/auth/me")).status, 200);
    const again = await t.client().json<{ error: { code: string } }>("POST", "/api/auth/setup", {
      body: { username: "eve", password: PW },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "setup_done");
    assert.deepEqual((await a.json("GET", "/api/auth/state")).body, { setupRequired: false });
  } finally {
    await t.close();
  }
});

Deno.test("concurrent setups make exactly one admin", async () => {
  const t = await createTestContext();
  try {
    const results = await Promise.all(
      ["a1", "a2", "a3", "a4"].map((u) =>
        t.client().json("POST", "/api/auth/setup", { body: { username: u, password: PW } })
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409]);
    assert.equal((await t.services.users.list()).length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("login, me, logout; the old cookie no longer works", async () => {
  const t = await createTestContext();
  try {
    await t.signedInClients();
    const c = t.client();
    assert.equal((await c.json("GET", "/api/auth/me")).status, 401);
    const bad = await c.json<{ error: { code: string } }>("POST", "/api/auth/login", {
      body: { username: "viewer", password: "wrong password" },
    });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, "bad_credentials");
    const unknown = await c.json("POST", "/api/auth/login", {
      body: { username: "nobody", password: PW },
    });
    assert.equal(unknown.status, 401, "an unknown user looks like a wrong password");
    assert.equal(
      (await c.json("POST", "/api/auth/login", { body: { username: "VIEWER", password: PW } }))
        .status,
      200,
      "user names ignore case",
    );
    const cookie = c.cookie;
    const me = await c.json<{ user: { username: string; role: string } }>("GET", "/api/auth/me");
    assert.equal(me.body.user.role, "viewer");
    assert.equal((await c.json("POST", "/api/auth/logout")).status, 204);
    c.cookie = cookie;
    assert.equal((await c.json("GET", "/api/auth/me")).status, 401);
  } finally {
    await t.close();
  }
});

Deno.test("sessions expire after the idle timeout and after the absolute timeout", async () => {
  const t = await createTestContext();
  try {
    const { viewer } = await t.signedInClients();
    t.clock.advance(59 * 60_000);
    assert.equal(
      (await viewer.json("GET", "/api/auth/me")).status,
      200,
      "activity within the idle window keeps it alive",
    );
    t.clock.advance(59 * 60_000);
    assert.equal((await viewer.json("GET", "/api/auth/me")).status, 200);
    t.clock.advance(61 * 60_000);
    assert.equal(
      (await viewer.json("GET", "/api/auth/me")).status,
      401,
      "idle for more than an hour",
    );

    const c = t.client();
    await c.json("POST", "/api/auth/login", { body: { username: "operator", password: PW } });
    for (let i = 0; i < 24; i++) {
      t.clock.advance(55 * 60_000);
      assert.equal(
        (await c.json("GET", "/api/auth/me")).status,
        200,
        `still alive after ${i + 1} active hours`,
      );
    }
    t.clock.advance(61 * 60_000);
    assert.equal(
      (await c.json("GET", "/api/auth/me")).status,
      401,
      "the absolute limit of 24 h ends it despite activity",
    );
  } finally {
    await t.close();
  }
});

Deno.test("cookie-authenticated writes need the CSRF token; cross-site origins are refused", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const body = { name: "ci", role: "viewer" };
    const none = await admin.json<{ error: { code: string } }>("POST", "/api/tokens", {
      body,
      headers: { "x-csrf-token": "" },
    });
    assert.equal(none.status, 403);
    assert.equal(none.body.error.code, "csrf");
    const wrong = await admin.json("POST", "/api/tokens", {
      body,
      headers: { "x-csrf-token": "not-the-token" },
    });
    assert.equal(wrong.status, 403);
    const cross = await admin.json("POST", "/api/tokens", {
      body,
      headers: { origin: "https://evil.example", host: "cairn.local" },
    });
    assert.equal(cross.status, 403);
    assert.equal((await t.services.tokens.list()).length, 0, "nothing was created");
    assert.equal((await admin.json("POST", "/api/tokens", { body })).status, 201);
  } finally {
    await t.close();
  }
});

Deno.test("ten failed logins lock the account, and ten from one address lock the address, for an hour", async () => {
  const t = await createTestContext();
  try {
    await t.signedInClients();
    const c = t.client();
    for (let i = 0; i < 10; i++) {
      const r = await c.json("POST", "/api/auth/login", {
        body: { username: "viewer", password: `wrong-${i}` },
        peer: `10.0.0.${i + 1}`,
      });
      assert.equal(r.status, 401);
    }
    const locked = await c.json<{ error: { code: string } }>("POST", "/api/auth/login", {
      body: { username: "viewer", password: PW },
      peer: "10.0.1.1",
    });
    assert.equal(locked.status, 429, "even the right password is refused while locked");
    assert.equal(locked.body.error.code, "locked_out");
    const retry = Number(locked.res.headers.get("retry-after"));
    assert.ok(retry > 3500 && retry <= 3600, `Retry-After is about an hour: ${retry}`);
    assert.equal(
      (await c.json("POST", "/api/auth/login", {
        body: { username: "operator", password: PW },
        peer: "10.0.1.1",
      })).status,
      200,
      "other accounts are unaffected",
    );
    t.clock.advance(60 * 60_000 + 1000);
    assert.equal(
      (await c.json("POST", "/api/auth/login", {
        body: { username: "viewer", password: PW },
        peer: "10.0.1.1",
      })).status,
      200,
      "the lock ends after an hour",
    );

    for (let i = 0; i < 10; i++) {
      await c.json("POST", "/api/auth/login", {
        body: { username: `ghost${i}`, password: "nope-nope" },
        peer: "10.9.9.9",
      });
    }
    const ipLocked = await c.json("POST", "/api/auth/login", {
      body: { username: "admin", password: PW },
      peer: "10.9.9.9",
    });
    assert.equal(ipLocked.status, 429, "the address is locked for every account");
    assert.equal(
      (await c.json("POST", "/api/auth/login", {
        body: { username: "admin", password: PW },
        peer: "10.9.9.8",
      })).status,
      200,
    );
  } finally {
    await t.close();
  }
});

Deno.test("API tokens: shown once, stored hashed, role-scoped, last-used tracked, revocable", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const made = await admin.json<{ secret: string; token: { id: string; prefix: string } }>(
      "POST",
      "/api/tokens",
      { body: { name: "prometheus", role: "viewer" } },
    );
    assert.equal(made.status, 201);
    const { secret, token } = made.body;
    assert.match(secret, /^cairn_[A-Za-z0-9_-]{40,}$/);
    assert.ok(secret.startsWith(token.prefix));
    const rows = await t.db.selectFrom("api_tokens").selectAll().execute();
    assert.ok(
      rows.every((r) => r.token_hash !== secret && !JSON.stringify(r).includes(secret)),
      "only the hash is stored",
    );
    const listed = await admin.json<{ tokens: unknown[] }>("GET", "/api/tokens");
    assert.ok(!JSON.stringify(listed.body).includes(secret), "the list never shows the secret");

    const anon = t.client();
    const dash = await anon.json("GET", "/api/dashboard", { token: secret });
    assert.equal(dash.status, 200);
    assert.equal(
      (await anon.json("GET", "/api/users", { token: secret })).status,
      403,
      "a viewer token cannot read users",
    );
    assert.equal(
      (await anon.json("POST", "/api/tokens", {
        token: secret,
        body: { name: "x", role: "viewer" },
      })).status,
      403,
    );
    const after = await admin.json<{ tokens: { lastUsedAt: string | null }[] }>(
      "GET",
      "/api/tokens",
    );
    assert.notEqual(after.body.tokens[0].lastUsedAt, null);

    const opTok = await admin.json<{ secret: string }>("POST", "/api/tokens", {
      body: { name: "ops", role: "admin" },
    });
    assert.equal(
      (await anon.json("GET", "/api/users", { token: opTok.body.secret })).status,
      200,
      "an admin token works without CSRF",
    );
    assert.equal((await admin.json("DELETE", `/api/tokens/${token.id}`)).status, 204);
    assert.equal(
      (await anon.json("GET", "/api/dashboard", { token: secret })).status,
      401,
      "a revoked token is refused",
    );
    assert.equal((await anon.json("GET", "/api/dashboard", { token: "cairn_forged" })).status, 401);
    assert.equal((await admin.json("DELETE", "/api/tokens/tok_unknown")).status, 404);
  } finally {
    await t.close();
  }
});

Deno.test("admins manage users; disabling ends sessions; the last admin is protected", async () => {
  const t = await createTestContext();
  try {
    const { admin, viewer } = await t.signedInClients();
    const users = await admin.json<{ users: { id: string; username: string }[] }>(
      "GET",
      "/api/users",
    );
    const v = users.body.users.find((u) => u.username === "viewer")!;
    const a = users.body.users.find((u) => u.username === "admin")!;
    assert.equal(
      (await admin.json("POST", "/api/users", {
        body: { username: "viewer", password: PW, role: "viewer" },
      })).status,
      409,
    );
    assert.equal(
      (await admin.json("PATCH", `/api/users/${v.id}`, { body: { disabled: true } })).status,
      200,
    );
    assert.equal(
      (await viewer.json("GET", "/api/auth/me")).status,
      401,
      "a disabled user's session ends at once",
    );
    assert.equal(
      (await t.client().json("POST", "/api/auth/login", {
        body: { username: "viewer", password: PW },
      })).status,
      401,
    );
    const last = await admin.json<{ error: { code: string } }>("PATCH", `/api/users/${a.id}`, {
      body: { role: "viewer" },
    });
    assert.equal(last.status, 409);
    assert.equal(last.body.error.code, "last_admin");
    assert.equal(
      (await admin.json("PATCH", `/api/users/${v.id}`, { body: { disabled: false } })).status,
      200,
    );
    assert.equal(
      (await admin.json("POST", `/api/users/${v.id}/password`, {
        body: { password: "a brand new secret" },
      })).status,
      204,
    );
    assert.equal(
      (await t.client().json("POST", "/api/auth/login", {
        body: { username: "viewer", password: "a brand new secret" },
      })).status,
      200,
    );
    assert.equal(
      (await admin.json("PATCH", "/api/users/usr_nope", { body: { role: "viewer" } })).status,
      404,
    );
  } finally {
    await t.close();
  }
});

Deno.test("users change their own password with the current one; other sessions end", async () => {
  const t = await createTestContext();
  try {
    const { operator } = await t.signedInClients();
    const other = t.client();
    await other.json("POST", "/api/auth/login", { body: { username: "operator", password: PW } });
    const wrong = await operator.json("POST", "/api/auth/password", {
      body: { currentPassword: "not it at all", newPassword: "another good one" },
    });
    assert.equal(wrong.status, 400);
    const ok = await operator.json("POST", "/api/auth/password", {
      body: { currentPassword: PW, newPassword: "another good one" },
    });
    assert.equal(ok.status, 204);
    assert.equal(
      (await operator.json("GET", "/api/auth/me")).status,
      200,
      "the session that changed it stays",
    );
    assert.equal((await other.json("GET", "/api/auth/me")).status, 401, "other sessions end");
  } finally {
    await t.close();
  }
});

Deno.test("the audit log records every change with who, what, target, when and where, and never a secret", async () => {
  const t = await createTestContext();
  try {
    const { admin, viewer } = await t.signedInClients();
    const tok = await admin.json<{ secret: string }>("POST", "/api/tokens", {
      body: { name: "backup-script", role: "operator" },
    });
    await admin.json("PATCH", "/api/settings", { body: { applianceName: "Basement box" } });
    await viewer.json("POST", "/api/auth/password", {
      body: { currentPassword: PW, newPassword: "viewer new secret" },
    });
    await t.client().json("POST", "/api/auth/login", {
      body: { username: "admin", password: "guessed-wrong-1" },
      peer: "192.0.2.7",
    });
    const log = await admin.json<
      { entries: { action: string; actor: { name: string }; ip: string | null; target: unknown }[] }
    >("GET", "/api/audit?limit=100");
    assert.equal(log.status, 200);
    const actions = log.body.entries.map((e) => e.action);
    for (
      const a of [
        "setup.admin_created",
        "user.create",
        "auth.login",
        "token.create",
        "settings.update",
        "user.password_changed",
        "auth.login_failed",
      ]
    ) {
      assert.ok(actions.includes(a), `audit has ${a}`);
    }
    const failed = log.body.entries.find((e) => e.action === "auth.login_failed")!;
    assert.equal(failed.ip, "192.0.2.7");
    const everything = JSON.stringify(await t.db.selectFrom("audit_log").selectAll().execute()) +
      t.logLines.join("\n");
    for (const secret of [PW, "viewer new secret", "guessed-wrong-1", tok.body.secret]) {
      assert.ok(!everything.includes(secret), "no secret in the audit log or the server log");
    }
    const filtered = await admin.json<{ entries: { action: string }[] }>(
      "GET",
      "/api/audit?action=token.",
    );
    assert.deepEqual(filtered.body.entries.map((e) => e.action), ["token.create"]);
    const underscored = await admin.json<{ entries: { action: string }[] }>(
      "GET",
      "/api/audit?action=auth.login_failed",
    );
    assert.deepEqual(
      underscored.body.entries.map((e) => e.action),
      ["auth.login_failed"],
      "underscores match literally",
    );
    const wildcard = await admin.json<{ entries: unknown[] }>("GET", "/api/audit?action=%25");
    assert.equal(wildcard.body.entries.length, 0, "a % in the filter is a literal character");
    const page = await admin.json<{ entries: { id: string }[]; next: string }>(
      "GET",
      "/api/audit?limit=2",
    );
    assert.equal(page.body.entries.length, 2);
    const page2 = await admin.json<{ entries: { id: string }[] }>(
      "GET",
      `/api/audit?limit=2&before=${page.body.next}`,
    );
    assert.ok(page2.body.entries.every((e) => e.id < page.body.next), "pages go back in time");
  } finally {
    await t.close();
  }
});
