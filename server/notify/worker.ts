/**
 * The delivery worker: takes due rows from the deliveries table and attempts each on its own,
 * with a time limit, at most a few at once per channel or device and a bound overall. A slow or
 * dead channel therefore fills only its own slots; every other channel goes on at once, and the
 * alert engine never waits (it only inserts rows and wakes the worker). Retries back off
 * 30 s, 2 min, 10 min, 1 h (or wait what a Retry-After asks); the fifth failure gives up, and
 * so does the first refusal that trying again cannot change (SendResult.permanent).
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { SendResult } from "./channels/http.ts";
import type { AttemptOutcome, DeliveryRecord, NotifyRepo } from "./repo.ts";

const BACKOFF_MS = [30_000, 120_000, 600_000, 3_600_000];
const MAX_ATTEMPTS = 5;

export interface WorkerOptions {
  repo: NotifyRepo;
  clock: Clock;
  /** Makes one attempt; must settle (the worker also stops waiting at the time limit). */
  attempt(d: DeliveryRecord, signal: AbortSignal): Promise<SendResult>;
  /** After each attempt, e.g. to mark or drop a push subscription. */
  afterAttempt?(d: DeliveryRecord, r: SendResult): Promise<void>;
  log?: Logger;
  timeoutMs?: number;
  perTarget?: number;
  maxInFlight?: number;
}

/** What an attempt's result makes of the delivery row. */
function outcomeOf(d: DeliveryRecord, r: SendResult, now: number): AttemptOutcome {
  const attempts = d.attempts + 1;
  if (r.ok) {
    return {
      state: "sent",
      attempts,
      nextAttemptAt: null,
      lastStatus: r.status,
      lastReason: null,
      sentAt: now,
    };
  }
  // A refusal that will not change (a wrong token, a redirect) gives up at once.
  const last = r.gone || r.permanent || d.event === "test" || attempts >= MAX_ATTEMPTS;
  const wait = r.retryAfterMs ?? BACKOFF_MS[Math.min(attempts - 1, BACKOFF_MS.length - 1)];
  return {
    state: last ? "gave_up" : "failed",
    attempts,
    nextAttemptAt: last ? null : now + wait,
    lastStatus: r.status,
    lastReason: r.reason,
    sentAt: null,
  };
}

/** Runs `work` with a time limit that holds even when `work` ignores its signal. */
async function withTimeout(
  work: (signal: AbortSignal) => Promise<SendResult>,
  ms: number,
): Promise<SendResult> {
  const ctl = new AbortController();
  const tooLate = `No answer within ${Math.round(ms / 1000)} s`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => {
      ctl.abort(new Error("time limit"));
      resolve({ ok: false, status: null, reason: tooLate });
    }, ms);
  });
  try {
    return await Promise.race([
      work(ctl.signal).catch((): SendResult => ({
        ok: false,
        status: null,
        // The error's own text may quote a URL or a body: only that it failed is kept.
        reason: ctl.signal.aborted ? tooLate : "Sending failed",
      })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function createDeliveryWorker(opts: WorkerOptions) {
  const { repo, clock } = opts;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const perTarget = opts.perTarget ?? 2;
  const maxInFlight = opts.maxInFlight ?? 32;
  const inFlight = new Map<string, Promise<void>>();
  const busy = new Map<string, number>();
  let scanning: Promise<void> | null = null;
  let rescan = false;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const targetOf = (d: DeliveryRecord) => d.channelId ?? d.subscriptionId ?? "";

  async function runOne(d: DeliveryRecord) {
    const r = await withTimeout((signal) => opts.attempt(d, signal), timeoutMs);
    await repo.recordAttempt(d.id, outcomeOf(d, r, clock.now()));
    await opts.afterAttempt?.(d, r);
  }

  function start(d: DeliveryRecord) {
    const target = targetOf(d);
    busy.set(target, (busy.get(target) ?? 0) + 1);
    const p = runOne(d)
      .catch((err) => opts.log?.warn("notification attempt not recorded", { id: d.id, error: err }))
      .finally(() => {
        inFlight.delete(d.id);
        const n = (busy.get(target) ?? 1) - 1;
        if (n > 0) busy.set(target, n);
        else busy.delete(target);
        wake();
      });
    inFlight.set(d.id, p);
  }

  async function scan() {
    do {
      rescan = false;
      const due = await repo.dueDeliveries(clock.now(), 500);
      for (const d of due) {
        if (inFlight.has(d.id) || inFlight.size >= maxInFlight) continue;
        if ((busy.get(targetOf(d)) ?? 0) >= perTarget) continue;
        start(d);
      }
    } while (rescan);
    await arm();
  }

  /** Sets the timer for the next retry that falls due (started workers only). */
  async function arm() {
    if (!started) return;
    const at = await repo.nextDueAt();
    clearTimeout(timer);
    timer = undefined;
    if (at === null) return;
    const delay = at - clock.now();
    // Due now but held back by a full slot: a finishing attempt wakes the worker.
    if (delay <= 0) return;
    timer = setTimeout(wake, Math.min(delay, 60_000));
  }

  function wake(): void {
    if (scanning) {
      rescan = true;
      return;
    }
    scanning = scan()
      .catch((err) => opts.log?.warn("notification queue scan failed", { error: err }))
      .finally(() => {
        scanning = null;
        if (rescan) wake();
      });
  }

  return {
    wake,
    /** Starts the timer-driven loop and picks up what a previous run left pending. */
    start() {
      started = true;
      wake();
    },
    async stop() {
      started = false;
      clearTimeout(timer);
      await scanning;
      // An attempt cut off here stays due in the table and is made again after the restart.
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight.values()]),
        new Promise((r) => (t = setTimeout(r, 2_000))),
      ]);
      clearTimeout(t);
    },
    /** Attempts everything due now and waits for it (tests and shutdown). */
    async drain() {
      for (;;) {
        wake();
        while (scanning) await scanning;
        if (inFlight.size > 0) {
          await Promise.race(inFlight.values());
          continue;
        }
        // Nothing in flight after a scan means nothing was due, unless a row came in since.
        if ((await repo.dueDeliveries(clock.now(), 1)).length === 0) return;
      }
    },
    runOne: (d: DeliveryRecord) => runOne(d),
  };
}
