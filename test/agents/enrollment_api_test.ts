/**
 * Enrollment and the hosts API against an in-process appliance: pending → approve, reject for
 * good, token enrollment, revoke, and the bad-input rules (unsigned 401 with nothing stored,
 * oversized 413, malformed 400, conflicts 409). The real agent modules do the agent's part.
 */
import assert from "node:assert/strict";
import nacl from "tweetnacl";
import { ApplianceError } from "../../agent/client.ts";
import { SIGN_CONTEXT } from "../../server/contract/agent.ts";
import { toBase64 } from "../../server/contract/agent_crypto.ts";
import type {
  CreatedEnrollmentTokenView,
  HostsListView,
  HostView,
} from "../../server/contract/hosts.ts";
import { createTestContext } from "../helpers/app.ts";
import { FACTS, testAgent } from "./inproc.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

async function hostsOf(admin: Awaited<ReturnType<Ctx["signedInClients"]>>["admin"]) {
  return (await admin.json<HostsListView>("GET", "/api/hosts")).body;
}

async function rejects(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (err: unknown) => err instanceof ApplianceError && err.code === code);
}

Deno.test("enroll without a token: a pending host with facts and phrase, raised on the dashboard, then approved", async () => {
  const t = await createTestContext();
  try {
    const { admin, operator } = await t.signedInClients();
    const agent = await testAgent(t);
    const e = await agent.enroll();
    assert.equal(e.state, "pending");
    assert.equal(
      e.applianceFingerprint,
      t.services.identity.fingerprint,
      "the agent pinned the appliance key",
    );
    const list = await hostsOf(admin);
    assert.equal(list.hosts.length, 1);
    const h = list.hosts[0];
    assert.equal(h.status, "pending");
    assert.equal(h.fingerprint, agent.identity.fingerprint);
    assert.equal(h.phrase, agent.identity.phrase);
    assert.equal(h.phrase.split(" ").length, 6);
    assert.equal(h.hostname, "web1");
    assert.equal(h.resticVersion, "0.14.0");
    assert.equal(h.enrolledIp, "192.0.2.10");
    assert.equal(list.counts.pending, 1);
    const dash = await admin.json<{ hosts: { pending: number; total: number } }>(
      "GET",
      "/api/dashboard",
    );
    assert.equal(dash.body.hosts.pending, 1);
    await rejects(agent.session(), "host_pending");

    t.clock.advance(1000);
    const denied = await operator.json("POST", `/api/hosts/${h.id}/approve`, { body: {} });
    assert.equal(denied.status, 403, "only an admin approves");
    const ok = await admin.json<{ host: HostView }>("POST", `/api/hosts/${h.id}/approve`, {
      body: { name: "Web server", tags: ["prod", "eu"], lockIp: "192.0.2.0/24" },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.host.enrollment, "approved");
    assert.equal(ok.body.host.name, "Web server");
    assert.deepEqual(ok.body.host.tags, ["prod", "eu"]);
    const s = await agent.session();
    assert.equal(s.hostId, h.id);
    const again = await admin.json<{ error: { code: string } }>(
      "POST",
      `/api/hosts/${h.id}/approve`,
      { body: {} },
    );
    assert.equal(again.status, 409);
    const detail = await admin.json<
      { host: { history: Array<{ action: string }>; facts: typeof FACTS } }
    >(
      "GET",
      `/api/hosts/${h.id}`,
    );
    assert.deepEqual(detail.body.host.history.map((x) => x.action).reverse(), [
      "host.enrolled",
      "host.approved",
    ]);
    assert.equal(detail.body.host.facts.kernel, "6.1.0");
    assert.equal(
      (await admin.json<{ hosts: { pending: number } }>("GET", "/api/dashboard")).body.hosts
        .pending,
      0,
    );
  } finally {
    await t.close();
  }
});

Deno.test("a rejected key is refused from then on, and approving it is a conflict", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const agent = await testAgent(t);
    const { hostId } = await agent.enroll();
    assert.equal((await admin.json("POST", `/api/hosts/${hostId}/reject`)).status, 200);
    await rejects(agent.enroll(), "host_rejected");
    await rejects(agent.session(), "host_rejected");
    const created = await admin.json<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      body: {},
    });
    await rejects(agent.enroll({ token: created.body.secret }), "host_rejected");
    const tokens = await admin.json<{ tokens: Array<{ usedAt: string | null }> }>(
      "GET",
      "/api/enrollment-tokens",
    );
    assert.equal(tokens.body.tokens[0].usedAt, null, "a rejected key does not spend a token");
    const approve = await admin.json<{ error: { code: string } }>(
      "POST",
      `/api/hosts/${hostId}/approve`,
      { body: {} },
    );
    assert.equal(approve.status, 409);
    assert.equal(approve.body.error.code, "host_rejected");
    assert.equal((await hostsOf(admin)).hosts[0].status, "rejected");
  } finally {
    await t.close();
  }
});

