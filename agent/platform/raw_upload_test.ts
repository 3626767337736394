import assert from "node:assert/strict";
import { openRawPost } from "./raw_upload.ts";

/** A real HTTP server on 127.0.0.1 that counts the body (and checks it) or refuses at once. */
function server(mode: "count" | "refuse") {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (mode === "refuse") {
      return Response.json({ error: { code: "stream_gone", message: "gone" } }, { status: 409 });
    }
    let bytes = 0;
    let wrong = 0;
    for await (const c of req.body!) {
      for (const b of c) if (b !== (bytes++ % 251)) wrong++;
    }
    return Response.json({
      bytes,
      wrong,
      type: req.headers.get("content-type"),
      length: req.headers.get("content-length"),
    });
  });
}

Deno.test("a pushed body arrives whole, in order, from a buffer the caller reuses", async () => {
  const srv = server("count");
  try {
    const up = await openRawPost(`http://127.0.0.1:${srv.addr.port}/up`, {
      headers: { "content-type": "application/octet-stream" },
      signal: new AbortController().signal,
    });
    // One buffer, refilled after every write: the frame must have copied it by then.
    const buf = new Uint8Array(100_003);
    let at = 0;
    const total = 3 * 1024 * 1024 + 17;
    while (at < total) {
      const n = Math.min(buf.byteLength, total - at);
      for (let i = 0; i < n; i++) buf[i] = (at + i) % 251;
      await up.write(buf.subarray(0, n));
      at += n;
    }
    const res = await up.end();
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), {
      bytes: total,
      wrong: 0,
      type: "application/octet-stream",
      length: null,
    });
  } finally {
    await srv.shutdown();
  }
});

Deno.test("an early answer is seen, and a later abort of the closed socket throws nothing", async () => {
  const srv = server("refuse");
  try {
    const ac = new AbortController();
    const up = await openRawPost(`http://127.0.0.1:${srv.addr.port}/up`, {
      headers: {},
      signal: ac.signal,
    });
    const answer = await up.answer;
    assert.equal(answer.status, 409);
    const res = await up.end();
    assert.equal(res.status, 409);
    // The job being cancelled now must not take the agent down (an abort listener that throws
    // is an uncaught error).
    ac.abort();
    up.abort();
  } finally {
    await srv.shutdown();
  }
});

/** Writes `total` bytes of the counting pattern through `up`, 100,003 at a time. */
async function writePattern(up: Awaited<ReturnType<typeof openRawPost>>, total: number) {
  const buf = new Uint8Array(100_003);
  for (let at = 0; at < total;) {
    const n = Math.min(buf.byteLength, total - at);
    for (let i = 0; i < n; i++) buf[i] = (at + i) % 251;
    await up.write(buf.subarray(0, n));
    at += n;
  }
}

Deno.test("a body of known length goes with Content-Length, unframed, and must be that long", async () => {
  const srv = server("count");
  try {
    const url = `http://127.0.0.1:${srv.addr.port}/up`;
    const total = 2 * 1024 * 1024 + 5;
    const open = (length: number) =>
      openRawPost(url, { headers: {}, signal: new AbortController().signal, length });
    const up = await open(total);
    await writePattern(up, total);
    const res = await up.end();
    assert.deepEqual(JSON.parse(res.text), {
      bytes: total,
      wrong: 0,
      type: null,
      length: String(total),
    });

    const long = await open(total - 1);
    await assert.rejects(writePattern(long, total), /longer than the 2097156 bytes announced/);
    long.abort();
    const short = await open(total + 1);
    await writePattern(short, total);
    await assert.rejects(short.end(), /had 2097157 bytes, not the 2097158 announced/);
  } finally {
    await srv.shutdown();
  }
});
