/**
 * Long-poll parking: a poll with nothing to deliver waits here on a promise until a command is
 * queued for its host, the host is revoked, the appliance stops, or the wait runs out. One
 * timer per parked request and nothing else runs, so a thousand idle agents cost no CPU.
 */

export type WaitOutcome = "woken" | "timeout" | "closed";

export interface Waiters {
  wait(hostId: string, ms: number): Promise<WaitOutcome>;
  wake(hostId: string): void;
  /** Releases every parked poll (shutdown), and every later one at once. */
  closeAll(): void;
  count(): number;
}

export function createWaiters(): Waiters {
  const parked = new Map<string, Set<(o: WaitOutcome) => void>>();
  let closed = false;
  let total = 0;
  return {
    wait(hostId, ms) {
      if (closed) return Promise.resolve("closed");
      return new Promise<WaitOutcome>((resolve) => {
        let set = parked.get(hostId);
        if (!set) parked.set(hostId, set = new Set());
        const done = (o: WaitOutcome) => {
          clearTimeout(timer);
          if (set!.delete(done)) total--;
          if (set!.size === 0 && parked.get(hostId) === set) parked.delete(hostId);
          resolve(o);
        };
        const timer = setTimeout(() => done("timeout"), ms);
        set.add(done);
        total++;
      });
    },
    wake(hostId) {
      for (const done of [...(parked.get(hostId) ?? [])]) done("woken");
    },
    closeAll() {
      closed = true;
      for (const set of [...parked.values()]) for (const done of [...set]) done("closed");
    },
    count: () => total,
  };
}
