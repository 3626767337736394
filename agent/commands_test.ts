import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ephemeralIdentity } from "../server/agent_channel/identity.ts";
import type { ApplianceIdentity } from "../server/agent_channel/identity.ts";
import { sealForAgent } from "../server/agent_channel/seal.ts";
import { SIGN_CONTEXT } from "../server/contract/agent.ts";
import type { Command } from "../server/contract/agent.ts";
import { createCommandHandler } from "./commands.ts";
import { loadOrCreateIdentity } from "./identity.ts";
import type { AgentIdentity } from "./identity.ts";
import { openOutbox } from "./outbox.ts";
import type { Outbox } from "./outbox.ts";
import { createSecretStore } from "./secrets.ts";
import { checkProtocol, ProtocolMismatchError } from "./trust.ts";

interface Fixture {
  dir: string;
  appliance: ApplianceIdentity;
  agent: AgentIdentity;
  outbox: Outbox;
  pinned: { applianceId: string; appliancePublicKey: string; applianceFingerprint: string };
}

async function withFixture(fn: (f: Fixture) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cairn-cmd-"));
  const appliance = ephemeralIdentity();
  const agent = await loadOrCreateIdentity(dir);
  const outbox = await openOutbox(join(dir, "outbox.db"));
  const pinned = {
    applianceId: appliance.applianceId,
    appliancePublicKey: appliance.publicKey,
    applianceFingerprint: appliance.fingerprint,
  };
  try {
    await fn({ dir, appliance, agent, outbox, pinned });
  } finally {
    outbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function signedBatch(by: ApplianceIdentity, agentKey: string, commands: Command[]) {
  const payload = JSON.stringify({
    applianceId: by.applianceId,
    hostId: "hst_1",
    agentKey,
    issuedAt: 1,
    commands,
  });
  return {
    payload,
    signature: await by.signer.sign(SIGN_CONTEXT.commands, [by.applianceId, agentKey, payload]),
  };
}

const cmd = (n: number, kind: string, args: Record<string, unknown> = {}): Command => ({
  id: `cmd_${String(n).padStart(26, "0")}`,
  kind,
  jobId: null,
  args,
  createdAt: 1,
});

function handler(f: Fixture, ran: string[]) {
  return createCommandHandler({
    outbox: f.outbox,
    pinned: f.pinned,
    identity: f.agent,
    secrets: createSecretStore({ stateDir: f.dir, identity: f.agent, pinned: f.pinned }),
    log: () => {},
    facts: () => Promise.reject(new Error("not needed")),
    runners: {
      "job.run": (c) => {
        ran.push(c.id);
        return Promise.resolve({});
      },
    },
  });
}

Deno.test("commands: a verified batch runs once per id, even when delivered again", () =>
  withFixture(async (f) => {
    const ran: string[] = [];
    const h = handler(f, ran);
    const batch = await signedBatch(f.appliance, f.agent.publicKey, [
      cmd(1, "job.run"),
      cmd(2, "ping"),
    ]);
    assert.equal(await h.handle(batch), 2);
    assert.equal(await h.handle(batch), 0, "a redelivered batch runs nothing");
    assert.deepEqual(ran, [cmd(1, "job.run").id]);
    const kinds = f.outbox.take(10).map((r) => `${r.kind}:${r.body.commandId}`);
    assert.deepEqual(kinds, [
      `command.ack:${cmd(1, "").id}`,
      `command.result:${cmd(1, "").id}`,
      `command.ack:${cmd(2, "").id}`,
      `command.result:${cmd(2, "").id}`,
    ]);
  }));

Deno.test("commands: unsigned, wrongly signed or misaddressed batches never run and raise an alert", () =>
  withFixture(async (f) => {
    const ran: string[] = [];
    const h = handler(f, ran);
    const good = await signedBatch(f.appliance, f.agent.publicKey, [cmd(1, "job.run")]);
    const rogue = ephemeralIdentity();
    const cases = [
      {
        payload: good.payload,
        signature: (await signedBatch(rogue, f.agent.publicKey, [])).signature,
      },
      { ...good, payload: good.payload.replace("hst_1", "hst_2") },
      await signedBatch({ ...rogue, applianceId: f.appliance.applianceId }, f.agent.publicKey, [
        cmd(1, "job.run"),
      ]),
      await signedBatch(f.appliance, "A".repeat(43) + "=", [cmd(1, "job.run")]),
      { payload: "not json", signature: good.signature },
    ];
    for (const b of cases) assert.equal(await h.handle(b), 0);
    assert.deepEqual(ran, []);
    const alerts = f.outbox.take(100).filter((r) => r.kind === "alert");
    assert.equal(alerts.length, cases.length);
    assert.equal(f.outbox.take(100).filter((r) => r.kind === "command.ack").length, 0);
  }));

Deno.test("commands: an unknown kind is answered with a failed result, not run", () =>
  withFixture(async (f) => {
    const h = handler(f, []);
    await h.handle(await signedBatch(f.appliance, f.agent.publicKey, [cmd(5, "rm -rf /")]));
    const result = f.outbox.take(10).find((r) => r.kind === "command.result")!;
    assert.equal(result.body.ok, false);
  }));

Deno.test("sealed secrets: sealed by the appliance, stored sealed (0600), opened only by this agent", () =>
  withFixture(async (f) => {
    const sealed = await sealForAgent(f.appliance, {
      agentKey: f.agent.publicKey,
      boxPublicKey: f.agent.boxPublicKey,
      name: "repo-password",
      plaintext: "hunter2-correct-horse",
      now: 1,
    });
    const h = handler(f, []);
    await h.handle(
      await signedBatch(f.appliance, f.agent.publicKey, [cmd(1, "secret.put", { sealed })]),
    );
    const file = join(f.dir, "secrets", "repo-password.json");
    const onDisk = await readFile(file, "utf8");
    assert.ok(!onDisk.includes("hunter2"), "the secret is not in the clear on disk");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const store = createSecretStore({ stateDir: f.dir, identity: f.agent, pinned: f.pinned });
    assert.equal(await store.open("repo-password"), "hunter2-correct-horse");
    assert.equal(await store.open("missing"), null);

    const tampered = { ...sealed, name: "other" };
    await assert.rejects(store.put(tampered), /not signed/);
    const rogue = ephemeralIdentity();
    const forged = await sealForAgent({ ...rogue, applianceId: f.appliance.applianceId }, {
      agentKey: f.agent.publicKey,
      boxPublicKey: f.agent.boxPublicKey,
      name: "repo-password",
      plaintext: "evil",
      now: 2,
    });
    await assert.rejects(store.put(forged), /not signed/);
    const otherDir = await mkdtemp(join(tmpdir(), "cairn-cmd-"));
    try {
      const other = await loadOrCreateIdentity(otherDir);
      const theirs = createSecretStore({ stateDir: otherDir, identity: other, pinned: f.pinned });
      await assert.rejects(theirs.put(sealed), /another appliance or agent/);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  }));

Deno.test("protocol check: the agent refuses an appliance protocol it does not know", () => {
  checkProtocol({ protocolVersion: 1, minAgentProtocolVersion: 1 });
  checkProtocol({ protocolVersion: 2, minAgentProtocolVersion: 1 });
  assert.throws(
    () => checkProtocol({ protocolVersion: 2, minAgentProtocolVersion: 2 }),
    ProtocolMismatchError,
  );
  assert.throws(
    () => checkProtocol({ protocolVersion: 0, minAgentProtocolVersion: 0 }),
    /Upgrade the appliance/,
  );
});
