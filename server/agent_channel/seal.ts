/**
 * Seals a secret for one agent: NaCl box from a one-time X25519 key to the agent's box key, then
 * signed by the appliance over every field. The one-time key is dropped at once, so not even the
 * appliance can open the result; the agent keeps it sealed on disk and opens it only to use it.
 */
import nacl from "tweetnacl";
import { sealedSecretFields, SIGN_CONTEXT } from "../contract/agent.ts";
import type { SealedSecret } from "../contract/agent.ts";
import { fromBase64, toBase64 } from "../contract/agent_crypto.ts";
import type { ApplianceIdentity } from "./identity.ts";

export async function sealForAgent(
  identity: ApplianceIdentity,
  to: { agentKey: string; boxPublicKey: string; name: string; plaintext: string; now: number },
): Promise<SealedSecret> {
  const boxKey = fromBase64(to.boxPublicKey);
  if (!boxKey || boxKey.length !== 32) throw new Error("The agent's box key is not a 32-byte key");
  const once = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const box = nacl.box(new TextEncoder().encode(to.plaintext), nonce, boxKey, once.secretKey);
  once.secretKey.fill(0);
  const unsigned = {
    name: to.name,
    applianceId: identity.applianceId,
    agentKey: to.agentKey,
    ephemeralKey: toBase64(once.publicKey),
    nonce: toBase64(nonce),
    box: toBase64(box),
    sealedAt: to.now,
  };
  const signature = await identity.signer.sign(SIGN_CONTEXT.sealed, sealedSecretFields(unsigned));
  return { v: 1, ...unsigned, signature };
}
