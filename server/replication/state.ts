/** The replication_state row: this appliance's role, epoch, peer and positions. */
import type { ReplicationRole } from "../contract/replication.ts";
import type { SqlConn } from "./repo.ts";

export interface ReplicationState {
  role: ReplicationRole;
  epoch: number;
  primaryUrl: string | null;
  peerId: string | null;
  peerKey: string | null;
  peerUrl: string | null;
  pairedAt: number | null;
  appliedPosition: number;
  appliedChangeAt: number | null;
  appliedAt: number | null;
  ackedPosition: number;
  ackedAt: number | null;
  bootstrappedAt: number | null;
  lastError: string | null;
}

interface Row {
  role: ReplicationRole;
  epoch: number;
  primary_url: string | null;
  peer_id: string | null;
  peer_key: string | null;
  peer_url: string | null;
  paired_at: number | null;
  applied_position: number;
  applied_change_at: number | null;
  applied_at: number | null;
  acked_position: number;
  acked_at: number | null;
  bootstrapped_at: number | null;
  last_error: string | null;
}

const n = (x: number | null) => (x === null ? null : Number(x));

export function readState(conn: SqlConn): ReplicationState {
  const r = conn.get<Row>("SELECT * FROM replication_state WHERE id = 1")!;
  return {
    role: r.role,
    epoch: Number(r.epoch),
    primaryUrl: r.primary_url,
    peerId: r.peer_id,
    peerKey: r.peer_key,
    peerUrl: r.peer_url,
    pairedAt: n(r.paired_at),
    appliedPosition: Number(r.applied_position),
    appliedChangeAt: n(r.applied_change_at),
    appliedAt: n(r.applied_at),
    ackedPosition: Number(r.acked_position),
    ackedAt: n(r.acked_at),
    bootstrappedAt: n(r.bootstrapped_at),
    lastError: r.last_error,
  };
}

const COLUMNS: Record<keyof ReplicationState, string> = {
  role: "role",
  epoch: "epoch",
  primaryUrl: "primary_url",
  peerId: "peer_id",
  peerKey: "peer_key",
  peerUrl: "peer_url",
  pairedAt: "paired_at",
  appliedPosition: "applied_position",
  appliedChangeAt: "applied_change_at",
  appliedAt: "applied_at",
  ackedPosition: "acked_position",
  ackedAt: "acked_at",
  bootstrappedAt: "bootstrapped_at",
  lastError: "last_error",
};

export function updateState(conn: SqlConn, patch: Partial<ReplicationState>, now: number): void {
  const keys = Object.keys(patch) as (keyof ReplicationState)[];
  if (keys.length === 0) return;
  conn.run(
    `UPDATE replication_state SET ${
      keys.map((k) => `${COLUMNS[k]} = ?`).join(", ")
    }, updated_at = ? WHERE id = 1`,
    [...keys.map((k) => patch[k] as string | number | null), now],
  );
}

/** The last position before `epoch` began, from this appliance's epoch history. */
export function epochStart(conn: SqlConn, epoch: number): number | null {
  const r = conn.get<{ p: number }>(
    "SELECT after_position AS p FROM replication_epochs WHERE epoch = ?",
    [epoch],
  );
  return r ? Number(r.p) : null;
}

export function recordEpoch(
  conn: SqlConn,
  e: { epoch: number; afterPosition: number; applianceId: string; now: number },
): void {
  conn.run(
    "INSERT INTO replication_epochs (epoch, after_position, started_at, appliance_id) " +
      "VALUES (?, ?, ?, ?) ON CONFLICT (epoch) DO NOTHING",
    [e.epoch, e.afterPosition, e.now, e.applianceId],
  );
}
