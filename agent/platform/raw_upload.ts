/**
 * A streamed HTTP/1.1 POST over a socket of our own, for large uploads (dump streams). Deno's
 * fetch sends a streamed body in pieces that stall on every write once the receiver's window is
 * full (measured on loopback: about 7 MB/s, against 180-340 MB/s for the same bytes written here
 * in 1 MiB frames with TCP_NODELAY). The body is pushed, not pulled: `write()` copies each chunk
 * into a reused chunked-encoding frame at once and only waits when a full frame cannot go to the
 * socket yet, so the receiver still sets the pace, the caller may reuse its buffer as soon as a
 * write settles, and a chunk costs no stream queue, promise chain or allocation of its own.
 * Deno only; the caller falls back to fetch elsewhere.
 *
 * When the body's length is known (a file's size) it is announced with Content-Length and sent
 * unframed. The appliance's HTTP server (Deno's) keeps the receiver's pace for such a body, but
 * reads a chunked body ahead of its reader without bound, and moves what it holds on every
 * read: a browser slower than the agent then made the appliance's memory grow and its CPU go to
 * copying (measured on loopback with a browser at 100 MB/s: 28 MB/s and +35 MB chunked, 108 MB/s
 * and flat memory with a length). A body that turns out longer or shorter than announced fails.
 */
const FRAME_BYTES = 1024 * 1024;

export interface RawResponse {
  status: number;
  text: string;
}

/** A request whose body is being written. */
export interface RawUpload {
  /** Copies `chunk` into the body; waits only while a full frame goes out. */
  write(chunk: Uint8Array): Promise<void>;
  /** Sends the rest and the body's end, then waits (bounded) for the answer. */
  end(): Promise<RawResponse>;
  /** The answer, whenever it comes: before `end()` it means the receiver stopped reading. */
  answer: Promise<RawResponse>;
  /** Closes the socket; pending and later writes fail. */
  abort(): void;
}

type DenoLike = typeof Deno;
const deno = () => (globalThis as { Deno?: DenoLike }).Deno;

export function canRawUpload(): boolean {
  return typeof deno()?.connect === "function";
}

/** Opens the request and sends its head; the body follows with `write()`. */
export async function openRawPost(
  url: string,
  o: { headers: Record<string, string>; signal: AbortSignal; length?: number },
): Promise<RawUpload> {
  const u = new URL(url);
  const d = deno()!;
  const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
  const hostname = u.hostname.replace(/^\[|\]$/g, "");
  const conn = u.protocol === "https:"
    ? await d.connectTls({ hostname, port })
    : await d.connect({ hostname, port });
  if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    o.signal.removeEventListener("abort", close);
    try {
      conn.close();
    } catch {
      // Closed already (the peer).
    }
  };
  o.signal.addEventListener("abort", close, { once: true });
  const answer = readResponse(conn);
  answer.catch(() => {/* read by whoever awaits it; an unread failure is not an error */});
  const send = async (b: Uint8Array) => {
    for (let at = 0; at < b.byteLength;) at += await conn.write(b.subarray(at));
  };
  const frames = createFramer(send, o.length);
  const head = [`POST ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`, "connection: close"];
  head.push(o.length === undefined ? "transfer-encoding: chunked" : `content-length: ${o.length}`);
  for (const [k, v] of Object.entries(o.headers)) head.push(`${k}: ${v}`);
  try {
    await send(new TextEncoder().encode(head.join("\r\n") + "\r\n\r\n"));
  } catch (err) {
    close();
    throw err;
  }
  return {
    answer,
    write: frames.write,
    async end() {
      try {
        try {
          await frames.flush();
          if (o.length === undefined) await send(new TextEncoder().encode("0\r\n\r\n"));
        } catch (err) {
          // The appliance may have answered (and closed) before the body ended: its answer wins.
          const early = await Promise.race([answer, new Promise((r) => setTimeout(r, 200))]);
          if (early) return early as RawResponse;
          throw err;
        }
        return await answerWithin(answer, ANSWER_MS);
      } finally {
        close();
      }
    },
    abort: close,
  };
}

/**
 * How long the appliance may take to answer once the whole body is sent. The answer only
 * confirms the byte count; an agent must never wait on it forever, or one lost answer would hold
 * up every job queued behind the download.
 */
const ANSWER_MS = 30_000;

