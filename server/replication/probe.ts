/**
 * The primary's fencing probe: every two seconds it asks its paired peer for its signed status.
 * A peer that is primary at a higher epoch was promoted while this one was away or cut off: this
 * appliance fences itself at once (stops capture, guards its tables, refuses writes) and becomes
 * that primary's standby. A standby's answer carries the write lease (lease.ts): the primary
 * holds it until LEASE_MS after it sent the probe, and without it refuses writes from outside.
 */
import type { PeerStatus } from "../contract/replication.ts";
import type { Logger } from "../log.ts";
import type { PeerClient } from "./client.ts";
import type { LeaseHolder } from "./lease.ts";
import type { SqlConn } from "./repo.ts";
import { fence } from "./roles.ts";
import { sleep } from "./sleep.ts";
import { readState } from "./state.ts";
import type { ReplicationState } from "./state.ts";

export const PROBE_EVERY_MS = 2000;
/** A slow peer must not stretch anything: a probe not answered in this long failed. */
export const PROBE_TIMEOUT_MS = 2000;
export const PROBE_RETRY_MS = 250;

/** The peer's signed status says it was promoted past this appliance. */
export function peerWasPromoted(peer: PeerStatus, s: ReplicationState): boolean {
  return peer.applianceId === s.peerId && peer.role === "primary" && peer.epoch > s.epoch;
}

export interface ProbeDeps {
  conn: SqlConn;
  client: PeerClient;
  now: () => number;
  /** Monotonic ms (lease.ts). */
  mono: () => number;
  lease: LeaseHolder;
  log?: Logger;
  onFenced(): void;
}

/**
 * One probe: asks the peer for its status; fences this appliance when the peer was promoted past
 * it, takes the lease when the peer, a standby at this epoch, grants one. True when fenced.
 */
export async function probeOnce(deps: ProbeDeps, signal: AbortSignal): Promise<boolean> {
  const s = readState(deps.conn);
  if (s.role !== "primary" || !s.peerKey || !s.peerUrl) return false;
  const sentAt = deps.mono();
  const peer = await deps.client.status(
    AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
  );
  if (peerWasPromoted(peer, s)) {
    deps.lease.clear();
    fence(deps.conn, { primaryUrl: s.peerUrl, now: deps.now() });
    deps.onFenced();
    return true;
  }
  const now = readState(deps.conn);
  if (
    peer.leaseGranted === true && peer.applianceId === now.peerId && peer.role === "standby" &&
    peer.epoch === now.epoch && now.role === "primary"
  ) {
    deps.lease.granted(sentAt);
  }
  return false;
}

export function runProbeLoop(deps: ProbeDeps, signal: AbortSignal): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      if (readState(deps.conn).role !== "primary") return;
      const started = deps.mono();
      try {
        if (await probeOnce(deps, signal)) return;
      } catch (err) {
        deps.log?.debug("replication: the standby did not answer the probe", {
          error: (err as Error).message,
        });
      }
      // Every PROBE_EVERY_MS from start to start (a slow answer does not stretch the period);
      // a primary without the lease asks again sooner, so writes resume soon after the standby
      // is back (or has just paired).
      const every = deps.lease.held() ? PROBE_EVERY_MS : PROBE_RETRY_MS;
      await sleep(Math.max(50, every - (deps.mono() - started)), signal);
    }
  })();
}