Deno.test("token enrollment approves at once, works once and for an hour, and never shows the token again", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const made = await admin.json<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      body: { name: "db1", tags: ["db"] },
    });
    assert.equal(made.status, 201);
    const secret = made.body.secret;
    assert.match(
      made.body.installCommand,
      /^curl -fsSL '.*\/install\/agent\.sh' \| sudo sh -s -- --server /,
    );
    assert.ok(made.body.installCommand.includes(secret));
    assert.ok(made.body.installCommand.includes(t.services.identity.fingerprint));
    const a = await testAgent(t);
    const e = await a.enroll({ token: secret });
    assert.equal(e.state, "approved");
    const host = (await hostsOf(admin)).hosts[0];
    assert.equal(host.name, "db1");
    assert.deepEqual(host.tags, ["db"]);
    await a.session();
    const b = await testAgent(t);
    await rejects(b.enroll({ token: secret }), "invalid_enrollment_token");
    assert.equal((await hostsOf(admin)).hosts.length, 1, "a refused token stores nothing");

    const late = await admin.json<CreatedEnrollmentTokenView>("POST", "/api/enrollment-tokens", {
      body: {},
    });
    t.clock.advance(61 * 60_000);
    await rejects(b.enroll({ token: late.body.secret }), "invalid_enrollment_token");
    const listed = JSON.stringify((await admin.json("GET", "/api/enrollment-tokens")).body);
    const audit = JSON.stringify((await admin.json("GET", "/api/audit?limit=500")).body);
    for (const s of [secret, late.body.secret]) {
      assert.ok(!listed.includes(s) && !audit.includes(s), "the token is shown once only");
      assert.ok(!t.logLines.join("\n").includes(s), "and never logged");
    }
  } finally {
    await t.close();
  }
});

Deno.test("revoke ends the host's sessions at once; a revoked host cannot be approved or come back", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const agent = await testAgent(t);
    const { hostId } = await agent.enroll();
    await admin.json("POST", `/api/hosts/${hostId}/approve`, { body: {} });
    const s = await agent.session();
    const hb = { sentAt: t.clock.now(), outboxDepth: 0, droppedLogs: 0, uptimeSeconds: 1 };
    await agent.client.heartbeat(s.token, hb);
    assert.equal((await admin.json("POST", `/api/hosts/${hostId}/revoke`)).status, 200);
    await assert.rejects(
      agent.client.heartbeat(s.token, hb),
      (e: unknown) => e instanceof ApplianceError && e.status === 401,
    );
    await rejects(agent.session(), "host_revoked");
    await rejects(agent.enroll(), "host_revoked");
    const approve = await admin.json<{ error: { code: string } }>(
      "POST",
      `/api/hosts/${hostId}/approve`,
      { body: {} },
    );
    assert.equal(approve.status, 409);
    assert.equal(approve.body.error.code, "host_revoked");
    const actions =
      (await admin.json<{ entries: Array<{ action: string }> }>("GET", "/api/audit?limit=100")).body
        .entries.map((e) => e.action);
    for (const a of ["host.enrolled", "host.approved", "host.revoked"]) {
      assert.ok(actions.includes(a), a);
    }
  } finally {
    await t.close();
  }
});

Deno.test("enrollment bad input: unsigned or wrongly signed 401 with nothing stored, oversized 413, malformed 400", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const c = t.client();
    const pair = nacl.sign.keyPair();
    const publicKey = toBase64(pair.publicKey);
    const payload = JSON.stringify({
      protocolVersion: 1,
      applianceId: t.services.identity.applianceId,
      publicKey,
      boxPublicKey: publicKey,
      facts: FACTS,
      at: t.clock.now(),
    });
    const sign = (ctx: string, fields: string[]) =>
      toBase64(
        nacl.sign.detached(
          new TextEncoder().encode(`${ctx}\n${fields.map((f) => `${f.length}:${f}`).join("\n")}`),
          pair.secretKey,
        ),
      );
    const send = (body: unknown) =>
      c.json<{ error: { code: string } }>("POST", "/api/agent/v1/enroll", { body });
    const zeros = toBase64(new Uint8Array(64));
    assert.equal((await send({ publicKey, payload, signature: zeros })).status, 401);
    const otherAppliance = sign(SIGN_CONTEXT.enroll, ["apl_other", publicKey, payload]);
    assert.equal((await send({ publicKey, payload, signature: otherAppliance })).status, 401);
    const wrongContext = sign(SIGN_CONTEXT.session, [
      t.services.identity.applianceId,
      publicKey,
      payload,
    ]);
    assert.equal((await send({ publicKey, payload, signature: wrongContext })).status, 401);
    assert.equal((await send({ publicKey, payload })).status, 400, "no signature at all");
    assert.equal((await hostsOf(admin)).hosts.length, 0, "nothing stored");

    const big = JSON.stringify({
      ...JSON.parse(payload),
      facts: { ...FACTS, os: "x".repeat(20_000) },
    });
    const r413 = await send({
      publicKey,
      payload: big,
      signature: sign(SIGN_CONTEXT.enroll, [t.services.identity.applianceId, publicKey, big]),
    });
    assert.equal(r413.status, 413);
    const bad = JSON.stringify({
      ...JSON.parse(payload),
      facts: { ...FACTS, addresses: "not a list" },
    });
    const r400 = await send({
      publicKey,
      payload: bad,
      signature: sign(SIGN_CONTEXT.enroll, [t.services.identity.applianceId, publicKey, bad]),
    });
    assert.equal(r400.status, 400);
    assert.ok(
      !JSON.stringify(r400.body).includes("not a list"),
      "the rejected value is not echoed",
    );
    assert.equal((await hostsOf(admin)).hosts.length, 0, "still nothing stored");
    const good = await send({
      publicKey,
      payload,
      signature: sign(SIGN_CONTEXT.enroll, [t.services.identity.applianceId, publicKey, payload]),
    });
    assert.equal(good.status, 200, "the same enrollment, signed right, is taken");
  } finally {
    await t.close();
  }
});

Deno.test("a too-old agent protocol is refused at hello with an upgrade message", async () => {
  const t = await createTestContext();
  try {
    const r = await t.client().json<{ error: { code: string; message: string } }>(
      "POST",
      "/api/agent/v1/hello",
      {
        body: { protocolVersion: 0, agentVersion: "0.0.1" },
      },
    );
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, "protocol_too_old");
    assert.match(r.body.error.message, /Upgrade the agent/);
  } finally {
    await t.close();
  }
});
