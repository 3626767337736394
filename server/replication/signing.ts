/**
 * Signatures between paired appliances. Every request the standby makes carries its id, the
 * time, its epoch and an Ed25519 signature over method, path with query, time, epoch and the
 * body's SHA-256; the primary checks it against the key it paired with, within two minutes of
 * its own clock. Answers the standby acts on are signed the same way by the primary.
 */
import { createHash } from "node:crypto";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { verifySignature } from "../contract/agent_crypto.ts";
import { REPLICATION_HEADERS as H, REPLICATION_SIGN_CONTEXT } from "../contract/replication.ts";
import { ReplicationRefusedError } from "./errors.ts";

export const MAX_SKEW_MS = 120_000;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function requestFields(
  r: { method: string; path: string; time: number; epoch: number; bodyHash: string },
) {
  return [r.method.toUpperCase(), r.path, String(r.time), String(r.epoch), r.bodyHash];
}

export async function signedRequestHeaders(
  identity: ApplianceIdentity,
  r: { method: string; path: string; epoch: number; body?: string; now: number },
): Promise<Record<string, string>> {
  const bodyHash = sha256Hex(r.body ?? "");
  const signature = await identity.signer.sign(
    REPLICATION_SIGN_CONTEXT.request,
    requestFields({ ...r, time: r.now, bodyHash }),
  );
  return {
    [H.appliance]: identity.applianceId,
    [H.time]: String(r.now),
    [H.epoch]: String(r.epoch),
    [H.signature]: signature,
  };
}

export interface VerifiedRequest {
  applianceId: string;
  epoch: number;
}

/** Checks a signed request against the paired appliance; throws a refusal with the reason. */
export async function verifySignedRequest(
  req: {
    method: string;
    path: string;
    header(name: string): string | undefined;
    body: string;
  },
  peer: { id: string | null; key: string | null; now: number },
): Promise<VerifiedRequest> {
  const id = req.header(H.appliance) ?? "";
  const time = Number(req.header(H.time));
  const epoch = Number(req.header(H.epoch));
  const signature = req.header(H.signature) ?? "";
  if (!peer.id || !peer.key) {
    throw new ReplicationRefusedError("not_paired", "This appliance is not paired with a standby");
  }
  if (id !== peer.id) {
    throw new ReplicationRefusedError(
      "unknown_appliance",
      "This appliance is paired with another appliance",
    );
  }
  if (!Number.isSafeInteger(time) || Math.abs(peer.now - time) > MAX_SKEW_MS) {
    throw new ReplicationRefusedError(
      "bad_signature",
      "The request's time is more than two minutes off; check both clocks",
    );
  }
  if (!Number.isSafeInteger(epoch) || epoch < 1) {
    throw new ReplicationRefusedError("bad_signature", "The request names no epoch");
  }
  const ok = await verifySignature(peer.key, signature, {
    context: REPLICATION_SIGN_CONTEXT.request,
    fields: requestFields({
      method: req.method,
      path: req.path,
      time,
      epoch,
      bodyHash: sha256Hex(req.body),
    }),
  });
  if (!ok) {
    throw new ReplicationRefusedError(
      "bad_signature",
      "The request is not signed by the paired appliance's key",
    );
  }
  return { applianceId: id, epoch };
}

/** Signs an answer body (a batch, a status) for the standby to check before acting on it. */
export function signBody(identity: ApplianceIdentity, context: string, body: string) {
  return identity.signer.sign(context, [sha256Hex(body)]);
}

export function verifyBody(key: string, context: string, body: string, signature: string) {
  return verifySignature(key, signature, { context, fields: [sha256Hex(body)] });
}
