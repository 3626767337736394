/**
 * Retry delays: exponential, capped, with jitter (half fixed, half random), so a fleet that lost
 * its appliance does not come back in one synchronised wave.
 */
export interface Backoff {
  /** The next delay in ms; each call doubles the ceiling up to the cap. */
  next(): number;
  reset(): void;
}

export function createBackoff(
  opts: { baseMs: number; maxMs: number; random?: () => number },
): Backoff {
  const random = opts.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
      attempt++;
      return Math.round(ceiling / 2 + random() * ceiling / 2);
    },
    reset() {
      attempt = 0;
    },
  };
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
