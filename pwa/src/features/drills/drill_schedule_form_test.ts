import assert from "node:assert/strict";
import type { DrillScheduleView } from "../../../../server/contract/drills.ts";
import {
  checkDrillCreate,
  checkDrillUpdate,
  drillFormFrom,
  emptyDrillForm,
} from "./drill_schedule_form.ts";

const HOST = "hst_01jaaaaaaaaaaaaaaaaaaaaaaa";

Deno.test("drill form: the default is weekly on Sunday at 04:00 with 20 files on the host", () => {
  const c = checkDrillCreate(emptyDrillForm("Europe/Berlin"), { hostId: HOST });
  assert.ok(c.ok, JSON.stringify(c));
  assert.deepEqual(c.value, {
    hostId: HOST,
    rule: { type: "weekly", days: [0], at: "04:00" },
    timeZone: "Europe/Berlin",
    sampleSize: 20,
    targetHostId: null,
    enabled: true,
  });
});

Deno.test("drill form: problems land on their fields, as the appliance would judge them", () => {
  const f = { ...emptyDrillForm("UTC"), preset: "daily" as const, at: "25:00", sampleSize: "0" };
  const c = checkDrillCreate(f, { hostId: HOST });
  assert.ok(!c.ok);
  assert.match(c.errors.at, /HH:MM/);
  assert.match(c.errors.sampleSize, /at least 1/);
  const zone = checkDrillUpdate({ ...emptyDrillForm("UTC"), timeZone: "Mars/Base" });
  assert.ok(!zone.ok);
  assert.ok(zone.errors.timeZone);
});

Deno.test("drill form: a saved schedule reads back into the form unchanged", () => {
  const view = {
    rule: { type: "monthly", day: 3, at: "05:15" },
    timeZone: "America/New_York",
    enabled: false,
    sampleSize: 7,
    targetHostId: "hst_01jbbbbbbbbbbbbbbbbbbbbbbb",
  } as DrillScheduleView;
  const c = checkDrillUpdate(drillFormFrom(view));
  assert.ok(c.ok, JSON.stringify(c));
  assert.deepEqual(c.value, {
    rule: view.rule,
    timeZone: view.timeZone,
    sampleSize: 7,
    targetHostId: view.targetHostId,
    enabled: false,
  });
});
