/**
 * The stream broker: a browser's download waits under a stream id; the agent's upload for that
 * id arrives on another request, and the broker hands its body to the waiting response. The
 * body is relayed chunk by chunk, pulled only when the browser's side asks for more, so a slow
 * browser slows the agent's upload (TCP backpressure both ways) and nothing is buffered whole.
 * The browser going away cancels the agent's body, and the waiter is told so it can cancel the
 * job.
 */
import { ConflictError } from "../errors.ts";

export interface StreamArrival {
  /** What the browser's response reads. */
  stream: ReadableStream<Uint8Array>;
  /** The size the agent announced, when it knew it. */
  size: number | null;
}

export interface RelayEnd {
  bytes: number;
  /** How many pieces the agent's body came in (the appliance's log says it: a sign of health). */
  chunks: number;
  /** false: the browser went away or the agent's body broke before its end. */
  complete: boolean;
}

export interface StreamWaiter {
  arrived: Promise<StreamArrival>;
  /** Gives up waiting (a timeout or a failed job): a later upload gets a 409. */
  abandon(reason: Error): void;
}

interface Waiting {
  hostId: string;
  resolve(a: { body: ReadableStream<Uint8Array>; size: number | null }): void;
  reject(e: Error): void;
  onCancel: () => void;
  relayEnd?: Promise<RelayEnd>;
}

export function createStreamBroker() {
  const waiting = new Map<string, Waiting>();

  function expect(
    streamId: string,
    o: { hostId: string; onBrowserGone: () => void },
  ): StreamWaiter {
    let w!: Waiting;
    const arrived = new Promise<StreamArrival>((resolve, reject) => {
      w = {
        hostId: o.hostId,
        onCancel: o.onBrowserGone,
        reject,
        resolve: ({ body, size }) => {
          const relay = relayOf(body, { size, onCancel: o.onBrowserGone });
          w.relayEnd = relay.end;
          resolve({ stream: relay.stream, size });
        },
      };
    });
    waiting.set(streamId, w);
    return {
      arrived,
      abandon(reason) {
        if (waiting.get(streamId) === w) waiting.delete(streamId);
        w.reject(reason);
      },
    };
  }

  /**
   * Hands an agent's body to the browser waiting under `streamId`; resolves when the relay ends.
   * Refused (409) when nobody waits or the stream is another host's.
   */
  function deliver(
    streamId: string,
    o: { hostId: string; body: ReadableStream<Uint8Array>; size: number | null },
  ): Promise<RelayEnd> {
    const w = waiting.get(streamId);
    if (!w || w.hostId !== o.hostId) {
      throw new ConflictError("Nobody waits for this stream", "stream_not_waiting");
    }
    waiting.delete(streamId);
    w.resolve({ body: o.body, size: o.size });
    return w.relayEnd!;
  }

  return { expect, deliver, waiting: () => waiting.size };
}

export type StreamBroker = ReturnType<typeof createStreamBroker>;

/**
 * A pull-through copy of `body` that reports its end and the browser's cancel. A client that
 * closes as soon as it has the announced size (curl does, with a Content-Length) cancels before
 * the body's end is read: that download is whole, so the job is not cancelled, and the rest of
 * the agent's body (its chunked ending) is still read so its upload ends ok.
 */
function relayOf(
  body: ReadableStream<Uint8Array>,
  o: { size: number | null; onCancel: () => void },
) {
  const reader = body.getReader();
  let bytes = 0;
  let chunks = 0;
  let settle!: (e: RelayEnd) => void;
  const end = new Promise<RelayEnd>((r) => (settle = r));
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        settle({ bytes, chunks, complete: false });
        ctrl.error(err);
        return;
      }
      if (r.done) {
        settle({ bytes, chunks, complete: true });
        ctrl.close();
        return;
      }
      bytes += r.value.byteLength;
      chunks++;
      ctrl.enqueue(r.value);
    },
    async cancel() {
      if (o.size !== null && bytes === o.size) {
        settle({ bytes, chunks, complete: await drainedEnd(reader) });
        return;
      }
      settle({ bytes, chunks, complete: false });
      o.onCancel();
      await reader.cancel().catch(() => {/* the agent's body may be broken already */});
    },
  }, { highWaterMark: 0 });
  return { stream, end };
}

/** Reads what is left of a body that should have nothing left; true when it ended so. */
async function drainedEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  try {
    const r = await reader.read();
    if (r.done) return true;
  } catch {
    return false;
  }
  await reader.cancel().catch(() => {/* broken already */});
  return false;
}
