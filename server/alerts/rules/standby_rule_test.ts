import assert from "node:assert/strict";
import { judgeStandby, SILENT_FLOOR_MS } from "./standby_rule.ts";
import type { StandbyFacts } from "./types.ts";

const peer = { applianceId: "apl_peer", url: "http://standby:8080", fingerprint: "ab" };
const facts = (o: Partial<StandbyFacts>): StandbyFacts => ({
  role: "primary",
  peer,
  lag: { entries: 0, seconds: 0 },
  silentMs: 1000,
  ...o,
});

Deno.test("standby_lag: behind past the threshold or silent past the floor; nothing otherwise", () => {
  assert.deepEqual(judgeStandby(facts({}), 60), []);
  assert.deepEqual(judgeStandby(facts({ lag: { entries: 5, seconds: 59 } }), 60), []);
  const behind = judgeStandby(facts({ lag: { entries: 5, seconds: 61 } }), 60);
  assert.equal(behind.length, 1);
  assert.equal(behind[0].subject, "rep_apl_peer");
  assert.equal(behind[0].title, "The standby appliance is behind");
  assert.match(
    behind[0].message,
    /Standby http:\/\/standby:8080 has not confirmed changes older than 1 min/,
  );
  // The live figures stay out of the finding: the same cause is the same alert, unwritten.
  assert.deepEqual(
    judgeStandby(facts({ lag: { entries: 900, seconds: 300 } }), 60),
    behind,
  );
  // Silence: a short threshold does not make a 25 s long-poll look silent.
  assert.deepEqual(judgeStandby(facts({ silentMs: 30_000 }), 2), []);
  const silent = judgeStandby(facts({ silentMs: SILENT_FLOOR_MS + 1 }), 2);
  assert.equal(silent[0].title, "The standby appliance is not in touch");
  assert.deepEqual(judgeStandby(facts({ silentMs: 119_000 }), 120), []);
  assert.equal(judgeStandby(facts({ silentMs: 121_000 }), 120).length, 1);
  // Entries without an age (a log without times) are not "behind" by seconds.
  assert.deepEqual(judgeStandby(facts({ lag: { entries: 3, seconds: null } }), 60), []);
});

Deno.test("standby_lag: a standby, or a primary without one, finds nothing", () => {
  const far = { lag: { entries: 10, seconds: 999 }, silentMs: 999_000 };
  assert.deepEqual(judgeStandby(facts({ ...far, role: "standby" }), 60), []);
  assert.deepEqual(judgeStandby(facts({ ...far, peer: null }), 60), []);
  assert.deepEqual(judgeStandby(null, 60), []);
});

Deno.test("standby_lag: a primary whose writes are paused raises it at once, and not otherwise", () => {
  const paused = judgeStandby(facts({ writesPaused: true }), 60);
  assert.equal(paused.length, 1);
  assert.equal(paused[0].title, "Writes are paused: the standby is not answering");
  assert.match(paused[0].message, /agents keep their reports/);
  assert.deepEqual(paused[0].details, { cause: "paused", thresholdSeconds: 60 });
  assert.deepEqual(judgeStandby(facts({ writesPaused: false }), 60), []);
  assert.deepEqual(judgeStandby(facts({ role: "standby", writesPaused: true }), 60), []);
  assert.deepEqual(judgeStandby(facts({ peer: null, writesPaused: true }), 60), []);
});
