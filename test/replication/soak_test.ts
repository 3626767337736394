/**
 * kill -9 soak: under a steady write load (API writes and rows in every table), either
 * appliance is killed at a random point and started again, many times; after catch-up both
 * hold identical content, table by table.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../helpers/server_process.ts";
import type { ServerProcess } from "../helpers/server_process.ts";
import { signIn } from "../agents/procs.ts";
import type { Admin } from "../agents/procs.ts";
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

const ROUNDS = Number(Deno.env.get("CAIRN_SOAK_ROUNDS") ?? "8");

Deno.test(`kill -9 of either appliance, ${ROUNDS} times under load: identical after catch-up`, async () => {
  const aListen = loopbackListen();
  const bListen = loopbackListen();
  const primary = await startPrimary({ listen: aListen });
  let a: ServerProcess = primary;
  let admin: Admin | null = primary.admin;
  let b = await startStandby(a.url, { code: await pairingCode(primary), listen: bListen });
  const aDir = a.dataDir;
  const bDir = b.dataDir;
  let aUp = true;
  let stop = false;
  let apiWrites = 0;
  let apiFailures = 0;
  let apiPaused = 0;
  const writer = openWriter(a);
  const load = (async () => {
    let i = 0;
    while (!stop) {
      i++;
      if (aUp && admin) {
        // Through the appliance: cut off at random by its kill.
        const r = await admin.json("POST", "/api/tokens", { name: `t${i}`, role: "viewer" })
          .catch(() => null);
        if (r?.status === 201) apiWrites++;
        // A primary without its standby's lease (just restarted, or the standby down for the
        // lease's length) pauses writes: retried later, as agents do.
        else if (r?.status === 503) apiPaused++;
        else apiFailures++;
        // Straight into the file: only while the appliance is up (a start drops and rebuilds
        // the triggers, and no process but the appliance writes its file then).
        if (aUp) writeRows(writer, 2, `s${i}_`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  try {
    await waitFor("standby bootstrapped", async () =>
      (await status(b)).state !== "bootstrapping" &&
      (await status(b)).state !== "unpaired");
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
      if (Math.random() < 0.5) {
        aUp = false;
        await a.kill();
        await new Promise((r) => setTimeout(r, Math.random() * 500));
        a = await startServerProcess({ dataDir: aDir, listen: aListen });
        admin = await signIn(a.url);
        aUp = true;
      } else {
        await b.kill();
        await new Promise((r) => setTimeout(r, Math.random() * 500));
        b = await startStandby(a.url, { dataDir: bDir, listen: bListen });
      }
    }
    stop = true;
    await load;
    await caughtUp(a, b);
    const sa = checksums(a);
    assert.deepEqual(checksums(b), sa);
    assert.ok(apiWrites > 20, `api writes ${apiWrites}`);
    assert.ok(sa.api_tokens.rows >= apiWrites);
    const s = await status(b);
    assert.equal(s.role, "standby");
    assert.equal(s.lastError, null);
    console.log(
      `soak: ${ROUNDS} kills, ${apiWrites} API writes (${apiFailures} cut off, ` +
        `${apiPaused} paused), ` +
        `${sa.hosts.rows} hosts rows, identical`,
    );
  } finally {
    stop = true;
    await load;
    writer.close();
    await a.stop();
    await b.stop();
    await a.cleanup();
    await b.cleanup();
  }
});
