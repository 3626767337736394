/**
 * The write lease: what makes "never two primaries accepting writes" hold under a network split.
 *
 * The standby grants it: each time its own paired primary asks for its status (the fencing probe,
 * every two seconds) and it is a standby that is not promoting, it notes the time and says
 * `leaseGranted`. The primary holds it until LEASE_MS after it *sent* that probe, so its lease
 * always ends before the standby's promise does, whatever the network delay. A paired primary
 * whose lease ran out accepts no writes from outside (503 writes_paused); a standby promotes only
 * once LEASE_MS + PROMOTE_MARGIN_MS passed since its last grant, after a last catch-up pull. Both
 * sides measure on a monotonic clock (durations, not wall time), in memory: a standby counts its
 * start as a grant (it may have granted one just before a crash); a primary holds nothing until
 * its first answered probe.
 */
import { AppError } from "../errors.ts";

export const LEASE_MS = 6000;
/** After the last grant's lease ran out, the standby waits this much more before promoting. */
export const PROMOTE_MARGIN_MS = 1000;
/** The standby's final catch-up pull before it promotes is bounded by this. */
export const FINAL_PULL_MS = 1000;

export interface LeaseClock {
  /** Monotonic milliseconds (performance.now() in production). */
  mono(): number;
  leaseMs: number;
}

export const monotonic: LeaseClock = { mono: () => performance.now(), leaseMs: LEASE_MS };

/** The primary's side: until when it may accept writes. */
export function createLeaseHolder(clock: LeaseClock) {
  const startedAt = clock.mono();
  let until: number | null = null;
  let lastAnswerAt: number | null = null;
  return {
    /** The peer answered a probe sent at `sentAt` with a lease. */
    granted(sentAt: number) {
      until = Math.max(until ?? 0, sentAt + clock.leaseMs);
      lastAnswerAt = clock.mono();
    },
    /** Forgets the lease (detach, fencing). */
    clear() {
      until = null;
    },
    /** Milliseconds the lease still runs, or null when none is held. */
    remainingMs(): number | null {
      if (until === null) return null;
      const left = until - clock.mono();
      return left > 0 ? left : null;
    },
    held(): boolean {
      return until !== null && clock.mono() < until;
    },
    /** Milliseconds since the standby last granted a lease (or since the start). */
    silentMs(): number {
      return clock.mono() - (lastAnswerAt ?? startedAt);
    },
    everAnswered: () => lastAnswerAt !== null,
  };
}
export type LeaseHolder = ReturnType<typeof createLeaseHolder>;

/** The standby's side: when it last promised, and whether it stopped promising (promotion). */
export function createLeaseGrantor(clock: LeaseClock) {
  // It may have granted one just before a crash: the start counts as a grant.
  let lastGrantAt = clock.mono();
  let promoting = false;
  return {
    /** Called for a status request from its own paired primary at its epoch. */
    grant(): boolean {
      if (promoting) return false;
      lastGrantAt = clock.mono();
      return true;
    },
    /** From now on no lease is granted; resolves the wait in ms until promotion is safe. */
    stopGranting(): number {
      promoting = true;
      return this.promotableInMs();
    },
    resume() {
      promoting = false;
    },
    promoting: () => promoting,
    promotableInMs(): number {
      return Math.max(0, lastGrantAt + clock.leaseMs + PROMOTE_MARGIN_MS - clock.mono());
    },
  };
}
export type LeaseGrantor = ReturnType<typeof createLeaseGrantor>;

/** A paired primary without a lease answers every outside write with this. */
export class WritesPausedError extends AppError {
  constructor(silentMs: number, everAnswered: boolean) {
    const seconds = Math.max(1, Math.round(silentMs / 1000));
    super(
      503,
      "writes_paused",
      `Writes are paused: the standby has not answered ${
        everAnswered ? `for ${seconds} s` : "yet"
      }, so it may have been promoted. Agents keep their reports until then. An admin can continue without the standby.`,
      { retryAfterSeconds: 5 },
    );
  }
}
