/**
 * The channels API at its edge: bad input is a 400 in the one error shape that names the field
 * and never repeats the value, nothing is written; PATCH replaces config and sets or clears
 * secrets; only admins change channels.
 */
import assert from "node:assert/strict";
import { createTestContext } from "../helpers/app.ts";
import { testSecret } from "../helpers/log_capture.ts";

type ErrorBody = { error: { code: string; message: string } };

Deno.test("bad channel input is a 400 naming the field, never echoing it, with nothing written", async () => {
  const ctx = await createTestContext();
  try {
    const { admin, operator } = await ctx.signedInClients();
    const token = testSecret("ntfy-tok");
    const cases: Array<[unknown, RegExp]> = [
      [
        { kind: "webhook", name: "x", config: { url: "ftp://files.example.org/drop" } },
        /config\.url/,
      ],
      [{ kind: "webhook", name: "x", config: { url: "javascript:alert(1)" } }, /config\.url/],
      [{ kind: "ntfy", name: "x", config: { server: "gopher://h", topic: "t" } }, /config\.server/],
      [{ kind: "pager", name: "x", config: {} }, /kind/],
      [
        { kind: "ntfy", name: "x", config: { server: "https://ntfy.sh" } },
        /config\.topic is required/,
      ],
      [{ kind: "gotify", name: "x", config: { server: "https://g.example.org" } }, /secrets/],
      [
        { kind: "discord", name: "x", secrets: { webhookUrl: "file:///etc/passwd" } },
        /secrets\.webhookUrl/,
      ],
      [{
        kind: "smtp",
        name: "x",
        config: {
          host: "h",
          port: 70000,
          secure: "tls",
          from: "a@example.org",
          to: ["b@example.org"],
        },
      }, /config\.port/],
      [{
        kind: "ntfy",
        name: "x",
        config: { server: "https://ntfy.sh", topic: "t" },
        secrets: { token, extra: token },
      }, /secrets/],
    ];
    for (const [body, field] of cases) {
      const r = await admin.json<ErrorBody>("POST", "/api/channels", { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, "invalid_input");
      assert.match(r.body.error.message, field);
      for (const bad of ["ftp://", "javascript:", "gopher:", "pager", "file:", token]) {
        assert.equal(JSON.stringify(r.body).includes(bad), false, `echoed ${bad}`);
      }
    }
    const notJson = await admin.request("POST", "/api/channels", {
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(notJson.status, 400);
    const list = await admin.json<{ channels: unknown[] }>("GET", "/api/channels");
    assert.deepEqual(list.body.channels, []);

    const byOperator = await operator.json("POST", "/api/channels", {
      body: { kind: "webhook", name: "x", config: { url: "https://h.example.org/" } },
    });
    assert.equal(byOperator.status, 403);
    const missing = await admin.json<ErrorBody>(
      "GET",
      "/api/channels/chn_01jnosuchchannel0000000000",
    );
    assert.equal(missing.status, 404);
  } finally {
    await ctx.close();
  }
});

Deno.test("PATCH replaces config (checked against the kind) and sets or clears secrets", async () => {
  const ctx = await createTestContext();
  try {
    const { admin } = await ctx.signedInClients();
    const token = testSecret("ntfy-tok");
    const made = await admin.json<
      { channel: { id: string; secretsSet: object; severities: string[] } }
    >(
      "POST",
      "/api/channels",
      { body: { kind: "ntfy", name: "ntfy", config: { server: "https://ntfy.sh", topic: "a" } } },
    );
    assert.equal(made.status, 201);
    assert.deepEqual(made.body.channel.secretsSet, {});
    assert.deepEqual(made.body.channel.severities, ["critical", "warning"]);
    const id = made.body.channel.id;
    const set = await admin.json<{ channel: { secretsSet: object; config: object } }>(
      "PATCH",
      `/api/channels/${id}`,
      {
        body: {
          secrets: { token },
          config: { server: "https://ntfy.example.org", topic: "b", priority: 4 },
        },
      },
    );
    assert.equal(set.status, 200);
    assert.deepEqual(set.body.channel.secretsSet, { token: true });
    assert.deepEqual(set.body.channel.config, {
      server: "https://ntfy.example.org",
      topic: "b",
      priority: 4,
    });
    assert.equal(JSON.stringify(set.body).includes(token), false);
    const bad = await admin.json<ErrorBody>("PATCH", `/api/channels/${id}`, {
      body: { config: { url: "https://x.example.org" } },
    });
    assert.equal(bad.status, 400);
    const kept = await admin.json<{ channel: { config: { topic: string } } }>(
      "GET",
      `/api/channels/${id}`,
    );
    assert.equal(kept.body.channel.config.topic, "b");
    const cleared = await admin.json<{ channel: { secretsSet: object } }>(
      "PATCH",
      `/api/channels/${id}`,
      {
        body: { secrets: { token: null }, enabled: false },
      },
    );
    assert.deepEqual(cleared.body.channel.secretsSet, {});
    const audit = await admin.json<{ entries: Array<{ action: string; details: unknown }> }>(
      "GET",
      "/api/audit",
    );
    const actions = audit.body.entries.map((e) => e.action);
    assert.ok(actions.includes("channel.created") && actions.includes("channel.updated"));
    assert.equal(JSON.stringify(audit.body).includes(token), false);
    const del = await admin.request("DELETE", `/api/channels/${id}`);
    assert.equal(del.status, 204);
  } finally {
    await ctx.close();
  }
});
