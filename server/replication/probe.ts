/**
 * The primary's fencing probe: every two seconds it asks its paired peer for its signed status.
 * A peer that is primary at a higher epoch was promoted while this one was away or cut off: this
 * appliance fences itself at once (stops capture, guards its tables, refuses writes) and becomes
 * that primary's standby. An unreachable peer changes nothing: a primary whose standby is gone
 * keeps serving (docs/replication.md says what that means for a network split).
 */
import type { PeerStatus } from "../contract/replication.ts";
import type { Logger } from "../log.ts";
import type { PeerClient } from "./client.ts";
import type { SqlConn } from "./repo.ts";
import { fence } from "./roles.ts";
import { sleep } from "./sleep.ts";
import { readState } from "./state.ts";
import type { ReplicationState } from "./state.ts";

export const PROBE_EVERY_MS = 2000;

/** The peer's signed status says it was promoted past this appliance. */
export function peerWasPromoted(peer: PeerStatus, s: ReplicationState): boolean {
  return peer.applianceId === s.peerId && peer.role === "primary" && peer.epoch > s.epoch;
}

export function runProbeLoop(
  deps: { conn: SqlConn; client: PeerClient; now: () => number; log?: Logger; onFenced(): void },
  signal: AbortSignal,
): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      const s = readState(deps.conn);
      if (s.role !== "primary") return;
      if (s.peerKey && s.peerUrl) {
        try {
          const peer = await deps.client.status(
            AbortSignal.any([signal, AbortSignal.timeout(5000)]),
          );
          if (peerWasPromoted(peer, s)) {
            fence(deps.conn, { primaryUrl: s.peerUrl, now: deps.now() });
            deps.onFenced();
            return;
          }
        } catch (err) {
          deps.log?.debug("replication: the standby did not answer the probe", {
            error: (err as Error).message,
          });
        }
      }
      await sleep(PROBE_EVERY_MS, signal);
    }
  })();
}
