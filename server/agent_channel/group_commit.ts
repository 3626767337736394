/**
 * Group commit: every transaction on the appliance ends in an fsync (synchronous=FULL), and an
 * fsync costs milliseconds whatever it carries. Work submitted while a commit is running waits
 * for the next one and goes in together, so hundreds of agents posting at once cost a few
 * fsyncs a second instead of hundreds. When a group fails, each item is retried on its own, so
 * one bad batch cannot fail its neighbours.
 */

export interface GroupCommitter<T, R> {
  submit(item: T): Promise<R>;
}

export function createGroupCommitter<T, R>(
  flush: (items: T[]) => Promise<R[]>,
  opts: { maxItems?: number; lingerMs?: number } = {},
): GroupCommitter<T, R> {
  const maxItems = opts.maxItems ?? 256;
  const lingerMs = opts.lingerMs ?? 0;
  let queue: Array<{ item: T; resolve(r: R): void; reject(e: unknown): void }> = [];
  let running = false;

  async function drain() {
    while (queue.length > 0) {
      const group = queue.slice(0, maxItems);
      queue = queue.slice(group.length);
      try {
        const results = await flush(group.map((g) => g.item));
        group.forEach((g, i) => g.resolve(results[i]));
      } catch (err) {
        if (group.length === 1) {
          group[0].reject(err);
          continue;
        }
        for (const g of group) {
          await flush([g.item]).then((r) => g.resolve(r[0]), g.reject);
        }
      }
    }
    running = false;
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (running) return;
        running = true;
        // One turn of the event loop first: requests that arrived during the last commit (the
        // driver is synchronous, so they wait for it) reach this queue and share the next one.
        setTimeout(() => void drain(), lingerMs);
      });
    },
  };
}
