/**
 * Everything the agent checks before it trusts the appliance: that it speaks a protocol this
 * agent knows, that it holds the key pinned at enrollment (its signature over the agent's own
 * nonce at every session), and that every command batch and sealed secret is signed by that key
 * and meant for this agent. A failure here is never retried into success: a changed key stops
 * the agent until a person looks.
 */
import * as v from "valibot";
import {
  ackFields,
  AGENT_PROTOCOL_VERSION,
  CommandBatchPayloadSchema,
  sealedSecretFields,
  SealedSecretSchema,
  SIGN_CONTEXT,
} from "../server/contract/agent.ts";
import type {
  CommandBatchPayload,
  HelloResponse,
  IngestResponse,
  SealedSecret,
  SignedBatch,
} from "../server/contract/agent.ts";
import { groupFingerprint, verifySignature } from "../server/contract/agent_crypto.ts";
import type { AgentIdentity } from "./identity.ts";

export interface PinnedAppliance {
  applianceId: string;
  appliancePublicKey: string;
  applianceFingerprint: string;
  /**
   * The other appliance of a replicated pair, pinned too (agent/appliances.ts): a secret it
   * sealed before a failover stays good after it.
   */
  alsoTrusted?: () => PinnedAppliance[];
}

export class ProtocolMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtocolMismatchError";
  }
}

export class ApplianceKeyChangedError extends Error {
  constructor(readonly pinned: string, readonly seen: string | null, detail: string) {
    super(
      `The appliance's key has changed: ${detail}. Pinned ${groupFingerprint(pinned)}` +
        (seen ? `, now ${groupFingerprint(seen)}` : "") +
        ". This agent stops here: if the appliance was really replaced, enroll this host again; " +
        "otherwise something on the network pretends to be it",
    );
    this.name = "ApplianceKeyChangedError";
  }
}

export class UntrustedCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UntrustedCommandError";
  }
}

/** Accepts the appliance's protocol when it is ours, or when a newer appliance still serves ours. */
export function checkProtocol(
  hello: Pick<HelloResponse, "protocolVersion" | "minAgentProtocolVersion">,
) {
  if (hello.protocolVersion === AGENT_PROTOCOL_VERSION) return;
  if (
    hello.protocolVersion > AGENT_PROTOCOL_VERSION &&
    hello.minAgentProtocolVersion <= AGENT_PROTOCOL_VERSION
  ) return;
  throw new ProtocolMismatchError(
    `The appliance speaks agent protocol ${hello.protocolVersion}, which this agent (protocol ` +
      `${AGENT_PROTOCOL_VERSION}) does not know. ` +
      (hello.protocolVersion > AGENT_PROTOCOL_VERSION
        ? "Upgrade the agent: run the install command from the appliance's Add host dialog again"
        : "Upgrade the appliance, or install the agent version it serves"),
  );
}

/** Verifies a command batch: signed by the pinned key, for this appliance and this agent. */
export async function openCommandBatch(
  batch: SignedBatch,
  pinned: PinnedAppliance,
  identity: Pick<AgentIdentity, "publicKey">,
): Promise<CommandBatchPayload> {
  const ok = await verifySignature(pinned.appliancePublicKey, batch.signature, {
    context: SIGN_CONTEXT.commands,
    fields: [pinned.applianceId, identity.publicKey, batch.payload],
  });
  if (!ok) {
    throw new UntrustedCommandError("A command batch is not signed by the pinned appliance key");
  }
  let json: unknown;
  try {
    json = JSON.parse(batch.payload);
  } catch {
    throw new UntrustedCommandError("A signed command batch is not valid JSON");
  }
  const parsed = v.safeParse(CommandBatchPayloadSchema, json);
  if (!parsed.success) {
    throw new UntrustedCommandError("A signed command batch does not match the protocol");
  }
  const p = parsed.output;
  if (p.applianceId !== pinned.applianceId || p.agentKey !== identity.publicKey) {
    throw new UntrustedCommandError("A command batch names another appliance or agent");
  }
  return p;
}

/** Checks a sealed secret's form and signature; the box itself stays closed. */
export async function checkSealedSecret(
  raw: unknown,
  pinned: PinnedAppliance,
  identity: Pick<AgentIdentity, "publicKey">,
): Promise<SealedSecret> {
  const parsed = v.safeParse(SealedSecretSchema, raw);
  if (!parsed.success) {
    throw new UntrustedCommandError("A sealed secret does not match the protocol");
  }
  const s = parsed.output;
  const signer = s.applianceId === pinned.applianceId
    ? pinned
    : pinned.alsoTrusted?.().find((a) => a.applianceId === s.applianceId);
  if (!signer || s.agentKey !== identity.publicKey) {
    throw new UntrustedCommandError("A sealed secret is for another appliance or agent");
  }
  const ok = await verifySignature(signer.appliancePublicKey, s.signature, {
    context: SIGN_CONTEXT.sealed,
    fields: sealedSecretFields(s),
  });
  if (!ok) {
    throw new UntrustedCommandError("A sealed secret is not signed by the pinned appliance key");
  }
  return s;
}

/** True when the ingest answer is signed by the pinned key for this agent. */
export function acksAreGenuine(
  r: IngestResponse,
  pinned: PinnedAppliance,
  identity: Pick<AgentIdentity, "publicKey">,
): Promise<boolean> {
  return verifySignature(pinned.appliancePublicKey, r.signature, {
    context: SIGN_CONTEXT.acks,
    fields: ackFields(pinned.applianceId, identity.publicKey, r),
  });
}
