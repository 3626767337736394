/**
 * Agents follow the primary: an agent enrolled with the primary pins the standby from a hello
 * the primary signed; the primary dies with reports still queued on the agent; the standby is
 * promoted; the agent moves to it and every report lands there exactly once.
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
  caughtUp,
  loopbackListen,
  pairingCode,
  startPrimary,
  startStandby,
  waitFor,
} from "./rig.ts";

Deno.test("agents move to the promoted standby; queued reports land once", async () => {
  const a = await startPrimary({ listen: loopbackListen() });
  const b = await startStandby(a.url, { code: await pairingCode(a), listen: loopbackListen() });
  const stateDir = await tempDir("cairn-agent-rep-");
  let agent: ReturnType<typeof spawnAgent> | null = null;
  try {
    await waitFor("standby paired", async () => {
      const r = await fetch(`${b.url}/healthz`);
      return (await r.json()).role === "standby" && b.lines.some((l) => l.includes("bootstrapped"));
    });
    const hostId = await enrollApproved(a, stateDir);
    agent = spawnAgent(["run"], { stateDir });
    await agentPinnedBoth(stateDir);
    const outbox = await openOutbox(join(stateDir, "outbox.db"));
    const ids = outbox.add(
      Array.from({ length: 10 }, (_, n) => ({ kind: "event", body: { name: "before", n } })),
    );
    const dbA = applianceDb(a.dataDir);
    const inList = (list: string[]) => list.map(() => "?").join(",");
    await waitFor(
      "first reports on the primary",
      () =>
        dbA.count(
          `SELECT count(*) AS n FROM agent_reports WHERE id IN (${inList(ids)})`,
          ...ids,
        ) ===
          10,
    );
    dbA.close();
    await caughtUp(a, b);

    await a.kill();
    const later = outbox.add(
      Array.from({ length: 20 }, (_, n) => ({ kind: "event", body: { name: "during", n } })),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const adminB = await signIn(b.url);
    const p = await adminB.json("POST", "/api/replication/promote", { confirm: "promote" });
    assert.equal(p.status, 200);
    const all = [...ids, ...later];
    const dbB = applianceDb(b.dataDir);
    try {
      await waitFor(
        "every report on the new primary",
        () =>
          dbB.count(
            `SELECT count(*) AS n FROM agent_reports WHERE id IN (${inList(all)})`,
            ...all,
          ) ===
            30,
        60_000,
      );
      await waitFor("the agent's outbox empty", () => outbox.depth() === 0, 20_000);
      assert.equal(
        dbB.count("SELECT count(*) AS n FROM agent_reports WHERE host_id = ?", hostId),
        dbB.count("SELECT count(DISTINCT id) AS n FROM agent_reports WHERE host_id = ?", hostId),
      );
    } finally {
      dbB.close();
      outbox.close();
    }
    assert.ok(agent.lines.some((l) => l.includes("moving to the other appliance")));
    const enrollment = JSON.parse(await Deno.readTextFile(join(stateDir, "enrollment.json")));
    assert.equal(enrollment.server, b.url);
  } finally {
    await agent?.kill();
    await a.stop();
    await b.stop();
    await a.cleanup();
    await b.cleanup();
    await removeDirs(stateDir);
  }
});
