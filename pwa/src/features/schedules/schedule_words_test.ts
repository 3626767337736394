import assert from "node:assert/strict";
import { PAUSED_INDEFINITELY } from "../../../../server/contract/schedules.ts";
import type { HostScheduleState } from "../../../../server/contract/schedules.ts";
import { driftWords, pauseWords, runLine, timeZones } from "./schedule_words.ts";

Deno.test("a run is shown in the schedule's zone and in the viewer's when they differ", () => {
  const iso = "2026-03-29T00:30:00.000Z"; // Berlin switched to summer time at 01:00 UTC
  const r = runLine(iso, { schedule: "Europe/Berlin", viewer: "America/New_York" }, "en-GB");
  assert.match(r.there, /01:30/);
  assert.match(r.here ?? "", /20:30/);
  assert.equal(runLine(iso, { schedule: "UTC", viewer: "UTC" }, "en-GB").here, null);
});

Deno.test("pauses read as words; one that ended reads as not paused", () => {
  const now = Date.parse("2026-11-23T08:00:00Z");
  assert.equal(
    pauseWords(new Date(PAUSED_INDEFINITELY).toISOString(), { now }),
    "Paused until resumed",
  );
  assert.equal(
    pauseWords("2026-11-23T12:00:00Z", { now, timeZone: "UTC", locale: "en-GB" }),
    "Paused until Mon 23 Nov, 12:00",
  );
  assert.equal(pauseWords("2026-11-23T07:00:00Z", { now }), null);
  assert.equal(pauseWords(null, { now }), null);
});

Deno.test("drift names both versions, and nothing when the host runs what was pushed", () => {
  const s = {
    hostId: "hst_1",
    hostName: "web-1",
    pushedVersion: 7,
    pushedAt: null,
    appliedVersion: 5,
    appliedAt: null,
    drift: true,
  } satisfies HostScheduleState;
  assert.equal(driftWords(s), "Schedule version 7 pushed, host runs 5");
  assert.equal(
    driftWords({ ...s, appliedVersion: 0 }),
    "Schedule version 7 pushed, host has not applied one yet",
  );
  assert.equal(driftWords({ ...s, appliedVersion: 7, drift: false }), null);
});

Deno.test("the zone list leads with the viewer's zone and UTC, without repeats", () => {
  const zones = timeZones("Europe/Berlin");
  assert.deepEqual(zones.slice(0, 2), ["Europe/Berlin", "UTC"]);
  assert.equal(new Set(zones).size, zones.length);
  assert.ok(zones.includes("America/New_York"));
});
