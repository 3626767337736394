/**
 * Synchronous mode: the primary acknowledges an agent's reports only once the standby holds
 * them, so after a kill -9 of the primary at a random point under a steady stream of reports
 * and a promotion, no report the agent saw acknowledged is missing on the new primary.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openOutbox } from "../../agent/outbox.ts";
import {
  applianceDb,
  enrollApproved,
  removeDirs,
  signIn,
  spawnAgent,
  tempDir,
} from "../agents/procs.ts";
import {
  agentPinnedBoth,
  loopbackListen,
  pairingCode,
  startPrimary,
  startStandby,
  status,
  waitFor,
} from "./rig.ts";

Deno.test("synchronous mode: no acknowledged report is lost when the primary dies", async () => {
  const a = await startPrimary({ listen: loopbackListen(), env: { CAIRN_REPLICATION_SYNC: "on" } });
  const b = await startStandby(a.url, { code: await pairingCode(a), listen: loopbackListen() });
  const stateDir = await tempDir("cairn-agent-sync-");
  let agent: ReturnType<typeof spawnAgent> | null = null;
  try {
    await waitFor("standby bootstrapped", () => b.lines.some((l) => l.includes("bootstrapped")));
    await enrollApproved(a, stateDir);
    agent = spawnAgent(["run"], { stateDir });
    await agentPinnedBoth(stateDir);
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
