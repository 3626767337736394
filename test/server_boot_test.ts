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
