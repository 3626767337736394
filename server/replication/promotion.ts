/**
 * The standby's way to promotion under the write lease (lease.ts): from the moment promotion is
 * asked for it grants no more leases; it keeps tailing its primary until the last lease it granted
 * ran out (plus a margin), so the old primary has stopped accepting writes; then it pulls once
 * more, bounded, and promotes. A planned switchover with both boxes up loses nothing, and one
 * with the primary cut off cannot leave two primaries accepting writes.
 */
import type { Logger } from "../log.ts";
import type { Applier } from "./apply.ts";
import type { PeerClient } from "./client.ts";
import { FINAL_PULL_MS } from "./lease.ts";
import type { LeaseGrantor } from "./lease.ts";
import type { SqlConn } from "./repo.ts";
import { sleep } from "./sleep.ts";
import { readState } from "./state.ts";

export interface PromotionDeps {
  conn: SqlConn;
  client: PeerClient;
  applier: Applier;
  grantor: LeaseGrantor;
  mono: () => number;
  now: () => number;
  log?: Logger;
  /** Ends the standby loop (and resolves once it ended). */
  stopTailing(): Promise<void>;
}

/** What the primary still holds past this standby's position, pulled for at most FINAL_PULL_MS. */
export async function finalPull(deps: PromotionDeps): Promise<number> {
  const until = deps.mono() + FINAL_PULL_MS;
  let pulled = 0;
  try {
    while (deps.mono() < until) {
      const s = readState(deps.conn);
      const left = Math.max(1, Math.round(until - deps.mono()));
      const batch = await deps.client.changes(s.appliedPosition, {
        waitMs: 0,
        signal: AbortSignal.timeout(left),
      });
      if (batch.entries.length > 0 || batch.epoch !== s.epoch) {
        deps.applier.apply(batch, deps.now());
        pulled += batch.entries.length;
      }
      if (batch.entries.length === 0 || batch.last >= batch.head) break;
    }
  } catch (err) {
    // A primary that is gone or cut off has nothing more to give: promote with what is here.
    deps.log?.info("replication: the final pull before promotion ended", {
      error: (err as Error).message,
    });
  }
  return pulled;
}

/**
 * Waits until no lease this standby granted can still be running, then stops tailing and pulls
 * the rest. The caller promotes right after; on a throw it resumes granting and tailing.
 */
export async function awaitPromotable(deps: PromotionDeps, signal: AbortSignal): Promise<void> {
  const waitMs = deps.grantor.stopGranting();
  if (waitMs > 0) {
    deps.log?.info("replication: waiting for the primary's lease to end before promoting", {
      ms: Math.round(waitMs),
    });
    await sleep(waitMs, signal);
  }
  if (signal.aborted) throw new Error("The appliance is stopping");
  await deps.stopTailing();
  const pulled = await finalPull(deps);
  deps.log?.info("replication: final pull before promotion", { entries: pulled });
}
