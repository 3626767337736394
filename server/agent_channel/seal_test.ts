import assert from "node:assert/strict";
import nacl from "tweetnacl";
import { fromBase64, toBase64 } from "../contract/agent_crypto.ts";
import { ephemeralIdentity } from "./identity.ts";
import { sealForAgent } from "./seal.ts";

Deno.test("a sealed secret is a NaCl box the agent's key opens, from a new key each time", async () => {
  const identity = ephemeralIdentity();
  const agentBox = nacl.box.keyPair();
  const to = {
    agentKey: toBase64(nacl.sign.keyPair().publicKey),
    boxPublicKey: toBase64(agentBox.publicKey),
    name: "job_1-pass",
    plaintext: "correct horse battery staple ✓",
    now: 1_700_000_000_000,
  };
  const a = await sealForAgent(identity, to);
  const b = await sealForAgent(identity, to);
  assert.notEqual(a.ephemeralKey, b.ephemeralKey);
  for (const s of [a, b]) {
    const opened = nacl.box.open(
      fromBase64(s.box)!,
      fromBase64(s.nonce)!,
      fromBase64(s.ephemeralKey)!,
      agentBox.secretKey,
    );
    assert.ok(opened, "the agent's key opens the box");
    assert.equal(new TextDecoder().decode(opened), to.plaintext);
    assert.equal(
      nacl.box.open(
        fromBase64(s.box)!,
        fromBase64(s.nonce)!,
        fromBase64(s.ephemeralKey)!,
        nacl.box.keyPair().secretKey,
      ),
      null,
      "another key does not",
    );
  }
});
