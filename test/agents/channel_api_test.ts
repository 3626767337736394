/**
 * Sessions, the command long-poll and report ingest against an in-process appliance: replayed
 * and expired nonces, the ten-failure lockout, the IP lock on every request, signed command
 * batches, and the ingest rules (each id once, unknown jobs refused by id, acks signed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ApplianceError } from "../../agent/client.ts";
import { createCommandHandler } from "../../agent/commands.ts";
import { readEnrollment } from "../../agent/enrollment.ts";
import { openOutbox } from "../../agent/outbox.ts";
import { createSecretStore } from "../../agent/secrets.ts";
import { acksAreGenuine, openCommandBatch } from "../../agent/trust.ts";
import { createUlidFactory } from "../../agent/ulid.ts";
import { SIGN_CONTEXT } from "../../server/contract/agent.ts";
import type { Report } from "../../server/contract/agent.ts";
import { toBase64 } from "../../server/contract/agent_crypto.ts";
import { createTestContext } from "../helpers/app.ts";
import { testAgent } from "./inproc.ts";

type Ctx = Awaited<ReturnType<typeof createTestContext>>;

async function approvedAgent(
  t: Ctx,
  admin: Awaited<ReturnType<Ctx["signedInClients"]>>["admin"],
  body = {},
) {
  const agent = await testAgent(t);
  const { hostId } = await agent.enroll();
  const r = await admin.json("POST", `/api/hosts/${hostId}/approve`, { body });
  assert.equal(r.status, 200);
  return { agent, hostId };
}

const SYSTEM = { type: "system" as const, id: null, name: "test", ip: null };

Deno.test("a nonce answers once: a replayed or expired challenge is refused", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent } = await approvedAgent(t, admin);
    const { identity } = agent;
    const applianceId = t.services.identity.applianceId;
    const clientNonce = toBase64(new Uint8Array(32));
    const ch = await agent.client.challenge({
      protocolVersion: 1,
      publicKey: identity.publicKey,
      clientNonce,
    });
    const signature = await identity.signer.sign(SIGN_CONTEXT.session, [
      applianceId,
      identity.publicKey,
      ch.nonce,
    ]);
    const req = { publicKey: identity.publicKey, nonce: ch.nonce, signature };
    await agent.client.session(req);
    await assert.rejects(
      agent.client.session(req),
      (e: unknown) => e instanceof ApplianceError && e.status === 401,
    );
    const ch2 = await agent.client.challenge({
      protocolVersion: 1,
      publicKey: identity.publicKey,
      clientNonce,
    });
    t.clock.advance(61_000);
    const late = await identity.signer.sign(SIGN_CONTEXT.session, [
      applianceId,
      identity.publicKey,
      ch2.nonce,
    ]);
    await assert.rejects(
      agent.client.session({ publicKey: identity.publicKey, nonce: ch2.nonce, signature: late }),
      (e: unknown) => e instanceof ApplianceError && e.status === 401,
    );
  } finally {
    await t.close();
  }
});

Deno.test("ten failures for a key lock it out with 429 and Retry-After; an hour later it works", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent } = await approvedAgent(t, admin);
    const c = t.client();
    const bad = toBase64(new Uint8Array(64));
    for (let i = 0; i < 10; i++) {
      const ch = await agent.client.challenge({
        protocolVersion: 1,
        publicKey: agent.identity.publicKey,
        clientNonce: toBase64(new Uint8Array(32)),
      });
      const r = await c.json("POST", "/api/agent/v1/session", {
        body: { publicKey: agent.identity.publicKey, nonce: ch.nonce, signature: bad },
        peer: `198.51.100.${i}`,
      });
      assert.equal(r.status, 401, `failure ${i + 1} is a 401`);
    }
    const locked = await c.request("POST", "/api/agent/v1/challenge", {
      body: {
        protocolVersion: 1,
        publicKey: agent.identity.publicKey,
        clientNonce: toBase64(new Uint8Array(32)),
      },
    });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get("retry-after")) > 3000);
    await assert.rejects(
      agent.session(),
      (e: unknown) => e instanceof ApplianceError && e.status === 429,
    );
    t.clock.advance(61 * 60_000);
    await agent.session();
  } finally {
    await t.close();
  }
});

Deno.test("the IP lock holds for sessions and for every request on a session", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent } = await approvedAgent(t, admin, { lockIp: "192.0.2.8/30" });
    const s = await agent.session();
    const hb = { sentAt: t.clock.now(), outboxDepth: 0, droppedLogs: 0, uptimeSeconds: 0 };
    await agent.client.heartbeat(s.token, hb);
    agent.peer = "192.0.2.99";
    await assert.rejects(
      agent.session(),
      (e: unknown) => e instanceof ApplianceError && e.code === "ip_not_allowed",
    );
    await assert.rejects(
      agent.client.heartbeat(s.token, hb),
      (e: unknown) => e instanceof ApplianceError && e.code === "ip_not_allowed",
    );
    agent.peer = "192.0.2.11";
    await agent.client.heartbeat(s.token, hb);
  } finally {
    await t.close();
  }
});

Deno.test("long-poll: waits when idle, answers as soon as a command is queued, with a batch signed for this agent", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent, hostId } = await approvedAgent(t, admin);
    const s = await agent.session();
    const pinned = (await readEnrollment(agent.stateDir))!;
    const idle = await agent.client.poll(s.token, 0);
    assert.equal(idle.batch, null);
    const parked = agent.client.poll(s.token, 10);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.services.agentChannel.parkedPolls(), 1, "the poll is parked, not answered");
    const started = performance.now();
    const ping = await admin.json<{ commandId: string }>("POST", `/api/hosts/${hostId}/ping`, {
      body: {},
    });
    assert.equal(ping.status, 202);
    const got = await parked;
    assert.ok(performance.now() - started < 5000, "answered on the queueing, not at the timeout");
    const payload = await openCommandBatch(got.batch!, pinned, agent.identity);
    assert.deepEqual(payload.commands.map((c) => c.id), [ping.body.commandId]);
    assert.equal(payload.hostId, hostId);
    const tampered = { ...got.batch!, payload: got.batch!.payload.replace('"ping"', '"job.run"') };
    await assert.rejects(openCommandBatch(tampered, pinned, agent.identity));
    const otherAgent = await testAgent(t);
    await assert.rejects(
      openCommandBatch(got.batch!, pinned, otherAgent.identity),
      /another appliance or agent|not signed/,
    );
  } finally {
    await t.close();
  }
});

Deno.test("ingest: each id stored once, unknown jobs refused by id with the rest accepted, acks signed", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent, hostId } = await approvedAgent(t, admin);
    const s = await agent.session();
    const pinned = (await readEnrollment(agent.stateDir))!;
    const ulid = createUlidFactory();
    let seq = 0;
    const report = (kind: string, jobId: string | null, body = {}): Report => ({
      id: ulid(),
      seq: seq++,
      kind,
      jobId,
      at: t.clock.now(),
      body,
    });
    const job = await t.services.agentChannel.queueCommand(SYSTEM, hostId, {
      kind: "job.run",
      jobId: "job_1",
    });
    const batch = [
      report("event", null, { text: "hello" }),
      report("job.started", "job_1"),
      report("job.finished", "job_unknown"),
      report("job.progress", "job_1", { percent: 50 }),
      report("mystery", null),
      report("command.ack", null, { commandId: job.id }),
    ];
    const res = await agent.client.postReports(s.token, batch);
    assert.ok(await acksAreGenuine(res, pinned, agent.identity));
    assert.deepEqual(
      res.acked.sort(),
      [batch[0], batch[1], batch[3], batch[5]].map((r) => r.id).sort(),
    );
    assert.deepEqual(res.refused.map((r) => r.id).sort(), [batch[2].id, batch[4].id].sort());
    assert.match(res.refused.find((r) => r.id === batch[2].id)!.reason, /Unknown job/);
    const again = await agent.client.postReports(s.token, [
      batch[0],
      batch[0],
      batch[1],
      report("log", null),
    ]);
    assert.equal(again.duplicates, 2);
    assert.equal(again.acked.length, 3);
    const stored = await t.services.agentChannel.listReports(hostId, { limit: 100 });
    assert.equal(stored.length, 4, "duplicates stored once; progress acknowledged, not stored");
    assert.ok(!stored.some((r) => r.kind === "job.progress"));
    assert.equal(
      (await t.services.agentChannel.findCommand(job.id))!.ackedAt !== null,
      true,
      "the ack marks the command",
    );
    const forged = { ...res, acked: [...res.acked, batch[2].id] };
    assert.equal(
      await acksAreGenuine(forged, pinned, agent.identity),
      false,
      "a changed ack list fails",
    );
    const tooMany = Array.from({ length: 501 }, () => report("event", null));
    await assert.rejects(
      agent.client.postReports(s.token, tooMany),
      (e: unknown) => e instanceof ApplianceError && e.status === 400,
    );
    const huge = [report("event", null, { text: "x".repeat(1_100_000) })];
    await assert.rejects(
      agent.client.postReports(s.token, huge),
      (e: unknown) => e instanceof ApplianceError && e.status === 413,
    );
    const bad = await agent.client.postReports(s.token, [{
      ...report("event", null),
      body: "text" as unknown as Record<string, unknown>,
    }]);
    assert.equal(bad.refused.length, 1, "a malformed report is refused by its id");
  } finally {
    await t.close();
  }
});

Deno.test("heartbeats record contact and clock skew; the host shows online, then degraded, then offline", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent, hostId } = await approvedAgent(t, admin);
    const s = await agent.session();
    const hb = await agent.client.heartbeat(s.token, {
      sentAt: t.clock.now() + 5000,
      outboxDepth: 3,
      droppedLogs: 0,
      uptimeSeconds: 10,
    });
    assert.equal(hb.clockSkewMs, 5000);
    const view = async () =>
      (await admin.json<{ host: { status: string; clockSkewMs: number } }>(
        "GET",
        `/api/hosts/${hostId}`,
      )).body.host;
    assert.equal((await view()).status, "online");
    assert.equal((await view()).clockSkewMs, 5000);
    t.clock.advance(3 * 60_000);
    assert.equal((await view()).status, "degraded");
    t.clock.advance(10 * 60_000);
    assert.equal((await view()).status, "offline");
    await agent.client.heartbeat(s.token, {
      sentAt: t.clock.now() + 300_000,
      outboxDepth: 0,
      droppedLogs: 0,
      uptimeSeconds: 20,
    });
    assert.equal((await view()).status, "degraded", "a clock five minutes off degrades the host");
  } finally {
    await t.close();
  }
});

Deno.test("a secret travels sealed: only the agent opens it, and it is in no table or audit entry", async () => {
  const t = await createTestContext();
  try {
    const { admin } = await t.signedInClients();
    const { agent, hostId } = await approvedAgent(t, admin);
    const s = await agent.session();
    const pinned = (await readEnrollment(agent.stateDir))!;
    const plaintext = "repo-password-4f9b1c2e";
    await t.services.agentChannel.sendSecret(SYSTEM, hostId, { name: "repo-main", plaintext });
    const got = await agent.client.poll(s.token, 0);
    assert.ok(!got.batch!.payload.includes(plaintext), "not in the clear on the wire");
    const store = createSecretStore({ stateDir: agent.stateDir, identity: agent.identity, pinned });
    const handler = createCommandHandler({
      outbox: await openOutbox(join(agent.stateDir, "outbox.db")),
      pinned,
      identity: agent.identity,
      secrets: store,
      log: () => {},
      facts: () => Promise.reject(new Error("not needed")),
    });
    assert.equal(await handler.handle(got.batch!), 1);
    assert.equal(await store.open("repo-main"), plaintext);
    const dump = JSON.stringify(await t.db.selectFrom("agent_commands").selectAll().execute()) +
      JSON.stringify(await t.db.selectFrom("audit_log").selectAll().execute());
    assert.ok(!dump.includes(plaintext), "the appliance keeps only the sealed form");
  } finally {
    await t.close();
  }
});
