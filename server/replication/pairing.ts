/**
 * Pairing a standby with its primary. An admin makes a one-time code on the primary (shown once,
 * stored hashed, ten minutes); the standby sends it with its Ed25519 key and a one-time X25519
 * key, signed by the Ed25519 key. The primary pins that key as its one standby and answers with
 * its own key and its secret-box key sealed to the one-time key (NaCl box), signed; the standby
 * pins the primary's key. From then on every request and answer is checked against the pins.
 *
 * A wrong, used or expired code is refused with the reason and changes nothing.
 */
import nacl from "tweetnacl";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { fingerprintOf, fromBase64, toBase64, verifySignature } from "../contract/agent_crypto.ts";
import {
  pairRequestFields,
  pairResponseFields,
  PairResponseSchema,
  REPLICATION_SIGN_CONTEXT,
} from "../contract/replication.ts";
import type { PairingCodeView, PairRequest, PairResponse } from "../contract/replication.ts";
import { helloPeerFields, SIGN_CONTEXT } from "../contract/agent.ts";
import type { HelloPeer } from "../contract/agent.ts";
import { newId, sha256Hex } from "../ids.ts";
import { ReplicationRefusedError } from "./errors.ts";
import type { SqlConn } from "./repo.ts";
import { readState, updateState } from "./state.ts";
import * as v from "valibot";

export const PAIRING_CODE_TTL_MS = 10 * 60_000;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

function makeCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  const chars = Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
  return chars.match(/.{5}/g)!.join("-");
}

const normalise = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, "");

export function createPairingCode(
  conn: SqlConn,
  opts: { createdBy: string; now: number },
): PairingCodeView {
  const state = readState(conn);
  if (state.role !== "primary") {
    throw new ReplicationRefusedError("not_primary", "Only the primary makes pairing codes");
  }
  const code = makeCode();
  const expiresAt = opts.now + PAIRING_CODE_TTL_MS;
  conn.run(
    "INSERT INTO replication_pairing_codes (id, code_hash, created_by, created_at, expires_at) " +
      "VALUES (?, ?, ?, ?, ?)",
    [newId("rpc"), sha256Hex(normalise(code)), opts.createdBy, opts.now, expiresAt],
  );
  return { code, expiresAt: new Date(expiresAt).toISOString() };
}

/** The primary's half: checks the code and the signature, pins the standby, seals the key. */
export async function acceptPairing(
  conn: SqlConn,
  opts: { identity: ApplianceIdentity; secretKey: Uint8Array; req: PairRequest; now: number },
): Promise<PairResponse> {
  const { req, now, identity } = opts;
  const { signature, ...unsigned } = req;
  const signed = await verifySignature(req.publicKey, signature, {
    context: REPLICATION_SIGN_CONTEXT.pair,
    fields: pairRequestFields(unsigned),
  });
  if (!signed) {
    throw new ReplicationRefusedError(
      "bad_signature",
      "The pairing request is not signed by its key",
    );
  }
  const state = readState(conn);
  if (state.role !== "primary") {
    throw new ReplicationRefusedError(
      "not_primary",
      "This appliance is a standby: pair with the primary",
    );
  }
  const boxKey = fromBase64(req.boxPublicKey)!;
  conn.write(() => {
    const row = conn.get<{ id: string; expires_at: number; used_at: number | null }>(
      "SELECT id, expires_at, used_at FROM replication_pairing_codes WHERE code_hash = ?",
      [sha256Hex(normalise(req.code))],
    );
    if (!row) throw new ReplicationRefusedError("bad_pairing_code", "The pairing code is wrong");
    if (row.used_at !== null) {
      throw new ReplicationRefusedError("bad_pairing_code", "The pairing code was already used");
    }
    if (Number(row.expires_at) < now) {
      throw new ReplicationRefusedError("bad_pairing_code", "The pairing code has expired");
    }
    conn.run("UPDATE replication_pairing_codes SET used_at = ? WHERE id = ?", [now, row.id]);
    updateState(conn, {
      peerId: req.applianceId,
      peerKey: req.publicKey,
      peerUrl: req.url,
      pairedAt: now,
      ackedPosition: 0,
    }, now);
  });
  return await sealAnswer(identity, opts.secretKey, req, { boxKey, epoch: state.epoch });
}