function answerWithin(answer: Promise<RawResponse>, ms: number): Promise<RawResponse> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The appliance did not confirm the upload within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/**
 * Frames of up to FRAME_BYTES in two buffers, reused: one fills while the other is with the
 * socket, so the tool's pipe is still read while a frame goes out (a 64 KiB pipe otherwise
 * stops the tool for every send). A write waits only when both are busy, which keeps the
 * receiver's pace. A fresh 1 MiB buffer per frame would sit in V8's large-object space until a
 * full collection. Without `length` each frame is a chunk of chunked encoding; with it the bytes
 * go unframed and must add up to exactly `length`.
 */
function createFramer(send: (b: Uint8Array) => Promise<void>, length?: number) {
  const chunked = length === undefined;
  const HEAD = chunked ? 10 : 0;
  const TAIL = chunked ? 2 : 0;
  const buffers = [0, 1].map(() => new Uint8Array(HEAD + FRAME_BYTES + TAIL));
  let frame = buffers[0];
  let size = 0;
  let total = 0;
  let sending: Promise<void> | null = null;
  /** Hands the current frame to the socket and switches to the other buffer. */
  const ship = async () => {
    if (sending) await sending;
    sending = null;
    if (size === 0) return;
    let start = 0;
    if (chunked) {
      const head = new TextEncoder().encode(size.toString(16) + "\r\n");
      start = HEAD - head.byteLength;
      frame.set(head, start);
      frame[HEAD + size] = 13;
      frame[HEAD + size + 1] = 10;
    }
    sending = send(frame.subarray(start, HEAD + size + TAIL));
    // A failed send is seen by the next write or flush that waits for it.
    sending.catch(() => {});
    frame = frame === buffers[0] ? buffers[1] : buffers[0];
    size = 0;
  };
  return {
    /** Sends what is gathered and waits until the socket has taken all of it. */
    async flush() {
      if (!chunked && total !== length) {
        throw new Error(`The body had ${total} bytes, not the ${length} announced`);
      }
      await ship();
      if (sending) await sending;
      sending = null;
    },
    async write(chunk: Uint8Array) {
      total += chunk.byteLength;
      if (!chunked && total > length!) {
        throw new Error(`The body is longer than the ${length} bytes announced`);
      }
      for (let at = 0; at < chunk.byteLength;) {
        const take = Math.min(FRAME_BYTES - size, chunk.byteLength - at);
        frame.set(chunk.subarray(at, at + take), HEAD + size);
        size += take;
        at += take;
        if (size === FRAME_BYTES) await ship();
      }
    },
  };
}

async function readResponse(conn: Deno.Conn): Promise<RawResponse> {
  const chunks: Uint8Array[] = [];
  try {
    // Until the answer is whole: the server may keep the socket open after it.
    for (;;) {
      const buf = new Uint8Array(16 * 1024);
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.subarray(0, n));
      if (isComplete(concat(chunks))) break;
    }
  } catch {
    // A reset after the answer arrived: parse what came.
  }
  const all = concat(chunks);
  const split = indexOfCrlf2(all);
  const head = new TextDecoder().decode(all.subarray(0, Math.max(0, split)));
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m || split < 0) throw new Error("The appliance closed the upload without an answer");
  let body = all.subarray(split + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) body = dechunk(body);
  return { status: Number(m[1]), text: new TextDecoder().decode(body) };
}

function isComplete(all: Uint8Array): boolean {
  const split = indexOfCrlf2(all);
  if (split < 0) return false;
  const head = new TextDecoder().decode(all.subarray(0, split));
  const body = all.subarray(split + 4);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return body.byteLength >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const tail = new TextDecoder().decode(body.subarray(Math.max(0, body.byteLength - 7)));
    return /(^|\r\n)0\r\n\r\n$/.test(tail);
  }
  return false;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.byteLength;
  return out;
}

function indexOfCrlf2(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.byteLength; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

function dechunk(b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    let eol = at;
    while (eol + 1 < b.byteLength && !(b[eol] === 13 && b[eol + 1] === 10)) eol++;
    const n = parseInt(new TextDecoder().decode(b.subarray(at, eol)), 16);
    if (!(n > 0)) break;
    parts.push(b.subarray(eol + 2, eol + 2 + n));
    at = eol + 2 + n + 2;
  }
  return concat(parts);
}
