/**
 * Synchronous mode: an agent's reports are acknowledged only once the standby acknowledged the
 * log position that covers them (it acknowledges N by asking for what follows N, after
 * applying), so a failover loses no acknowledged report. A standby that has not asked for 30 s
 * counts as gone and is not waited for (agents never stall behind a dead standby; the status
 * says so). One that is there but slow gets 5 s; then the agent hears 409 standby_unconfirmed,
 * keeps its reports and sends them again (they are stored once by id).
 */
import { AppError } from "../errors.ts";
import { lastPosition } from "./capture.ts";
import type { SqlConn } from "./repo.ts";
import { readState } from "./state.ts";

export const SYNC_WAIT_MS = 5000;
export const SYNC_PEER_GONE_MS = 30_000;

export async function waitForStandby(
  conn: SqlConn,
  o: { lastPeerContact: number; stop: AbortSignal },
): Promise<void> {
  const s = readState(conn);
  if (s.role !== "primary" || !s.peerKey) return;
  const target = lastPosition(conn);
  if (s.ackedPosition >= target) return;
  if (Date.now() - o.lastPeerContact > SYNC_PEER_GONE_MS) return;
  const deadline = Date.now() + SYNC_WAIT_MS;
  while (Date.now() < deadline && !o.stop.aborted) {
    await new Promise((r) => setTimeout(r, 5));
    if (readState(conn).ackedPosition >= target) return;
  }
  throw new AppError(
    409,
    "standby_unconfirmed",
    "The standby has not confirmed these reports yet; send them again",
  );
}
