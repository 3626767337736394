import assert from "node:assert/strict";
import { startServerProcess } from "./helpers/server_process.ts";

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`the appliance boots under ${runtime}, answers /healthz and stops cleanly on SIGTERM`, async () => {
    const srv = await startServerProcess({ runtime });
    try {
      const res = await fetch(`${srv.url}/healthz`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.deepEqual(Object.keys(body).sort(), ["role", "status", "version"]);
      assert.equal(body.status, "ok");
      assert.equal(body.role, "primary");
      assert.equal(await srv.stop(), 0);
      assert.ok(srv.lines.some((l) => l.includes('"Cairn stopped"')), "the shutdown was logged");
    } finally {
      await srv.kill();
      await srv.cleanup();
    }
  });
}

const GARBAGE = [
  "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
  "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
  "GET /\u0000 HTTP/1.1\r\n\r\n",
  "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003",
  `GET /${"a".repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(100_000)}\r\n\r\n`,
  "NOTAMETHOD /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
  'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":',
];

async function sendRaw(port: number, payload: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(payload));
    const buf = new Uint8Array(4096);
    const timer = setTimeout(() => conn.close(), 1500);
    const n = await conn.read(buf).catch(() => null);
    clearTimeout(timer);
    return n ? new TextDecoder().decode(buf.subarray(0, n)) : "";
  } finally {
    try {
      conn.close();
    } catch {
      // already closed by the timer or the server
    }
  }
}

for (const runtime of ["deno", "node"] as const) {
  Deno.test(`malformed HTTP at the socket never takes the ${runtime} server down or gets a 500`, async () => {
    const srv = await startServerProcess({ runtime });
    try {
      for (const payload of GARBAGE) {
        const reply = await sendRaw(srv.port, payload);
        assert.doesNotMatch(
          reply,
          /^HTTP\/1\.[01] 5\d\d/,
          `no 5xx for ${JSON.stringify(payload.slice(0, 40))}`,
        );
      }
      const res = await fetch(`${srv.url}/healthz`);
      assert.equal(res.status, 200, "still serving");
      await res.body?.cancel();
      const errors = srv.lines.filter((l) => l.includes('"level":"error"'));
      assert.deepEqual(errors, [], "nothing logged as an unhandled error");
    } finally {
      await srv.stop();
      await srv.cleanup();
    }
  });
}
