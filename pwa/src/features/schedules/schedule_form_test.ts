import assert from "node:assert/strict";
import type { ScheduleView } from "../../../../server/contract/schedules.ts";
import {
  checkCreate,
  checkUpdate,
  emptyScheduleForm,
  previewBody,
  ruleOf,
  scheduleFormFrom,
  serverFieldErrors,
} from "./schedule_form.ts";

const PLAN = "pln_01jabcdefghjkmnpqrstvwxyz0";
const ctx = { planId: PLAN, kind: "backup" as const };

Deno.test("a new backup schedule starts nightly in the viewer's zone and passes the contract", () => {
  const f = emptyScheduleForm("backup", "Europe/Berlin");
  const r = checkCreate(f, ctx);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.rule, { type: "daily", at: "02:30" });
  assert.equal(r.value.timeZone, "Europe/Berlin");
  assert.equal(r.value.jitterMinutes, 0);
  assert.equal(r.value.catchUp, "once");
});

Deno.test("each preset becomes its rule, numbers parsed and days sorted", () => {
  const f = emptyScheduleForm("backup", "UTC");
  assert.deepEqual(ruleOf({ ...f, preset: "hourly", minute: " 15 " }), {
    type: "hourly",
    minute: 15,
  });
  assert.deepEqual(ruleOf({ ...f, preset: "every", hours: "6", minute: "5" }), {
    type: "every",
    hours: 6,
    minute: 5,
  });
  assert.deepEqual(ruleOf({ ...f, preset: "weekly", days: [5, 1, 3], at: "21:00" }), {
    type: "weekly",
    days: [1, 3, 5],
    at: "21:00",
  });
  assert.deepEqual(ruleOf({ ...f, preset: "cron", expression: "  0   */4 * * 1-5 " }), {
    type: "cron",
    expression: "0 */4 * * 1-5",
  });
});

Deno.test("bad entries are refused by field with the contract's words", () => {
  const f = emptyScheduleForm("backup", "UTC");
  const bad = checkCreate(
    { ...f, preset: "every", hours: "5", minute: "seven", jitter: "-1" },
    ctx,
  );
  assert.ok(!bad.ok);
  assert.equal(bad.errors.hours, "must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24)");
  assert.equal(bad.errors.minute, "must be a number");
  assert.equal(bad.errors.jitter, "must be at least 0");

  const zone = checkUpdate({ ...f, timeZone: "Mars/Olympus" });
  assert.ok(!zone.ok);
  assert.equal(zone.errors.timeZone, "must be an IANA time zone such as Europe/Berlin or UTC");

  const at = checkUpdate({ ...f, at: "25:00" });
  assert.ok(!at.ok);
  assert.match(at.errors.at, /HH:MM/);

  const days = checkUpdate({ ...f, preset: "weekly", days: [] });
  assert.ok(!days.ok);
  assert.equal(days.errors.days, "must name at least one day");
  assert.equal(previewBody({ ...f, preset: "weekly", days: [] }), null, "no preview of a bad rule");
  assert.equal(previewBody({ ...f, timeZone: "Mars/Olympus" }), null, "nor in a zone that is not");
  assert.deepEqual(previewBody(f), { rule: { type: "daily", at: "02:30" }, timeZone: "UTC" });
});

Deno.test("a saved schedule fills the form back, and the appliance's 400 lands on its field", () => {
  const saved = {
    kind: "check",
    rule: { type: "monthly", day: 15, at: "05:30" },
    timeZone: "America/New_York",
    jitterMinutes: 20,
    catchUp: "skip",
    enabled: false,
  } as unknown as ScheduleView;
  const f = scheduleFormFrom(saved);
  assert.equal(f.preset, "monthly");
  assert.equal(f.day, "15");
  assert.equal(f.jitter, "20");
  assert.equal(f.catchUp, "skip");
  assert.equal(f.enabled, false);
  const r = checkUpdate(f);
  assert.ok(r.ok);
  assert.deepEqual(r.value.rule, saved.rule);

  assert.deepEqual(
    serverFieldErrors({
      problems: [
        { field: "rule.expression", problem: "must be a cron expression with five fields" },
        { field: "timeZone", problem: "must be an IANA time zone" },
        { field: "body", problem: "plan is disabled" },
      ],
    }),
    {
      expression: "must be a cron expression with five fields",
      timeZone: "must be an IANA time zone",
      form: "plan is disabled",
    },
  );
});
