/**
 * Reading a child's output: text split into lines as it arrives, byte pumps with
 * backpressure, and the bounded drain after exit (a helper the tool left behind, such as ssh,
 * may hold a pipe open). Used by the process seam under both runtimes.
 */

/** Lines longer than this are cut (a runaway tool must not exhaust memory). */
export const MAX_LINE_CHARS = 32 * 1024 * 1024;
/**
 * How long output is still read after the process exited. A helper the tool started (ssh)
 * can keep the pipe open after the tool is gone; its late output is not worth a hang.
 */
export const DRAIN_GRACE_MS = 2000;

/**
 * Splits decoded text into lines; "\r\n" and a lone trailing "\r" end a line too. Keeps the
 * unfinished rest until more text or `end()` arrives.
 */
export function createLineSplitter(onLine: (line: string) => void): {
  push(text: string): void;
  end(): void;
} {
  let rest = "";
  const emit = (line: string) => onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  return {
    push(text) {
      const parts = (rest + text).split("\n");
      rest = parts.pop() ?? "";
      if (rest.length > MAX_LINE_CHARS) {
        emit(rest.slice(0, MAX_LINE_CHARS));
        rest = "";
      }
      for (const line of parts) emit(line);
    },
    end() {
      if (rest) emit(rest);
      rest = "";
    },
  };
}

export interface Pump {
  done: Promise<void>;
  /** Stops reading (the tool exited but a helper it left behind still holds the pipe). */
  stop(): void;
}

export function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Pump {
  const reader = stream.getReader();
  const done = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      await onChunk(value);
    }
  })();
  return {
    done,
    stop: () =>
      void reader.cancel().catch(() => {
        // Cancelling an already closed or errored stream has nothing left to release.
      }),
  };
}

export function lineSink(onLine: (line: string) => void) {
  const splitter = createLineSplitter(onLine);
  const decoder = new TextDecoder();
  return {
    chunk: (chunk: Uint8Array) => splitter.push(decoder.decode(chunk, { stream: true })),
    end: () => {
      splitter.push(decoder.decode());
      splitter.end();
    },
  };
}

/** Waits for the pumps, but stops them DRAIN_GRACE_MS after the process itself exited. */
export async function drain(exit: Promise<unknown>, pumps: Pump[]): Promise<void> {
  await exit;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      for (const p of pumps) p.stop();
      resolve();
    }, DRAIN_GRACE_MS);
  });
  await Promise.race([Promise.all(pumps.map((p) => p.done)), grace]).finally(() =>
    clearTimeout(timer)
  );
  await Promise.all(pumps.map((p) => p.done));
}
