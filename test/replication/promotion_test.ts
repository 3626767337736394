/**
 * Promotion and fencing with real processes: the standby is promoted while the primary is down
 * (which had written past what the standby saw); the old primary comes back, sees the higher
 * epoch before it accepts a write, becomes a standby of the new primary and bootstraps again,
 * after which both hold the same content.
 */
import assert from "node:assert/strict";
import { signIn } from "../agents/procs.ts";
import {
  caughtUp,
  checksums,
  loopbackListen,
  openWriter,
  pairingCode,
  startPrimary,
  startStandby,
  status,
  waitFor,
  writeRows,
} from "./rig.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import type { ServerProcess } from "../helpers/server_process.ts";

Deno.test("promotion, then the old primary is fenced and follows the new one", async () => {
  const aListen = loopbackListen();
  const bListen = loopbackListen();
  const primary = await startPrimary({ listen: aListen });
  let a: ServerProcess = primary;
  let b = await startStandby(primary.url, { code: await pairingCode(primary), listen: bListen });
  const aDir = a.dataDir;
  const bDir = b.dataDir;
  try {
    let w = openWriter(a);
    writeRows(w, 20, "p");
    await caughtUp(a, b);
    // The standby goes away; the primary writes on (these rows never reach it).
    await b.kill();
    writeRows(w, 7, "lost");
    w.close();
    await a.stop();
    b = await startStandby(a.url, { dataDir: bDir, listen: bListen });
    const adminB = await signIn(b.url);

    const wrong = await adminB.json("POST", "/api/replication/promote", { confirm: "yes" });
    assert.equal(wrong.status, 400);
    assert.equal((await status(b)).role, "standby");

    const started = performance.now();
    const promoted = await adminB.json<{ role: string; epoch: number }>(
      "POST",
      "/api/replication/promote",
      { confirm: "promote" },
    );
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body.role, "primary");
    assert.equal(promoted.body.epoch, 2);
    const firstWrite = await adminB.json("POST", "/api/users", {
      username: "after-promotion",
      password: "a long enough password",
      role: "viewer",
    });
    assert.equal(firstWrite.status, 201);
    console.log(
      `promotion to first accepted write: ${(performance.now() - started).toFixed(0)} ms`,
    );
    const health = await (await fetch(`${b.url}/healthz`)).json();
    assert.equal(health.role, "primary");
    w = openWriter(b);
    writeRows(w, 10, "n");
    w.close();

    // The old primary returns with its diverged log: fenced before it serves a write.
    a = await startServerProcess({ dataDir: aDir, listen: aListen });
    const adminA = await signIn(a.url);
    const refused = await adminA.json<{ error: { code: string; message: string } }>(
      "POST",
      "/api/users",
      { username: "split-brain", password: "a long enough password", role: "viewer" },
    );
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "standby_read_only");
    assert.match(refused.body.error.message, new RegExp(b.url.replace(/[.]/g, "\\.")));
    await waitFor("the old primary bootstrapped from the new one", async () => {
      const s = await status({ url: a.url, admin: adminA });
      return s.role === "standby" && s.epoch === 2 && s.lastError === null && s.state === "ok";
    });
    w = openWriter(b);
    writeRows(w, 5, "m");
    w.close();
    await caughtUp(b, a);
    const sumsA = checksums(a);
    assert.deepEqual(sumsA, checksums(b));
    assert.ok(a.lines.some((l) => l.includes("bootstrapped from the primary")));
    // The rows only the old primary had are gone; the new primary's are there.
    assert.equal(sumsA.hosts.rows, 20 + 10 + 5);
  } finally {
    await a.stop();
    await b.stop();
    await a.cleanup();
    await b.cleanup();
  }
});
