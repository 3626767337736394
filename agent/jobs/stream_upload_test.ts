import assert from "node:assert/strict";
import { createStreamUploader, UploadRefusedError } from "./stream_upload.ts";

/** A real HTTP server on 127.0.0.1 standing in for the appliance's stream route. */
function appliance(answer: "count" | "refuse") {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (answer === "refuse") {
      await req.body?.cancel();
      const error = { code: "stream_not_waiting", message: "Nobody waits for this stream" };
      return Response.json({ error }, { status: 409 });
    }
    let bytes = 0;
    let wrong = 0;
    for await (const c of req.body!) for (const b of c) if (b !== bytes++ % 7) wrong++;
    const heads = req.headers.get("x-cairn-file-size") === "500000" &&
      req.headers.get("authorization") === "Bearer tok-1" &&
      new URL(req.url).pathname === "/api/agent/v1/streams/str_1";
    if (wrong || !heads) {
      const error = { code: "invalid_input", message: `${wrong} bytes wrong, heads ${heads}` };
      return Response.json({ error }, { status: 400 });
    }
    return Response.json({ bytes });
  });
}

for (const raw of [true, false]) {
  const via = raw ? "its own socket" : "fetch";
  Deno.test(`an upload over ${via} carries reused chunks whole, with size and token`, async () => {
    const srv = appliance("count");
    try {
      const uploader = createStreamUploader({
        baseUrl: `http://127.0.0.1:${srv.addr.port}/`,
        fetch: globalThis.fetch,
        token: () => Promise.resolve("tok-1"),
        raw,
      });
      const up = uploader.open("str_1", { size: 500_000, signal: new AbortController().signal });
      const buf = new Uint8Array(50_000);
      for (let sent = 0; sent < 500_000; sent += buf.byteLength) {
        for (let i = 0; i < buf.byteLength; i++) buf[i] = (sent + i) % 7;
        await up.write(buf);
      }
      assert.deepEqual(await up.end(), { bytes: 500_000 });
      assert.deepEqual(await up.answer, { bytes: 500_000 });
    } finally {
      await srv.shutdown();
    }
  });

  Deno.test(`a refused upload over ${via} says why`, async () => {
    const srv = appliance("refuse");
    try {
      const uploader = createStreamUploader({
        baseUrl: `http://127.0.0.1:${srv.addr.port}`,
        fetch: globalThis.fetch,
        token: () => Promise.resolve("tok-1"),
        raw,
      });
      const up = uploader.open("str_2", { signal: new AbortController().signal });
      await up.write(new Uint8Array(10));
      const err = await up.end().then(() => null, (e) => e);
      assert.ok(err instanceof UploadRefusedError);
      assert.equal(err.code, "stream_not_waiting");
      up.abort();
    } finally {
      await srv.shutdown();
    }
  });
}
