/** What `GET /api/replication/status` shows: role, epoch, both identities, positions and lag. */
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { fingerprintOf, fromBase64, phraseOf } from "../contract/agent_crypto.ts";
import type { ReplicationLeaseView, ReplicationStatusView } from "../contract/replication.ts";
import type { LogHead } from "./log.ts";
import type { Heard } from "./standby.ts";
import type { ReplicationState } from "./state.ts";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export async function buildStatus(o: {
  state: ReplicationState;
  identity: ApplianceIdentity;
  logHead(): LogHead;
  /** When the change at a position was made (a primary's own log). */
  changeTime(position: number): number | null;
  now: number;
  /** A standby's last answer from its primary (head position and time). */
  heard: Heard | null;
  /** A primary: when its standby last asked for changes (this run); null before. */
  lastContactAt?: number | null;
  synchronous: ReplicationStatusView["synchronous"];
  lease: ReplicationLeaseView;
}): Promise<ReplicationStatusView> {
  const s = o.state;
  const fingerprint = await fingerprintOf(fromBase64(o.identity.publicKey)!);
  const peerFp = s.peerKey ? await fingerprintOf(fromBase64(s.peerKey)!) : null;
  const head = s.role === "primary" ? o.logHead() : {
    position: Math.max(o.heard?.head ?? s.appliedPosition, s.appliedPosition),
    at: o.heard?.headAt ?? null,
  };
  // A primary's "applied" is what its standby acknowledged.
  const applied = s.role === "primary" ? s.ackedPosition : s.appliedPosition;
  const entries = s.peerKey ? Math.max(0, head.position - applied) : 0;
  // Seconds behind: on a standby, between the primary's newest change and the last applied
  // one; on a primary, since the oldest change its standby has not acknowledged (what a lag
  // alert reads).
  const oldestUnacked = s.role === "primary" && entries > 0 ? o.changeTime(applied + 1) : null;
  const seconds = entries === 0
    ? 0
    : s.role === "standby" && head.at !== null && s.appliedChangeAt !== null
    ? Math.max(0, (head.at - s.appliedChangeAt) / 1000)
    : oldestUnacked !== null
    ? Math.max(0, (o.now - oldestUnacked) / 1000)
    : null;
  return {
    role: s.role,
    epoch: s.epoch,
    applianceId: o.identity.applianceId,
    fingerprint,
    phrase: phraseOf(fingerprint),
    primaryUrl: s.role === "standby" ? s.primaryUrl : null,
    peer: s.peerId && peerFp
      ? {
        applianceId: s.peerId,
        fingerprint: peerFp,
        phrase: phraseOf(peerFp),
        url: s.peerUrl,
        pairedAt: iso(s.pairedAt),
      }
      : null,
    headPosition: head.position,
    appliedPosition: applied,
    lag: { entries, seconds },
    lastContactAt: iso(
      s.role === "standby"
        ? o.heard?.at ?? s.bootstrappedAt
        : Math.max(o.lastContactAt ?? 0, s.ackedAt ?? 0) || null,
    ),
    state: !s.peerKey
      ? "unpaired"
      : s.lastError
      ? "error"
      : s.role === "standby" && s.bootstrappedAt === null && s.appliedPosition === 0
      ? "bootstrapping"
      : entries > 0
      ? "catching_up"
      : "ok",
    lastError: s.lastError,
    synchronous: o.synchronous,
    lease: o.lease,
  };
}
