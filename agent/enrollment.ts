/**
 * Enrollment from the agent's side: ask the appliance who it is (hello), check its protocol and,
 * when the install command gave one, its fingerprint; send the host facts signed by this agent's
 * key; check the answer is signed by the same appliance key; pin that key in `enrollment.json`.
 */
import * as v from "valibot";
import { join } from "node:path";
import { AGENT_PROTOCOL_VERSION, SIGN_CONTEXT } from "../server/contract/agent.ts";
import type { EnrollPayload, HostFacts } from "../server/contract/agent.ts";
import { fingerprintOf, fromBase64, verifySignature } from "../server/contract/agent_crypto.ts";
import type { ApplianceClient } from "./client.ts";
import type { AgentIdentity } from "./identity.ts";
import { readJson, writeJsonAtomic } from "./state_files.ts";
import { ApplianceKeyChangedError, checkProtocol } from "./trust.ts";
import type { PinnedAppliance } from "./trust.ts";
import { AGENT_VERSION } from "./version.ts";

export const ENROLLMENT_FILE = "enrollment.json";

const EnrollmentSchema = v.object({
  version: v.literal(1),
  server: v.pipe(v.string(), v.url()),
  applianceId: v.string(),
  appliancePublicKey: v.string(),
  applianceFingerprint: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  hostId: v.string(),
  state: v.picklist(["pending", "approved"]),
  enrolledAt: v.number(),
});
export type Enrollment = v.InferOutput<typeof EnrollmentSchema> & PinnedAppliance;

export function readEnrollment(stateDir: string): Promise<Enrollment | null> {
  return readJson(join(stateDir, ENROLLMENT_FILE), EnrollmentSchema);
}

export function saveEnrollment(stateDir: string, e: Enrollment): Promise<void> {
  return writeJsonAtomic(join(stateDir, ENROLLMENT_FILE), e);
}

export class FingerprintMismatchError extends Error {
  constructor(expected: string, seen: string) {
    super(
      `The appliance's fingerprint is ${seen}, not the ${expected} the install command named. ` +
        "Nothing was sent: check the server address",
    );
    this.name = "FingerprintMismatchError";
  }
}

export async function enroll(opts: {
  stateDir: string;
  client: ApplianceClient;
  identity: AgentIdentity;
  facts: HostFacts;
  token?: string;
  expectFingerprint?: string;
  now?: () => number;
}): Promise<Enrollment> {
  const { client, identity } = opts;
  const now = opts.now ?? Date.now;
  const hello = await client.hello({
    protocolVersion: AGENT_PROTOCOL_VERSION,
    agentVersion: AGENT_VERSION,
  });
  checkProtocol(hello);
  const key = fromBase64(hello.appliancePublicKey)!;
  const fingerprint = await fingerprintOf(key);
  if (fingerprint !== hello.applianceFingerprint) {
    throw new ApplianceKeyChangedError(
      hello.applianceFingerprint,
      fingerprint,
      "its fingerprint does not match its key",
    );
  }
  const expected = opts.expectFingerprint?.replace(/[\s:]/g, "").toLowerCase();
  if (expected && expected !== fingerprint) {
    throw new FingerprintMismatchError(expected, fingerprint);
  }
  const before = await readEnrollment(opts.stateDir);
  if (before && before.appliancePublicKey !== hello.appliancePublicKey) {
    throw new ApplianceKeyChangedError(
      before.applianceFingerprint,
      fingerprint,
      "this host is enrolled with another appliance key",
    );
  }
  const payload: EnrollPayload = {
    protocolVersion: AGENT_PROTOCOL_VERSION,
    applianceId: hello.applianceId,
    publicKey: identity.publicKey,
    boxPublicKey: identity.boxPublicKey,
    facts: opts.facts,
    ...(opts.token ? { token: opts.token } : {}),
    at: now(),
  };
  const text = JSON.stringify(payload);
  const signature = await identity.signer.sign(SIGN_CONTEXT.enroll, [
    hello.applianceId,
    identity.publicKey,
    text,
  ]);
  const answer = await client.enroll({ publicKey: identity.publicKey, payload: text, signature });
  const genuine = answer.appliancePublicKey === hello.appliancePublicKey &&
    answer.applianceId === hello.applianceId &&
    await verifySignature(hello.appliancePublicKey, answer.signature, {
      context: SIGN_CONTEXT.enrolled,
      fields: [hello.applianceId, identity.publicKey, answer.hostId, answer.state],
    });
  if (!genuine) {
    throw new ApplianceKeyChangedError(
      fingerprint,
      null,
      "the enrollment answer is not signed by the key it said hello with",
    );
  }
  const enrollment: Enrollment = {
    version: 1,
    server: client.baseUrl,
    applianceId: hello.applianceId,
    appliancePublicKey: hello.appliancePublicKey,
    applianceFingerprint: fingerprint,
    hostId: answer.hostId,
    state: answer.state,
    enrolledAt: now(),
  };
  await saveEnrollment(opts.stateDir, enrollment);
  return enrollment;
}
