import assert from "node:assert/strict";
import { describeRule, parseCron, ruleToCron, ScheduleError } from "./cron.ts";
import {
  longestIntervalMs,
  nextRunAfter,
  nextRuns,
  runsBetween,
  typicalIntervalMs,
  wallToInstants,
} from "./schedule_time.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString().replace(".000Z", "Z"));
const HOUR = 3_600_000;

Deno.test("daily 02:30 in Europe/Berlin: the spring-forward gap runs once at 03:00 CEST", () => {
  const runs = nextRuns("30 2 * * *", "Europe/Berlin", at("2026-03-27T12:00:00Z"), 4);
  assert.deepEqual(iso(runs), [
    "2026-03-28T01:30:00Z", // 02:30 CET
    "2026-03-29T01:00:00Z", // 02:30 does not exist: 03:00 CEST, the first instant after the gap
    "2026-03-30T00:30:00Z", // 02:30 CEST
    "2026-03-31T00:30:00Z",
  ]);
});

Deno.test("daily 02:30 in Europe/Berlin: the fall-back overlap runs once, at the first 02:30", () => {
  const runs = nextRuns("30 2 * * *", "Europe/Berlin", at("2026-10-24T12:00:00Z"), 2);
  assert.deepEqual(iso(runs), ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]);
  // Asked from between the two 02:30s, the second one is not a run.
  assert.equal(
    iso([nextRunAfter("30 2 * * *", "Europe/Berlin", at("2026-10-25T00:45:00Z"))])[0],
    "2026-10-26T01:30:00Z",
  );
});

Deno.test("hourly :15 in Europe/Berlin follows the real clock on both change days", () => {
  const spring = runsBetween(
    "15 * * * *",
    "Europe/Berlin",
    at("2026-03-28T21:00:00Z"),
    at("2026-03-29T04:00:00Z"),
    50,
  );
  assert.equal(spring.length, 7);
  for (let i = 1; i < spring.length; i++) assert.equal(spring[i] - spring[i - 1], HOUR);
  const autumn = runsBetween(
    "15 * * * *",
    "Europe/Berlin",
    at("2026-10-24T21:00:00Z"),
    at("2026-10-25T04:00:00Z"),
    50,
  );
  assert.equal(autumn.length, 7);
  for (let i = 1; i < autumn.length; i++) assert.equal(autumn[i] - autumn[i - 1], HOUR);
  // Both 02:15s of the repeated hour are real hours, so both run.
  assert.ok(iso(autumn).includes("2026-10-25T00:15:00Z"));
  assert.ok(iso(autumn).includes("2026-10-25T01:15:00Z"));
});

Deno.test("every 6 hours at :15 in Europe/Berlin across the spring change", () => {
  const cron = ruleToCron({ type: "every", hours: 6, minute: 15 });
  assert.equal(cron, "15 */6 * * *");
  const runs = nextRuns(cron, "Europe/Berlin", at("2026-03-28T20:00:00Z"), 5);
  assert.deepEqual(iso(runs), [
    "2026-03-28T23:15:00Z", // 00:15 CET
    "2026-03-29T04:15:00Z", // 06:15 CEST
    "2026-03-29T10:15:00Z",
    "2026-03-29T16:15:00Z",
    "2026-03-29T22:15:00Z", // 00:15 CEST on the 30th
  ]);
});

Deno.test("America/New_York: 02:30 on 2026-03-08 runs at 03:00 EDT; 01:30 on 2026-11-01 once", () => {
  assert.deepEqual(
    iso(nextRuns("30 2 * * *", "America/New_York", at("2026-03-07T12:00:00Z"), 3)),
    ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-10T06:30:00Z"],
  );
  assert.deepEqual(
    iso(nextRuns("30 1 * * *", "America/New_York", at("2026-10-31T12:00:00Z"), 2)),
    ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"],
  );
  // An hourly schedule runs 25 times on the 25-hour day and 23 times on the 23-hour day.
  const day = (from: string, to: string) =>
    runsBetween("0 * * * *", "America/New_York", at(from) - 1, at(to) - 1, 100).length;
  assert.equal(day("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"), 25);
  assert.equal(day("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z"), 23);
});

Deno.test("a gap with several fixed times in it runs once at its end", () => {
  const runs = runsBetween(
    "0,30 2,3 * * *",
    "Europe/Berlin",
    at("2026-03-29T00:00:00Z"),
    at("2026-03-29T12:00:00Z"),
    10,
  );
  assert.deepEqual(iso(runs), ["2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"]);
});

Deno.test("weekly Mondays and Thursdays 21:00, monthly day 31, UTC", () => {
  const weekly = ruleToCron({ type: "weekly", days: [4, 1], at: "21:00" });
  assert.equal(weekly, "0 21 * * 1,4");
  assert.deepEqual(iso(nextRuns(weekly, "Europe/Berlin", at("2026-03-26T00:00:00Z"), 3)), [
    "2026-03-26T20:00:00Z", // Thursday, CET
    "2026-03-30T19:00:00Z", // Monday, CEST
    "2026-04-02T19:00:00Z",
  ]);
  const monthly = ruleToCron({ type: "monthly", day: 31, at: "03:00" });
  assert.deepEqual(iso(nextRuns(monthly, "UTC", at("2026-01-01T00:00:00Z"), 7)), [
    "2026-01-31T03:00:00Z",
    "2026-03-31T03:00:00Z",
    "2026-05-31T03:00:00Z",
    "2026-07-31T03:00:00Z",
    "2026-08-31T03:00:00Z",
    "2026-10-31T03:00:00Z",
    "2026-12-31T03:00:00Z",
  ]);
  assert.equal(
    iso([nextRunAfter("30 2 * * *", "UTC", at("2026-03-29T02:30:00Z"))])[0],
    "2026-03-30T02:30:00Z",
  );
});

