/**
 * Standby replication (issue 7): what two appliances say to each other, and what the browser
 * API shows about it.
 *
 * Appliance to appliance (`/api/replication/v1/*`): the standby pairs once with a one-time code,
 * then signs every request with its Ed25519 identity (context `cairn/replication/v1/request`,
 * fields method, path with query, time, epoch, SHA-256 of the body); the primary signs every
 * answer the standby acts on (a change batch, a snapshot). Positions are the primary's change
 * log positions; an epoch is bumped by each promotion.
 */
import * as v from "valibot";

const int = (min = 0) =>
  v.pipe(v.number("must be a number"), v.integer("must be a whole number"), v.minValue(min));
const Base64Key = v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}=$/, "must be a 32-byte key"));
const Base64 = v.pipe(v.string(), v.maxLength(4096), v.regex(/^[A-Za-z0-9+/]*={0,2}$/));

export const REPLICATION_SIGN_CONTEXT = {
  request: "cairn/replication/v1/request",
  batch: "cairn/replication/v1/batch",
  snapshot: "cairn/replication/v1/snapshot",
  pair: "cairn/replication/v1/pair",
  paired: "cairn/replication/v1/paired",
  status: "cairn/replication/v1/status",
} as const;

/** Request headers of a signed appliance-to-appliance request. */
export const REPLICATION_HEADERS = {
  appliance: "x-cairn-appliance",
  time: "x-cairn-time",
  epoch: "x-cairn-epoch",
  signature: "x-cairn-signature",
  position: "x-cairn-position",
  sha256: "x-cairn-sha256",
} as const;

export const ROLES = ["primary", "standby"] as const;
export type ReplicationRole = (typeof ROLES)[number];

export const ChangeEntrySchema = v.object({
  position: int(1),
  op: v.picklist(["insert", "update", "delete", "migration"]),
  table: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.]{1,128}$/)),
  /** JSON text: the key columns (rows), or {checksum} (migrations). */
  key: v.nullable(v.string()),
  /** JSON text of every column after the change; the SQL of a migration; null for a delete. */
  row: v.nullable(v.string()),
  at: int(),
});
export type ChangeEntry = v.InferOutput<typeof ChangeEntrySchema>;

export const ChangeBatchSchema = v.object({
  epoch: int(1),
  primaryId: v.string(),
  /** The entries follow this position; `last` is the last one's (= after when empty). */
  after: int(),
  last: int(),
  /** The primary's newest position and its time, for lag. */
  head: int(),
  headAt: v.nullable(int()),
  entries: v.array(ChangeEntrySchema),
});
export type ChangeBatch = v.InferOutput<typeof ChangeBatchSchema>;

export const ChangesQuerySchema = v.object({
  after: v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)),
  wait: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/), v.transform(Number)), "0"),
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,5}$/), v.transform(Number)), "2000"),
});

/** The standby's half of pairing, signed by the key it announces. */
export const PairRequestSchema = v.strictObject({
  code: v.pipe(v.string(), v.minLength(8), v.maxLength(64)),
  applianceId: v.pipe(v.string(), v.regex(/^apl_[0-9a-z]{26}$/)),
  publicKey: Base64Key,
  /** A one-time X25519 key: the primary seals its secret-box key to it. */
  boxPublicKey: Base64Key,
  url: v.nullable(v.pipe(v.string(), v.maxLength(500), v.regex(/^https?:\/\//))),
  time: int(),
  signature: Base64,
});
export type PairRequest = v.InferOutput<typeof PairRequestSchema>;

export const PairResponseSchema = v.object({
  applianceId: v.string(),
  publicKey: Base64Key,
  epoch: int(1),
  /** NaCl box of the secret-box key from a one-time key to the standby's box key. */
  sealedKey: v.object({ ephemeralKey: Base64Key, nonce: Base64, box: Base64 }),
  signature: Base64,
});
export type PairResponse = v.InferOutput<typeof PairResponseSchema>;

export function pairRequestFields(r: Omit<PairRequest, "signature">): string[] {
  return [r.code, r.applianceId, r.publicKey, r.boxPublicKey, r.url ?? "", String(r.time)];
}

export function pairResponseFields(
  r: Omit<PairResponse, "signature">,
  standbyKey: string,
): string[] {
  return [
    r.applianceId,
    r.publicKey,
    String(r.epoch),
    r.sealedKey.ephemeralKey,
    r.sealedKey.nonce,
    r.sealedKey.box,
    standbyKey,
  ];
}

/** What one appliance tells its paired peer about itself (signed), for fencing. */
export const PeerStatusSchema = v.object({
  applianceId: v.string(),
  role: v.picklist(ROLES),
  epoch: int(1),
  position: int(),
  time: int(),
  /**
   * A standby answering its own paired primary at its epoch, not promoting: it promises not to
   * promote for the lease's length from now (server/replication/lease.ts).
   */
  leaseGranted: v.optional(v.boolean()),
  signature: Base64,
});
export type PeerStatus = v.InferOutput<typeof PeerStatusSchema>;

export function peerStatusFields(s: Omit<PeerStatus, "signature">): string[] {
  const fields = [s.applianceId, s.role, String(s.epoch), String(s.position), String(s.time)];
  return s.leaseGranted === undefined ? fields : [...fields, `lease:${s.leaseGranted}`];
}

export const PromoteSchema = v.strictObject({
  confirm: v.literal("promote", 'must be the word "promote"'),
});

/** Detach: the primary forgets its standby and accepts writes alone again. */
export const DetachSchema = v.strictObject({
  confirm: v.literal("detach", 'must be the word "detach"'),
});

/** The write lease (docs/replication.md, "Lease"). */
export interface ReplicationLeaseView {
  /** A primary: how long it still holds the standby's lease, in ms; null when it holds none. */
  heldForMs: number | null;
  /** A paired primary without a lease refuses writes from outside (503 writes_paused). */
  writesPaused: boolean;
  /** A primary: ms since its standby last answered a probe (null when unpaired). */
  standbySilentMs: number | null;
  /** A standby: ms until a promotion may complete (0: at once). */
  promotableInMs: number | null;
  /** A standby: a promotion was asked for and waits for the primary's lease to end. */
  promoting: boolean;
}

export interface ReplicationPeerView {
  applianceId: string;
  fingerprint: string;
  phrase: string;
  url: string | null;
  pairedAt: string | null;
}

export interface ReplicationStatusView {
  role: ReplicationRole;
  epoch: number;
  applianceId: string;
  fingerprint: string;
  phrase: string;
  /** The primary's URL (a standby), or null. */
  primaryUrl: string | null;
  peer: ReplicationPeerView | null;
  /** primary: its newest log position; standby: the primary's, as last heard. */
  headPosition: number;
  /** standby: what it applied; primary: what its standby acknowledged. */
  appliedPosition: number;
  lag: { entries: number; seconds: number | null };
  lastContactAt: string | null;
  state: "ok" | "unpaired" | "bootstrapping" | "catching_up" | "error";
  /** Synchronous mode (a primary): on, and whether the standby is there to wait for. */
  synchronous: { enabled: boolean; standbyConnected: boolean };
  lastError: string | null;
  lease: ReplicationLeaseView;
}

export interface PairingCodeView {
  code: string;
  expiresAt: string;
}
