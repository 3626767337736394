/**
 * The trust rules with real processes on loopback. Second loopback addresses (127.0.0.2, .3)
 * give real different source addresses: the test's own requests bind to them with a Deno HTTP
 * client, and the agent with CAIRN_AGENT_LOCAL_ADDRESS, so the appliance sees them on the socket.
 */
import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nacl from "tweetnacl";
import { loadOrCreateIdentity } from "../../agent/identity.ts";
import { SIGN_CONTEXT } from "../../server/contract/agent.ts";
import { toBase64 } from "../../server/contract/agent_crypto.ts";
import {
  agentCommand,
  applianceDb,
  enrollApproved,
  hostStatus,
  removeDirs,
  restartAppliance,
  spawnAgent,
  startAppliance,
  tempDir,
  waitFor,
} from "./procs.ts";

function from(address: string) {
  const client = Deno.createHttpClient({ localAddress: address });
  return {
    post: (url: string, body: unknown) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        client,
      } as RequestInit),
    close: () => client.close(),
  };
}

const nonce = () => toBase64(nacl.randomBytes(32));

Deno.test("ten failures lock a key out, and ten from an address lock that address, with 429 and Retry-After", async () => {
  const a = await startAppliance();
  const dirA = await tempDir("cairn-agent-");
  const dirB = await tempDir("cairn-agent-");
  const two = from("127.0.0.2");
  const three = from("127.0.0.3");
  try {
    await enrollApproved(a, dirA);
    await enrollApproved(a, dirB);
    const idA = await loadOrCreateIdentity(dirA);
    const bad = toBase64(new Uint8Array(64));
    for (let i = 0; i < 10; i++) {
      const ch = await (await two.post(`${a.url}/api/agent/v1/challenge`, {
        protocolVersion: 1,
        publicKey: idA.publicKey,
        clientNonce: nonce(),
      })).json();
      const r = await two.post(`${a.url}/api/agent/v1/session`, {
        publicKey: idA.publicKey,
        nonce: ch.nonce,
        signature: bad,
      });
      assert.equal(r.status, 401);
      await r.body?.cancel();
    }
    const locked = await fetch(`${a.url}/api/agent/v1/challenge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ protocolVersion: 1, publicKey: idA.publicKey, clientNonce: nonce() }),
    });
    assert.equal(locked.status, 429, "the key is locked from any address");
    assert.ok(Number(locked.headers.get("retry-after")) > 3000);
    await locked.body?.cancel();
    const liveA =
      JSON.parse((await agentCommand(["status", "--json"], { stateDir: dirA })).out).live;
    assert.match(liveA, /Too many failed attempts/);

    for (let i = 0; i < 10; i++) {
      const r = await three.post(`${a.url}/api/agent/v1/challenge`, {
        protocolVersion: 1,
        publicKey: toBase64(nacl.sign.keyPair().publicKey),
        clientNonce: nonce(),
      });
      assert.equal(r.status, 401, "an unknown key counts against the address");
      await r.body?.cancel();
    }
    const env3 = { CAIRN_AGENT_LOCAL_ADDRESS: "127.0.0.3" };
    const liveB3 =
      JSON.parse((await agentCommand(["status", "--json"], { stateDir: dirB, env: env3 })).out)
        .live;
    assert.match(
      liveB3,
      /Too many failed attempts/,
      "a good agent from the locked address is refused",
    );
    const liveB1 =
      JSON.parse((await agentCommand(["status", "--json"], { stateDir: dirB })).out).live;
    assert.equal(liveB1, "approved", "the same agent from another address is not");
  } finally {
    two.close();
    three.close();
    await a.stop();
    await removeDirs(dirA, dirB, a.dataDir);
  }
});

Deno.test("a replayed nonce or signature is refused", async () => {
  const a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  try {
    await enrollApproved(a, dir);
    const id = await loadOrCreateIdentity(dir);
    const { applianceId } = JSON.parse(await readFile(join(dir, "enrollment.json"), "utf8"));
    const post = (path: string, body: unknown) =>
      fetch(`${a.url}/api/agent/v1/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ch = await (await post("challenge", {
      protocolVersion: 1,
      publicKey: id.publicKey,
      clientNonce: nonce(),
    })).json();
    const signature = await id.signer.sign(SIGN_CONTEXT.session, [
      applianceId,
      id.publicKey,
      ch.nonce,
    ]);
    const first = await post("session", { publicKey: id.publicKey, nonce: ch.nonce, signature });
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const replay = await post("session", { publicKey: id.publicKey, nonce: ch.nonce, signature });
    assert.equal(replay.status, 401, "the same nonce and signature again");
    await replay.body?.cancel();
    const ch2 = await (await post("challenge", {
      protocolVersion: 1,
      publicKey: id.publicKey,
      clientNonce: nonce(),
    })).json();
    const oldSig = await post("session", { publicKey: id.publicKey, nonce: ch2.nonce, signature });
    assert.equal(oldSig.status, 401, "an old signature on a fresh nonce");
    await oldSig.body?.cancel();
  } finally {
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});

Deno.test("IP lock: an agent connecting from 127.0.0.2 is refused when locked to 127.0.0.1, allowed by a CIDR", async () => {
  const a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  const procs: ReturnType<typeof spawnAgent>[] = [];
  try {
    const hostId = await enrollApproved(a, dir, { lockIp: "127.0.0.1" });
    const bound = spawnAgent(["run"], {
      stateDir: dir,
      env: { CAIRN_AGENT_LOCAL_ADDRESS: "127.0.0.2" },
    });
    procs.push(bound);
    await waitFor(
      "the refusal",
      () => bound.lines.some((l) => l.includes("may not connect from this address")),
    );
    assert.notEqual(await hostStatus(a, hostId), "online");
    const db = applianceDb(a.dataDir);
    try {
      const failed = db.all("SELECT details, ip FROM audit_log WHERE action = 'agent.auth_failed'");
      assert.ok(
        failed.some((r) =>
          r.ip === "127.0.0.2" && JSON.parse(r.details).reason === "ip_not_allowed"
        ),
      );
      assert.equal(
        db.count("SELECT COUNT(*) AS n FROM agent_sessions WHERE host_id = ?", hostId),
        0,
        "no session",
      );
    } finally {
      db.close();
    }
    await bound.kill("SIGKILL");
    const plain = spawnAgent(["run"], { stateDir: dir });
    procs.push(plain);
    await waitFor("online from 127.0.0.1", async () => (await hostStatus(a, hostId)) === "online");
    await plain.kill("SIGTERM");
    assert.equal(
      (await a.admin.json("PATCH", `/api/hosts/${hostId}`, { lockIp: "127.0.0.0/30" })).status,
      200,
    );
    const cidr = spawnAgent(["run"], {
      stateDir: dir,
      env: { CAIRN_AGENT_LOCAL_ADDRESS: "127.0.0.2" },
    });
    procs.push(cidr);
    await waitFor("contact from 127.0.0.2", async () => {
      const r = await a.admin.json<{ host: { lastIp: string; status: string } }>(
        "GET",
        `/api/hosts/${hostId}`,
      );
      return r.body.host.lastIp === "127.0.0.2" && r.body.host.status === "online";
    });
  } finally {
    for (const p of procs) await p.kill("SIGKILL");
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});

Deno.test("protocol mismatch both ways: the appliance refuses an old agent, the agent refuses an unknown appliance", async () => {
  const a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  const fake = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    Response.json({
      protocolVersion: 99,
      minAgentProtocolVersion: 99,
      applianceId: "apl_future",
      appliancePublicKey: toBase64(new Uint8Array(32)),
      applianceFingerprint: "0".repeat(64),
      serverTime: Date.now(),
      version: "9.0.0",
    }));
  try {
    for (const path of ["hello", "challenge"]) {
      const r = await fetch(`${a.url}/api/agent/v1/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          protocolVersion: 0,
          agentVersion: "0.0.1",
          publicKey: toBase64(new Uint8Array(32)),
          clientNonce: nonce(),
        }),
      });
      const body = await r.json();
      assert.equal(r.status, 400, path);
      assert.equal(body.error.code, "protocol_too_old");
      assert.match(body.error.message, /Upgrade the agent/);
    }
    const fakeUrl = `http://127.0.0.1:${fake.addr.port}`;
    const enrolling = await agentCommand(["enroll", "--server", fakeUrl], { stateDir: dir });
    assert.equal(enrolling.code, 78);
    assert.match(enrolling.out, /protocol 99, which this agent \(protocol 1\) does not know/);
    await enrollApproved(a, dir);
    const file = join(dir, "enrollment.json");
    const e = JSON.parse(await readFile(file, "utf8"));
    await writeFile(file, JSON.stringify({ ...e, server: fakeUrl }));
    const run = spawnAgent(["run"], { stateDir: dir });
    assert.equal(await run.exited, 78, "the service refuses to go on");
    assert.ok(run.lines.some((l) => l.includes("does not know")));
  } finally {
    await fake.shutdown();
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});

Deno.test("a changed appliance key stops the agent with a clear message and an alert kept for later", async () => {
  let a = await startAppliance();
  const dir = await tempDir("cairn-agent-");
  try {
    await enrollApproved(a, dir);
    await a.stop();
    await rm(join(a.dataDir, "identity.json"));
    a = await restartAppliance(a, "stop");
    const run = spawnAgent(["run"], { stateDir: dir });
    assert.equal(await run.exited, 78);
    assert.ok(run.lines.some((l) => l.includes("key has changed")), run.lines.join("\n"));
    const status = JSON.parse(
      (await agentCommand(["status", "--json", "--offline"], { stateDir: dir })).out,
    );
    assert.equal(status.service.state, "appliance_key_changed");
    assert.ok(status.outboxDepth >= 1, "the alert waits in the outbox for the real appliance");
    const db = applianceDb(a.dataDir);
    try {
      assert.equal(
        db.count("SELECT COUNT(*) AS n FROM agent_sessions"),
        0,
        "the impostor got no session",
      );
      assert.equal(db.count("SELECT COUNT(*) AS n FROM agent_reports"), 0, "and no report");
    } finally {
      db.close();
    }
  } finally {
    await a.stop();
    await removeDirs(dir, a.dataDir);
  }
});