Deno.test("Australia/Lord_Howe: a 30-minute change each way", () => {
  // 2026-10-04 02:00 +10:30 becomes 02:30 +11:00: 02:15 runs at 02:30 +11:00.
  assert.deepEqual(
    iso(nextRuns("15 2 * * *", "Australia/Lord_Howe", at("2026-10-03T00:00:00Z"), 2)),
    [
      "2026-10-03T15:30:00Z",
      "2026-10-04T15:15:00Z",
    ],
  );
  // 2026-04-05 02:00 +11:00 becomes 01:30 +10:30: 01:45 happens twice and runs the first time.
  assert.deepEqual(
    iso(nextRuns("45 1 * * *", "Australia/Lord_Howe", at("2026-04-04T00:00:00Z"), 2)),
    [
      "2026-04-04T14:45:00Z",
      "2026-04-05T15:15:00Z",
    ],
  );
});

Deno.test("wall times map to none, one or two instants", () => {
  const wall = (s: string) => Date.parse(`${s}Z`);
  assert.deepEqual(wallToInstants("Europe/Berlin", wall("2026-03-29T02:30:00")), {
    instants: [],
    gapEnd: at("2026-03-29T01:00:00Z"),
  });
  assert.deepEqual(wallToInstants("Europe/Berlin", wall("2026-10-25T02:30:00")).instants, [
    at("2026-10-25T00:30:00Z"),
    at("2026-10-25T01:30:00Z"),
  ]);
  assert.deepEqual(wallToInstants("Europe/Berlin", wall("2026-07-01T12:00:00")).instants, [
    at("2026-07-01T10:00:00Z"),
  ]);
});

Deno.test("parseCron: five fields, plain reasons that never repeat the input", () => {
  assert.equal(parseCron("  0   3 * *  1-5 ").expression, "0 3 * * 1-5");
  assert.equal(parseCron("@daily").expression, "0 0 * * *");
  const bad = [
    "0 0 0 3 * *",
    "61 * * * *",
    "* 24 * * *",
    "xyzzy",
    "",
    "0 0 30 2 *",
    "1-2-3 * * * *",
    "5/2 * * * *",
    "5abc * * * *",
  ];
  for (const expr of bad) {
    assert.throws(() => parseCron(expr), (e: unknown) => {
      assert.ok(e instanceof ScheduleError, expr);
      if (expr.length > 0) assert.ok(!e.message.includes(expr), e.message);
      return true;
    });
  }
  assert.match(errorOf("0 0 0 3 * *"), /five fields.*seconds are not supported/);
  assert.match(errorOf("61 * * * *"), /minute field/);
  assert.match(errorOf("0 0 30 2 *"), /never comes/);
  assert.throws(() => nextRunAfter("0 3 * * *", "Mars/Olympus", 0), ScheduleError);
});

function errorOf(expr: string): string {
  try {
    parseCron(expr);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

Deno.test("rules in plain words", () => {
  assert.equal(
    describeRule({ type: "daily", at: "02:30" }, "Europe/Berlin"),
    "Every day at 02:30 (Europe/Berlin)",
  );
  assert.equal(
    describeRule({ type: "every", hours: 6, minute: 15 }, "UTC"),
    "Every 6 hours at :15",
  );
  assert.equal(describeRule({ type: "hourly", minute: 5 }, "UTC"), "Every hour at :05");
  assert.equal(
    describeRule({ type: "weekly", days: [4, 1], at: "21:00" }, "UTC"),
    "Mondays and Thursdays at 21:00 (UTC)",
  );
  assert.equal(
    describeRule({ type: "monthly", day: 1, at: "03:00" }, "UTC"),
    "On day 1 of each month at 03:00 (UTC)",
  );
  assert.equal(
    describeRule({ type: "cron", expression: "0 3 * * 1-5" }, "Europe/Berlin"),
    "Weekdays (Monday to Friday) at 03:00 (Europe/Berlin)",
  );
  assert.equal(
    describeRule({ type: "cron", expression: "0 3 1-7 * 1" }, "UTC"),
    "Custom: 0 3 1-7 * 1 (UTC)",
  );
});

Deno.test("typical and longest intervals", () => {
  assert.equal(typicalIntervalMs("30 2 * * *", "Europe/Berlin"), 24 * HOUR);
  assert.equal(typicalIntervalMs("15 * * * *", "Europe/Berlin"), HOUR);
  assert.equal(typicalIntervalMs("15 */6 * * *", "UTC"), 6 * HOUR);
  assert.equal(typicalIntervalMs("0 3 * * 1-5", "UTC"), 24 * HOUR);
  assert.equal(longestIntervalMs("0 3 * * 1-5", "UTC"), 72 * HOUR);
  assert.equal(typicalIntervalMs("0 3 1 * *", "UTC") > 27 * 24 * HOUR, true);
});

Deno.test("answers from the cached window match a fresh walk", () => {
  let t = at("2026-03-20T00:00:00Z");
  const walked: number[] = [];
  for (let i = 0; i < 60; i++) {
    t = nextRunAfter("*/20 * * * *", "America/New_York", t);
    walked.push(t);
  }
  assert.deepEqual(
    walked,
    runsBetween("*/20 * * * *", "America/New_York", at("2026-03-20T00:00:00Z"), walked[59], 60),
  );
  for (let i = 1; i < walked.length; i++) assert.equal(walked[i] - walked[i - 1], 20 * 60_000);
});
