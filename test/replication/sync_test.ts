/**
 * Synchronous mode: the primary acknowledges an agent's reports only once the standby holds
 * them, so after a kill -9 of the primary at a random point under a steady stream of reports
 * and a promotion, no report the agent saw acknowledged is missing on the new primary.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openOutbox } from "../../agent/outbox.ts";
import { freeLoopbackPort } from "../helpers/ports.ts";
import { startServerProcess } from "../helpers/server_process.ts";
import {
  ADMIN_PASSWORD,
  applianceDb,
  enrollApproved,
  removeDirs,
  signIn,
  spawnAgent,
  tempDir,
} from "../agents/procs.ts";
import { pairingCode, startStandby, status, waitFor } from "./rig.ts";

Deno.test("synchronous mode: no acknowledged report is lost when the primary dies", async () => {
  const a0 = await startServerProcess({
    listen: `127.0.0.1:${freeLoopbackPort()}`,
    env: { CAIRN_ADMIN_PASSWORD: ADMIN_PASSWORD, CAIRN_REPLICATION_SYNC: "on" },
  });
  const a = Object.assign(a0, { admin: await signIn(a0.url) });
  const b = await startStandby(a.url, {
    code: await pairingCode(a),
    listen: `127.0.0.1:${freeLoopbackPort()}`,
  });
  const stateDir = await tempDir("cairn-agent-sync-");
  let agent: ReturnType<typeof spawnAgent> | null = null;
  try {
    await waitFor("standby bootstrapped", () => b.lines.some((l) => l.includes("bootstrapped")));
    await enrollApproved(a, stateDir);
    agent = spawnAgent(["run"], { stateDir });
    await waitFor("the agent pinned the standby", async () => {
      try {
        const f = JSON.parse(await Deno.readTextFile(join(stateDir, "appliances.json")));
        return f.appliances.length === 2;
      } catch {
        return false;
      }
    });
    const s = await status(a);
    assert.deepEqual(s.synchronous, { enabled: true, standbyConnected: true });
    const outbox = await openOutbox(join(stateDir, "outbox.db"));
    const ids: string[] = [];
    let stop = false;
    let acknowledgedBeforeKill = 0;
    const feeding = (async () => {
      for (let n = 0; !stop; n++) {
        ids.push(...outbox.add([{ kind: "event", body: { name: "sync", n } }]));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1500));
    acknowledgedBeforeKill = ids.length - outbox.depth();
    await a.kill();
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await feeding;
    const adminB = await signIn(b.url);
    assert.equal(
      (await adminB.json("POST", "/api/replication/promote", { confirm: "promote" })).status,
      200,
    );
    const dbB = applianceDb(b.dataDir);
    try {
      await waitFor("the agent's outbox empty", () => outbox.depth() === 0, 60_000);
      const present = new Set(
        dbB.all("SELECT id FROM agent_reports WHERE kind = 'event'").map((r) => r.id as string),
      );
      const missing = ids.filter((id) => !present.has(id));
      assert.deepEqual(missing, []);
      assert.ok(
        acknowledgedBeforeKill > 20,
        `acknowledged before the kill: ${acknowledgedBeforeKill}`,
      );
      console.log(
        `sync: ${ids.length} reports, ${acknowledgedBeforeKill} acknowledged by the old primary, none missing`,
      );
    } finally {
      dbB.close();
      outbox.close();
    }
  } finally {
    await agent?.kill();
    await a.stop();
    await b.stop();
    await a.cleanup();
    await b.cleanup();
    await removeDirs(stateDir);
  }
});
