import assert from "node:assert/strict";
import { createTestContext } from "../../test/helpers/app.ts";
import { testAgent } from "../../test/agents/inproc.ts";
import { registerTestSecret } from "../../test/helpers/log_capture.ts";
import { addHost, addJob, addPlan, addRepository, seen } from "../../test/alerts/fixture.ts";
import { AGENT_PROTOCOL_VERSION } from "../contract/agent.ts";
import { toBase64 } from "../contract/agent_crypto.ts";

/** Strict Prometheus text 0.0.4: every line a HELP/TYPE comment or `name{labels} value`. */
function parseExposition(text: string) {
  assert.ok(text.endsWith("\n"));
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const typed = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const c = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (c) {
      if (c[1] === "TYPE") {
        assert.match(c[3], /^(gauge|counter|histogram)$/);
        typed.add(c[2]);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let rest = m[2] ?? "";
    while (rest.length > 0) {
      re.lastIndex = 0;
      const l = re.exec(rest);
      assert.ok(l, `bad labels: ${m[2]}`);
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, ch) => (ch === "n" ? "\n" : ch));
      rest = rest.slice(l[0].length);
    }
    const family = m[1].replace(/_(bucket|sum|count)$/, "");
    assert.ok(typed.has(m[1]) || typed.has(family), `no TYPE before ${m[1]}`);
    const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `bad value in ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

Deno.test("alerts API: list, acknowledge, rules PATCH checked per rule, always-online, bad input 4xx", async () => {
  const t = await createTestContext();
  try {
    const { admin, viewer } = await t.signedInClients();
    const at = t.clock.now();
    const repo = await addRepository(t.db, { name: "nas", at });
    const host = await addHost(t.db, { name: "web-1", at });
    await seen(t.db, host, at);
    const plan = await addPlan(t.db, { name: "nightly", repositoryId: repo, hostId: host, at });
    const job = await addJob(t.db, {
      hostId: host,
      repositoryId: repo,
      planId: plan,
      status: "failed",
      at,
    });
    await t.services.alertEngine.jobEnded(job);

    const list = await viewer.json<
      { alerts: Array<{ id: string }>; active: Record<string, number> }
    >(
      "GET",
      "/api/alerts?state=active&rule=job_failed",
    );
    assert.equal(list.status, 200);
    assert.equal(list.body.alerts.length, 1);
    assert.equal(list.body.active.warning, 1);
    const id = list.body.alerts[0].id;
    assert.equal(
      (await viewer.json("POST", `/api/alerts/${id}/acknowledge`, { body: {} })).status,
      403,
    );
    const ack = await admin.json<{ alert: { state: string } }>(
      "POST",
      `/api/alerts/${id}/acknowledge`,
      { body: {} },
    );
    assert.equal(ack.body.alert.state, "acknowledged");
    assert.equal(
      (await admin.json("GET", "/api/alerts/alr_00000000000000000000000000")).status,
      404,
    );

    for (
      const [path, body] of [
        ["/api/alert-rules/host_offline", { params: { minutes: -1 } }],
        ["/api/alert-rules/host_offline", { params: { minutes: 5, extra: 1 } }],
        ["/api/alert-rules/failures_in_row", { params: { count: 2.5 } }],
        ["/api/alert-rules/job_failed", { severity: "loud" }],
        ["/api/alert-rules/job_failed", { enabled: "yes" }],
        ["/api/alert-rules/job_failed", [1, 2]],
        ["/api/hosts/" + host + "/always-online", { alwaysOnline: "no" }],
      ] as const
    ) {
      const method = path.includes("always") ? "PUT" : "PATCH";
      const r = await admin.json<{ error: { code: string; message: string } }>(method, path, {
        body,
      });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(typeof r.body.error.message, "string");
      assert.ok(!r.body.error.message.includes("loud") && !r.body.error.message.includes("yes"));
    }
    assert.equal((await admin.json("PATCH", "/api/alert-rules/nope", { body: {} })).status, 404);

    const patched = await admin.json<{ rule: { params: { minutes: number }; severity: string } }>(
      "PATCH",
      "/api/alert-rules/host_offline",
      { body: { params: { minutes: 0.5 }, severity: "critical" } },
    );
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body.rule.params, { minutes: 0.5 });
    t.clock.advance(60_000);
    await t.services.alertEngine.tick();
    const offline = await admin.json<{ alerts: Array<{ severity: string }> }>(
      "GET",
      "/api/alerts?rule=host_offline&state=open",
    );
    assert.equal(offline.body.alerts[0]?.severity, "critical");

    const flag = await admin.json<{ host: { alwaysOnline: boolean } }>(
      "PUT",
      `/api/hosts/${host}/always-online`,
      {
        body: { alwaysOnline: false },
      },
    );
    assert.equal(flag.body.host.alwaysOnline, false);
    await t.services.alertEngine.tick();
    assert.equal(
      (await admin.json<{ alerts: unknown[] }>("GET", "/api/alerts?rule=host_offline&state=active"))
        .body.alerts.length,
      0,
    );
    const rules = await viewer.json<{ rules: Array<{ rule: string; implemented: boolean }> }>(
      "GET",
      "/api/alert-rules",
    );
    assert.equal(rules.body.rules.find((r) => r.rule === "standby_lag")?.implemented, true);
    assert.equal((await viewer.json("GET", "/api/alerts?limit=0")).status, 400);
    assert.equal((await viewer.json("GET", "/api/alerts?state=everything")).status, 400);
  } finally {
    await t.close();
  }
});

Deno.test("/metrics: an API token only, strict exposition format, figures of the fleet", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const at = t.clock.now();
    const repo = await addRepository(t.db, { name: 'nas "main"', at });
    const host = await addHost(t.db, { name: "web\\1", at });
    await seen(t.db, host, at);
    const plan = await addPlan(t.db, { name: "night\nly", repositoryId: repo, hostId: host, at });
    await addJob(t.db, {
      hostId: host,
      repositoryId: repo,
      planId: plan,
      status: "ok",
      at: at - 7200_000,
      durationMs: 3000,
    });
    const last = await addJob(t.db, {
      hostId: host,
      repositoryId: repo,
      planId: plan,
      status: "failed",
      at,
      durationMs: 400_000,
    });
    await t.services.alertEngine.jobEnded(last);

    const bySession = await admin.request("GET", "/metrics");
    assert.equal(bySession.status, 401, "a session is not enough");
    assert.match(bySession.headers.get("www-authenticate") ?? "", /^Bearer realm="cairn"$/);
    assert.equal((await bySession.json()).error.code, "unauthenticated");
    const wrong = await admin.request("GET", "/metrics", { token: "cairn_not_a_token_at_all" });
    assert.equal(wrong.status, 401, "a session with a wrong token");
    await wrong.body?.cancel();
    const made = await admin.json<{ secret: string }>("POST", "/api/tokens", {
      body: { name: "prom", role: "viewer" },
    });
    registerTestSecret(made.body.secret);
    const res = await admin.request("GET", "/metrics", {
      token: made.body.secret,
      anonymous: true,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(await res.text());
    const one = (name: string, labels: Record<string, string>) =>
      samples.filter((s) =>
        s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
      );
    assert.equal(one("cairn_build_info", {}).length, 1);
    assert.equal(one("cairn_host_up", { host: "web\\1", host_id: host })[0].value, 1);
    const hp = { host: "web\\1", plan: "night\nly" };
    assert.equal(one("cairn_host_last_backup_timestamp_seconds", hp)[0].value, at / 1000);
    assert.equal(one("cairn_host_last_backup_success", hp)[0].value, 0);
    assert.equal(
      one("cairn_host_last_successful_backup_timestamp_seconds", hp)[0].value,
      (at - 7200_000) / 1000,
    );
    assert.equal(one("cairn_repository_snapshots", { repository: 'nas "main"' })[0].value, 0);
    assert.equal(one("cairn_jobs_total", { kind: "backup", status: "failed" })[0].value, 1);
    assert.equal(one("cairn_jobs_total", { kind: "backup", status: "ok" })[0].value, 1);
    assert.equal(one("cairn_job_duration_seconds_bucket", { kind: "backup", le: "5" })[0].value, 1);
    assert.equal(
      one("cairn_job_duration_seconds_bucket", { kind: "backup", le: "300" })[0].value,
      1,
    );
    assert.equal(
      one("cairn_job_duration_seconds_bucket", { kind: "backup", le: "900" })[0].value,
      2,
    );
    assert.equal(
      one("cairn_job_duration_seconds_bucket", { kind: "backup", le: "+Inf" })[0].value,
      2,
    );
    assert.equal(one("cairn_job_duration_seconds_sum", { kind: "backup" })[0].value, 403);
    assert.equal(one("cairn_alerts_open", { rule: "job_failed", severity: "warning" })[0].value, 1);
    assert.equal(
      one("cairn_alerts_open", { rule: "check_failed", severity: "critical" })[0].value,
      0,
    );
  } finally {
    await t.close();
  }
});

Deno.test("appliance_key_changed: an agent that pinned another key raises it; the right key clears it", async () => {
  const t = await createTestContext();
  try {
    const agent = await testAgent(t);
    const { hostId } = await agent.enroll();
    const ask = (pinnedFingerprint: string) =>
      agent.client.challenge({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        publicKey: agent.identity.publicKey,
        clientNonce: toBase64(crypto.getRandomValues(new Uint8Array(32))),
        pinnedFingerprint,
      });
    await ask("ab".repeat(32));
    const open = await t.services.alerts.list({
      state: "open",
      rule: "appliance_key_changed",
      limit: 10,
    });
    assert.equal(open.alerts.length, 1);
    assert.equal(open.alerts[0].hostId, hostId);
    assert.equal(open.alerts[0].severity, "critical");
    await ask(t.services.identity.fingerprint);
    const after = await t.services.alerts.list({
      state: "resolved",
      rule: "appliance_key_changed",
      limit: 10,
    });
    assert.equal(after.alerts.length, 1);
  } finally {
    await t.close();
  }
});
