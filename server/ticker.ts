/**
 * Work that runs one piece at a time, and a timer that feeds it: the alert engine and the drill
 * scheduler each judge or start things on a tick, and between ticks on events, and neither may
 * run two of its evaluations at once.
 */

export interface Serial {
  /** Runs `fn` after everything queued before it has ended. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Resolves once everything queued so far has ended. */
  idle(): Promise<unknown>;
}

export function createSerial(): Serial {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    run(fn) {
      const p = chain.then(fn);
      chain = p.catch(() => undefined);
      return p;
    },
    idle: () => chain,
  };
}

/**
 * Runs `tick` through `serial` at start and then every `ms` until stop(); a tick still waiting
 * or running is not queued twice. stop() waits for the work under way.
 */
export function createTicker(o: {
  serial: Serial;
  tick: () => Promise<unknown>;
  onError(err: unknown, first: boolean): void;
}) {
  let timer: ReturnType<typeof setInterval> | null = null;
  let queued = false;
  const once = (first: boolean) => {
    if (queued) return;
    queued = true;
    o.serial.run(o.tick).catch((err) => o.onError(err, first)).finally(() => (queued = false));
  };
  return {
    start(ms: number) {
      if (timer) return;
      timer = setInterval(() => once(false), ms);
      once(true);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await o.serial.idle();
    },
  };
}
