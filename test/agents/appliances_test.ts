/**
 * The agent's pair of appliances (agent/appliances.ts): when the appliance it talks to fails, the
 * agent's three loops (reports, commands, hello) all notice at once. Only one move may happen;
 * a second one would go straight back to the appliance that just failed, which is how an agent
 * once ended up pointed at a dead primary with its reports landing on the new one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { APPLIANCES_FILE, createApplianceSet } from "../../agent/appliances.ts";
import { ENROLLMENT_FILE, readEnrollment } from "../../agent/enrollment.ts";
import type { Enrollment } from "../../agent/enrollment.ts";
import { removeDirs, tempDir } from "./procs.ts";

const appliance = (name: string, digit: string) => ({
  server: `http://${name}.lan:8080`,
  applianceId: `appliance-${name}`,
  appliancePublicKey: `key-${name}`,
  applianceFingerprint: digit.repeat(64),
});

async function setUp(known: ReturnType<typeof appliance>[]) {
  const stateDir = await tempDir("cairn-agent-pair-");
  const a = appliance("a", "a");
  const enrollment: Enrollment = {
    version: 1,
    ...a,
    hostId: "host-1",
    state: "approved",
    enrolledAt: 1,
  };
  await Deno.writeTextFile(join(stateDir, ENROLLMENT_FILE), JSON.stringify(enrollment));
  await Deno.writeTextFile(
    join(stateDir, APPLIANCES_FILE),
    JSON.stringify({ version: 1, appliances: known }),
  );
  const moves: unknown[] = [];
  const set = await createApplianceSet({
    stateDir,
    enrollment,
    log: (_level, msg, fields) => {
      if (msg === "moving to the other appliance") moves.push(fields);
    },
  });
  return { stateDir, enrollment, set, moves };
}

Deno.test("three loops failing at once on the same appliance move the agent once", async () => {
  const a = appliance("a", "a");
  const b = appliance("b", "b");
  const { stateDir, enrollment, set, moves } = await setUp([a, b]);
  try {
    const answers = await Promise.all([
      set.failover("unreachable", a.applianceId),
      set.failover("unreachable", a.applianceId),
      set.failover("standby", a.applianceId),
    ]);
    assert.deepEqual(answers, [true, true, true]);
    assert.equal(moves.length, 1);
    assert.equal(enrollment.server, b.server);
    assert.equal((await readEnrollment(stateDir))?.server, b.server);

    // A late failure from a loop still talking to the old appliance changes nothing.
    assert.equal(await set.failover("unreachable", a.applianceId), true);
    assert.equal(enrollment.applianceId, b.applianceId);

    // The new one failing moves the agent back, and its pinned key with it.
    assert.equal(await set.failover("standby", b.applianceId), true);
    assert.equal(moves.length, 2);
    assert.equal(enrollment.appliancePublicKey, a.appliancePublicKey);
    assert.equal((await readEnrollment(stateDir))?.server, a.server);
  } finally {
    await removeDirs(stateDir);
  }
});

Deno.test("an agent with one appliance has nowhere to move", async () => {
  const a = appliance("a", "a");
  const { stateDir, enrollment, set, moves } = await setUp([a]);
  try {
    assert.equal(await set.failover("unreachable", a.applianceId), false);
    assert.equal(moves.length, 0);
    assert.equal(enrollment.server, a.server);
  } finally {
    await removeDirs(stateDir);
  }
});