async function sealAnswer(
  identity: ApplianceIdentity,
  secretKey: Uint8Array,
  req: PairRequest,
  o: { boxKey: Uint8Array; epoch: number },
): Promise<PairResponse> {
  const once = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const box = nacl.box(secretKey, nonce, o.boxKey, once.secretKey);
  once.secretKey.fill(0);
  const unsigned = {
    applianceId: identity.applianceId,
    publicKey: identity.publicKey,
    epoch: o.epoch,
    sealedKey: {
      ephemeralKey: toBase64(once.publicKey),
      nonce: toBase64(nonce),
      box: toBase64(box),
    },
  };
  const signature = await identity.signer.sign(
    REPLICATION_SIGN_CONTEXT.paired,
    pairResponseFields(unsigned, req.publicKey),
  );
  return { ...unsigned, signature };
}

export interface PairedPrimary {
  applianceId: string;
  publicKey: string;
  fingerprint: string;
  epoch: number;
  secretKey: Uint8Array;
}

/** The standby's half: one request to the primary; returns what to pin and the opened key. */
export async function pairWithPrimary(
  identity: ApplianceIdentity,
  opts: {
    primaryUrl: string;
    code: string;
    selfUrl: string | null;
    now: number;
    fetch?: typeof fetch;
  },
): Promise<PairedPrimary> {
  const box = nacl.box.keyPair();
  const unsigned = {
    code: opts.code,
    applianceId: identity.applianceId,
    publicKey: identity.publicKey,
    boxPublicKey: toBase64(box.publicKey),
    url: opts.selfUrl,
    time: opts.now,
  };
  const signature = await identity.signer.sign(
    REPLICATION_SIGN_CONTEXT.pair,
    pairRequestFields(unsigned),
  );
  const res = await (opts.fetch ?? fetch)(new URL("/api/replication/v1/pair", opts.primaryUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...unsigned, signature }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: string } })?.error?.message ??
      `HTTP ${res.status}`;
    throw new Error(`The primary refused the pairing: ${message}`);
  }
  const answer = v.parse(PairResponseSchema, body);
  const { signature: sig, ...rest } = answer;
  const ok = await verifySignature(answer.publicKey, sig, {
    context: REPLICATION_SIGN_CONTEXT.paired,
    fields: pairResponseFields(rest, identity.publicKey),
  });
  if (!ok) throw new Error("The primary's pairing answer is not signed by its key");
  const secretKey = nacl.box.open(
    fromBase64(answer.sealedKey.box)!,
    fromBase64(answer.sealedKey.nonce)!,
    fromBase64(answer.sealedKey.ephemeralKey)!,
    box.secretKey,
  );
  box.secretKey.fill(0);
  if (!secretKey || secretKey.length !== 32) throw new Error("The sealed secret key does not open");
  return {
    applianceId: answer.applianceId,
    publicKey: answer.publicKey,
    fingerprint: await fingerprintOf(fromBase64(answer.publicKey)!),
    epoch: answer.epoch,
    secretKey,
  };
}

/** The paired appliance, signed by this one, for agents to pin from their hello. */
export async function vouchForPeer(
  conn: SqlConn,
  identity: ApplianceIdentity,
): Promise<HelloPeer[]> {
  const s = readState(conn);
  if (!s.peerId || !s.peerKey || !s.peerUrl) return [];
  const unsigned = {
    url: s.peerUrl,
    applianceId: s.peerId,
    appliancePublicKey: s.peerKey,
    applianceFingerprint: await fingerprintOf(fromBase64(s.peerKey)!),
  };
  const signature = await identity.signer.sign(
    SIGN_CONTEXT.peer,
    helloPeerFields(identity.applianceId, unsigned),
  );
  return [{ ...unsigned, signature }];
}
