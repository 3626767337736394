/**
 * The replication loops' pause: resolves after ms, or at once when the signal aborts. The
 * listener goes when the timer fires, so a loop that pauses every few seconds for days on one
 * signal does not pile listeners onto it.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
