/**
 * Synchronous mode: an agent's reports are acknowledged only once the standby acknowledged the
 * log position that covers them (it acknowledges N by asking for what follows N, after
 * applying), so a failover loses no acknowledged report. There is no "standby gone" case: a
 * paired primary either holds the standby's write lease (lease.ts) or refuses the write before
 * it gets here. A standby that is there but slow gets 5 s; then the agent hears 409
 * standby_unconfirmed, keeps its reports and sends them again (they are stored once by id).
 */
import { AppError } from "../errors.ts";
import { lastPosition } from "./capture.ts";
import type { SqlConn } from "./repo.ts";
import { readState } from "./state.ts";

export const SYNC_WAIT_MS = 5000;

export async function waitForStandby(
  conn: SqlConn,
  o: { stop: AbortSignal },
): Promise<void> {
  const s = readState(conn);
  if (s.role !== "primary" || !s.peerKey) return;
  const target = lastPosition(conn);
  if (s.ackedPosition >= target) return;
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
