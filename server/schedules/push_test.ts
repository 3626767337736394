import assert from "node:assert/strict";
import { jitterSeconds, runnerFor, scheduledOptions } from "./push.ts";
import type { PushHostRow, PushPlanRow } from "./repo.ts";

Deno.test("jitter: fixed per host and schedule, within the window, none without one", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const j = jitterSeconds(`hst_${i}`, "sch_a", 10);
    assert.equal(j, jitterSeconds(`hst_${i}`, "sch_a", 10), "the same every time");
    assert.ok(j >= 0 && j <= 600, String(j));
    seen.add(j);
  }
  assert.ok(seen.size > 100, "a fleet is spread, not bunched");
  assert.notEqual(jitterSeconds("hst_1", "sch_a", 720), jitterSeconds("hst_1", "sch_b", 720));
  assert.equal(jitterSeconds("hst_1", "sch_a", 0), 0);
});

const host = (id: string, tags: string[]): PushHostRow => ({
  id,
  name: id,
  tags,
  publicKey: "k",
  boxPublicKey: "b",
});
const plan = (p: Partial<PushPlanRow>): PushPlanRow => ({
  id: "pln_1",
  name: "p",
  enabled: true,
  pausedUntil: null,
  targetHostId: null,
  targetTag: null,
  repositoryId: "rep_1",
  engine: "restic",
  fingerprint: "",
  hasRetention: true,
  ...p,
});

Deno.test("runner: the plan's host if approved, else the first approved host with the tag", () => {
  const hosts = [host("a", ["db"]), host("b", ["db", "web"]), host("c", [])];
  assert.equal(runnerFor(plan({ targetHostId: "c" }), hosts), "c");
  assert.equal(runnerFor(plan({ targetHostId: "gone" }), hosts), null);
  assert.equal(runnerFor(plan({ targetTag: "web" }), hosts), "b");
  assert.equal(runnerFor(plan({ targetTag: "db" }), hosts), "a");
  assert.equal(runnerFor(plan({ targetTag: "none" }), hosts), null);
});

Deno.test("scheduled options: forget never prunes, the rest run with their defaults", () => {
  assert.deepEqual(scheduledOptions("forget"), { prune: false });
  assert.deepEqual(scheduledOptions("check"), {});
  assert.deepEqual(scheduledOptions("backup"), {});
});
