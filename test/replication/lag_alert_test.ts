/**
 * The standby_lag alert with two real appliances: the standby stops while the primary keeps
 * writing, the alert opens on the primary (a short threshold set through the API); the standby
 * comes back, catches up, and the alert resolves.
 */
import assert from "node:assert/strict";
import {
  caughtUp,
  leaseHeld,
  loopbackListen,
  openWriter,
  pairingCode,
  startPrimary,
  startStandby,
  waitFor,
  writeRows,
} from "./rig.ts";

interface Alert {
  rule: string;
  state: string;
  title: string;
  message: string;
  subject: string;
}

Deno.test("standby_lag opens when the standby stops and resolves when it caught up", async () => {
  const primary = await startPrimary({ env: { CAIRN_ALERT_TICK_MS: "250" } });
  const writer = openWriter(primary);
  let standby: Awaited<ReturnType<typeof startStandby>> | null = null;
  const alerts = async (state: string) =>
    (await primary.admin.json<{ alerts: Alert[] }>(
      "GET",
      `/api/alerts?rule=standby_lag&state=${state}`,
    )).body.alerts;
  try {
    // A fixed address: the primary reaches its standby there again after the restart.
    const listen = loopbackListen();
    standby = await startStandby(primary.url, { code: await pairingCode(primary), listen });
    writeRows(writer, 5, "a");
    await caughtUp(primary, standby);
    await leaseHeld(primary);
    const set = await primary.admin.json("PATCH", "/api/alert-rules/standby_lag", {
      params: { seconds: 2 },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Caught up and in touch: nothing opens, however short the threshold.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await alerts("active"), []);

    const dataDir = standby.dataDir;
    await standby.stop();
    writeRows(writer, 5, "b");
    const [open] = await waitFor("standby_lag open", async () => {
      const a = await alerts("active");
      return a.length > 0 ? a : null;
    }, 20_000);
    assert.equal(open.title, "The standby appliance is behind");
    assert.match(open.message, /has not confirmed changes older than 2 s/);
    assert.match(open.subject, /^rep_apl_/);

    standby = await startStandby(primary.url, { dataDir, listen });
    await caughtUp(primary, standby);
    await waitFor(
      "standby_lag resolved",
      async () => (await alerts("active")).length === 0,
      20_000,
    );
    // Behind, then (a standby gone for the lease's length) writes paused: one alert or two.
    const resolved = await alerts("resolved");
    assert.ok(resolved.length >= 1 && resolved.length <= 2, JSON.stringify(resolved));
    assert.ok(resolved.every((a) => a.subject === open.subject));
  } finally {
    writer.close();
    await standby?.stop();
    await primary.stop();
    await standby?.cleanup();
    await primary.cleanup();
  }
});
