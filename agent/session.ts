/**
 * Getting a session: ask for a challenge with a nonce of our own, check that the pinned
 * appliance key signed both nonces, sign (appliance id, our key, its nonce), and receive a
 * short-lived token. Renewed the same way shortly before it expires or when it is refused.
 */
import { AGENT_PROTOCOL_VERSION, SIGN_CONTEXT } from "../server/contract/agent.ts";
import {
  fingerprintOf,
  fromBase64,
  toBase64,
  verifySignature,
} from "../server/contract/agent_crypto.ts";
import type { ApplianceClient } from "./client.ts";
import type { AgentIdentity } from "./identity.ts";
import { ApplianceKeyChangedError } from "./trust.ts";
import type { PinnedAppliance } from "./trust.ts";

export interface AgentSession {
  token: string;
  expiresAt: number;
  hostId: string;
  /** Local time when it should be renewed. */
  renewAt: number;
}

export async function authenticate(opts: {
  client: ApplianceClient;
  identity: AgentIdentity;
  pinned: PinnedAppliance;
  now?: () => number;
}): Promise<AgentSession> {
  const { client, identity, pinned } = opts;
  const now = opts.now ?? Date.now;
  const clientNonce = toBase64(crypto.getRandomValues(new Uint8Array(32)));
  const ch = await client.challenge({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    publicKey: identity.publicKey,
    clientNonce,
    pinnedFingerprint: pinned.applianceFingerprint,
  });
  if (
    ch.appliancePublicKey !== pinned.appliancePublicKey || ch.applianceId !== pinned.applianceId
  ) {
    const key = fromBase64(ch.appliancePublicKey);
    const seen = key ? await fingerprintOf(key) : null;
    throw new ApplianceKeyChangedError(
      pinned.applianceFingerprint,
      seen,
      "the appliance presents another key",
    );
  }
  const genuine = await verifySignature(pinned.appliancePublicKey, ch.signature, {
    context: SIGN_CONTEXT.challenge,
    fields: [pinned.applianceId, identity.publicKey, ch.nonce, clientNonce],
  });
  if (!genuine) {
    throw new ApplianceKeyChangedError(
      pinned.applianceFingerprint,
      null,
      "its challenge is not signed by the pinned key",
    );
  }
  const started = now();
  const signature = await identity.signer.sign(SIGN_CONTEXT.session, [
    pinned.applianceId,
    identity.publicKey,
    ch.nonce,
  ]);
  const s = await client.session({ publicKey: identity.publicKey, nonce: ch.nonce, signature });
  const lifetime = Math.max(0, s.expiresAt - s.serverTime);
  return {
    token: s.token,
    expiresAt: started + lifetime,
    hostId: s.hostId,
    renewAt: started + lifetime * 0.8,
  };
}
