/**
 * Schedule time arithmetic shared by the appliance, the agents and the PWA: a rule becomes one
 * five-field cron expression, and a cron expression plus an IANA zone gives the instants it runs.
 * Pure: no I/O, no clock (callers pass the instant to count from).
 *
 * cron-schedule parses the fields but follows only the process zone, so the zone arithmetic is
 * done here with Intl: walk local calendar days in the zone, match month, day and weekday, then
 * map each matching wall-clock time to an instant. Daylight-saving rules, as cronie does them:
 *
 * - A fixed time (the hour field names hours: "30 2 * * *", "0 9-17 * * *") that falls into a
 *   spring-forward gap runs once, at the first instant after the gap (02:30 on 2026-03-29 in
 *   Europe/Berlin runs at 03:00 CEST). A fixed time that happens twice on a fall-back day runs
 *   once, at its first occurrence.
 * - A schedule whose hour field is a wildcard or a step ("15 * * * *", "0 *\/6 * * *") follows
 *   the real clock: it runs at every instant whose wall time matches. A skipped hour has no such
 *   instant and a repeated hour has two, so "every hour" runs once per real hour on both days.
 */
import { parseCronExpression } from "cron-schedule";
import type { ScheduleRule } from "./schedules.ts";

/** A cron expression or zone Cairn cannot run; the message is plain words, never the input. */
export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The longest a valid expression can wait for its next day (Feb 29 across 2100): ~9 years. */
const MAX_DAYS = 366 * 9;

/** A parsed five-field expression. Sets are arrays of booleans indexed by value. */
export interface ParsedCron {
  /** The normalized expression (nicknames expanded, single spaces). */
  expression: string;
  minutes: number[];
  hours: number[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
  /** The hour field is `*` or `*\/n`: runs follow the real clock across DST changes. */
  hourWildcard: boolean;
}

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const FIELD_NAMES = ["minute", "hour", "day-of-month", "month", "day-of-week"];
const FIELD_HELP = ["0-59", "0-23", "1-31", "1-12 or jan-dec", "0-7 or sun-sat"];
/** Items: `*` or a range (either with an optional step), or a single value; lists join items. */
const VALUE = String.raw`(?:\d{1,2}|[a-z]{3})`;
const ITEM = String.raw`(?:(?:\*|${VALUE}-${VALUE})(?:/\d{1,2})?|${VALUE})`;
const FIELD_SYNTAX = new RegExp(`^${ITEM}(?:,${ITEM})*$`, "i");
const parsedCache = new Map<string, ParsedCron>();

/** Parses a five-field cron expression (minute first) or throws a ScheduleError saying why. */
export function parseCron(expr: string): ParsedCron {
  const hit = parsedCache.get(expr);
  if (hit) return hit;
  const parsed = parseUncached(expr);
  if (parsedCache.size > 10_000) parsedCache.clear();
  parsedCache.set(expr, parsed);
  return parsed;
}

function parseUncached(expr: string): ParsedCron {
  if (typeof expr !== "string" || expr.length > 200) {
    throw new ScheduleError("A cron expression is a text of at most 200 characters");
  }
  const trimmed = expr.trim().replace(/\s+/g, " ");
  const expression = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const fields = expression.split(" ");
  if (fields.length !== 5 || fields[0] === "") {
    throw new ScheduleError(
      "A cron expression has five fields: minute, hour, day of month, month, day of week " +
        "(seconds are not supported)",
    );
  }
  fields.forEach((field, i) => {
    const probe = ["*", "*", "*", "*", "*"];
    probe[i] = field;
    try {
      if (!FIELD_SYNTAX.test(field)) throw new Error("syntax");
      parseCronExpression(probe.join(" "));
    } catch {
      throw new ScheduleError(
        `The ${FIELD_NAMES[i]} field is not valid (${FIELD_HELP[i]}, with lists, ranges ` +
          "and steps such as */2)",
      );
    }
  });
  const cron = parseCronExpression(expression);
  const parsed: ParsedCron = {
    expression,
    minutes: [...cron.minutes],
    hours: [...cron.hours],
    days: flags(cron.days, 32),
    months: flags(cron.months.map((m) => m + 1), 13),
    weekdays: flags(cron.weekdays, 7),
    daysRestricted: cron.days.length !== 31,
    weekdaysRestricted: cron.weekdays.length !== 7,
    hourWildcard: fields[1].startsWith("*"),
  };
  if (!canEverRun(parsed)) {
    throw new ScheduleError("This expression names a day that never comes (such as 30 February)");
  }
  return parsed;
}

function flags(values: ReadonlyArray<number>, size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const x of values) out[x] = true;
  return out;
}

const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function canEverRun(p: ParsedCron): boolean {
  if (p.weekdaysRestricted) return true; // with weekdays restricted a weekday match is enough
  for (let m = 1; m <= 12; m++) {
    if (!p.months[m]) continue;
    for (let d = 1; d <= MONTH_DAYS[m]; d++) if (p.days[d]) return true;
  }
  return false;
}

/** The cron expression a rule stands for (what agents run). Throws ScheduleError for bad cron. */
export function ruleToCron(rule: ScheduleRule): string {
  switch (rule.type) {
    case "hourly":
      return `${rule.minute} * * * *`;
    case "every":
      if (rule.hours === 1) return `${rule.minute} * * * *`;
      if (rule.hours === 24) return `${rule.minute} 0 * * *`;
      return `${rule.minute} */${rule.hours} * * *`;
    case "daily":
      return `${wall(rule.at).minute} ${wall(rule.at).hour} * * *`;
    case "weekly": {
      const days = [...new Set(rule.days)].sort((a, b) => a - b).join(",");
      return `${wall(rule.at).minute} ${wall(rule.at).hour} * * ${days}`;
    }
    case "monthly":
      return `${wall(rule.at).minute} ${wall(rule.at).hour} ${rule.day} * *`;
    case "cron":
      return parseCron(rule.expression).expression;
  }
}

function wall(at: string): { hour: number; minute: number } {
  const [h, m] = at.split(":").map(Number);
  return { hour: h, minute: m };
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Plain words for a rule: "Every day at 02:30 (Europe/Berlin)". */
export function describeRule(rule: ScheduleRule, timeZone: string): string {
  switch (rule.type) {
    case "hourly":
      return `Every hour at :${pad(rule.minute)}`;
    case "every":
      return rule.hours === 1
        ? `Every hour at :${pad(rule.minute)}`
        : `Every ${rule.hours} hours at :${pad(rule.minute)}`;
    case "daily":
      return `Every day at ${rule.at} (${timeZone})`;
    case "weekly":
      return `${describeDays(rule.days)} at ${rule.at} (${timeZone})`;
    case "monthly":
      return `On day ${rule.day} of each month at ${rule.at} (${timeZone})` +
        (rule.day > 28 ? ", skipped in months without that day" : "");
    case "cron":
      return describeCron(parseCron(rule.expression), timeZone);
  }
}

function describeDays(list: ReadonlyArray<number>): string {
  const days = [...new Set(list.map((d) => d % 7))].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
  if (days.length === 7) return "Every day";
  if (days.join() === "1,2,3,4,5") return "Weekdays (Monday to Friday)";
  if (days.join() === "6,0") return "Saturdays and Sundays";
  const names = days.map((d) => `${DAY_NAMES[d]}s`);
  return names.length === 1
    ? names[0]
    : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

function describeCron(p: ParsedCron, timeZone: string): string {
  const f = p.expression.split(" ");
  const single = (s: string) => /^\d+$/.test(s);
  const anyDay = f[2] === "*" && f[3] === "*";
  if (single(f[0]) && single(f[1]) && anyDay) {
    const at = `${pad(Number(f[1]))}:${pad(Number(f[0]))}`;
    if (f[4] === "*") return `Every day at ${at} (${timeZone})`;
    const days = p.weekdays.flatMap((on, d) => (on ? [d] : []));
    return `${describeDays(days)} at ${at} (${timeZone})`;
  }
  if (single(f[0]) && f[1] === "*" && anyDay && f[4] === "*") {
    return `Every hour at :${pad(Number(f[0]))}`;
  }
  if (single(f[0]) && /^\*\/\d+$/.test(f[1]) && anyDay && f[4] === "*") {
    return `Every ${f[1].slice(2)} hours at :${pad(Number(f[0]))} (${timeZone})`;
  }
  return `Custom: ${p.expression} (${timeZone})`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

// ---- zone arithmetic ----

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();
const BUCKET = 15 * MINUTE;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new ScheduleError("Unknown time zone: use an IANA name such as Europe/Berlin or UTC");
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The zone's offset from UTC in ms at an instant. Zones change offset on quarter-hour
 * boundaries, so one lookup per quarter hour is kept.
 */
export function zoneOffsetMs(timeZone: string, atMs: number): number {
  const bucket = Math.floor(atMs / BUCKET);
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  const at = bucket * BUCKET;
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const n: Record<string, number> = {};
  for (const p of parts) if (p.type !== "literal") n[p.type] = Number(p.value);
  const asUtc = Date.UTC(n.year, n.month - 1, n.day, n.hour, n.minute, n.second);
  const offset = asUtc - at;
  if (cache.size > 50_000) cache.clear();
  cache.set(bucket, offset);
  return offset;
}

/**
 * The instants a wall-clock time (given as if it were UTC) stands for in the zone: one
 * normally, two in a fall-back overlap (earlier first), none in a spring-forward gap, in which
 * case `gapEnd` is the first instant after the gap.
 */
export function wallToInstants(
  timeZone: string,
  wallMs: number,
): { instants: number[]; gapEnd: number | null } {
  const before = zoneOffsetMs(timeZone, wallMs - DAY);
  const after = zoneOffsetMs(timeZone, wallMs + DAY);
  const instants: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    const t = wallMs - o;
    if (zoneOffsetMs(timeZone, t) === o) instants.push(t);
  }
  if (instants.length > 0 || before === after) {
    return { instants: instants.sort((a, b) => a - b), gapEnd: null };
  }
  // A gap: find the transition between the two readings (whole minutes) by bisection.
  let lo = Math.floor((wallMs - after) / MINUTE);
  let hi = Math.ceil((wallMs - before) / MINUTE);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zoneOffsetMs(timeZone, mid * MINUTE) === before) lo = mid;
    else hi = mid;
  }
  return { instants, gapEnd: hi * MINUTE };
}

function dayMatches(p: ParsedCron, dayMs: number): boolean {
  const d = new Date(dayMs);
  if (!p.months[d.getUTCMonth() + 1]) return false;
  const byDay = p.days[d.getUTCDate()];
  const byWeekday = p.weekdays[d.getUTCDay()];
  if (p.daysRestricted && p.weekdaysRestricted) return byDay || byWeekday;
  if (p.daysRestricted) return byDay;
  if (p.weekdaysRestricted) return byWeekday;
  return true;
}

/** The runs of one local day (dayMs = its midnight as if UTC), sorted. */
function runsOfDay(p: ParsedCron, timeZone: string, dayMs: number): number[] {
  const o1 = zoneOffsetMs(timeZone, dayMs - DAY);
  const o2 = zoneOffsetMs(timeZone, dayMs + 2 * DAY);
  const out: number[] = [];
  if (o1 === o2 && zoneOffsetMs(timeZone, dayMs + DAY / 2) === o1) {
    for (const h of p.hours) {
      for (const m of p.minutes) out.push(dayMs + h * HOUR + m * MINUTE - o1);
    }
    return out;
  }
  for (const h of p.hours) {
    for (const m of p.minutes) {
      const { instants, gapEnd } = wallToInstants(timeZone, dayMs + h * HOUR + m * MINUTE);
      if (p.hourWildcard) out.push(...instants);
      else if (instants.length > 0) out.push(instants[0]);
      else if (gapEnd !== null) out.push(gapEnd);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

function computeRuns(p: ParsedCron, timeZone: string, afterMs: number, n: number): number[] {
  const out: number[] = [];
  const local = afterMs + zoneOffsetMs(timeZone, afterMs);
  let dayMs = Math.floor(local / DAY) * DAY - DAY;
  for (let i = 0; i < MAX_DAYS && out.length < n; i++, dayMs += DAY) {
    if (!dayMatches(p, dayMs)) continue;
    for (const t of runsOfDay(p, timeZone, dayMs)) {
      if (t > afterMs && out.length < n) out.push(t);
    }
  }
  return out;
}

interface Window {
  from: number;
  runs: number[];
}
/** Per cron, per zone: the runs from some instant on (no string keys on the hot path). */
const windows = new Map<string, Map<string, Window>>();
let windowCount = 0;
const WINDOW_RUNS = 24;

/** A cached window holding at least `n` runs after `afterMs` (recomputed when it does not). */
function windowFor(cron: string, timeZone: string, afterMs: number, n: number): Window {
  let byZone = windows.get(cron);
  if (!byZone) {
    if (windowCount > 50_000) {
      windows.clear();
      windowCount = 0;
    }
    byZone = new Map();
    windows.set(cron, byZone);
  }
  let w = byZone.get(timeZone);
  if (!w || afterMs < w.from || w.runs.length === 0 || afterMs >= w.runs[w.runs.length - n]) {
    const p = parseCron(cron);
    formatter(timeZone);
    if (!w) windowCount++;
    w = { from: afterMs, runs: computeRuns(p, timeZone, afterMs, WINDOW_RUNS) };
    byZone.set(timeZone, w);
  }
  return w;
}

/** The next `n` run instants (ms) strictly after `afterMs`. */
export function nextRuns(cron: string, timeZone: string, afterMs: number, n: number): number[] {
  if (n > WINDOW_RUNS) return computeRuns(parseCron(cron), timeZone, afterMs, n);
  const w = windowFor(cron, timeZone, afterMs, n);
  const i = firstAfter(w.runs, afterMs);
  return w.runs.slice(i, i + n);
}

function firstAfter(runs: number[], t: number): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The next run instant (ms) strictly after `afterMs`. */
export function nextRunAfter(cron: string, timeZone: string, afterMs: number): number {
  const w = windowFor(cron, timeZone, afterMs, 1);
  const next = w.runs[firstAfter(w.runs, afterMs)];
  if (next === undefined) throw new ScheduleError("This expression never runs");
  return next;
}

/** Runs in (fromMs, toMs], at most `limit`. */
export function runsBetween(
  cron: string,
  timeZone: string,
  fromMs: number,
  toMs: number,
  limit: number,
): number[] {
  const out: number[] = [];
  let t = fromMs;
  while (out.length < limit) {
    const batch = nextRuns(cron, timeZone, t, Math.min(WINDOW_RUNS, limit - out.length));
    for (const r of batch) if (r <= toMs) out.push(r);
    if (batch.length === 0 || batch[batch.length - 1] >= toMs) break;
    t = batch[batch.length - 1];
  }
  return out;
}

const intervals = new Map<string, Map<string, { typical: number; longest: number }>>();
/** A fixed start so a schedule's interval does not depend on when it is asked. */
const INTERVAL_SAMPLE_FROM = Date.UTC(2026, 0, 1);

function intervalStats(cron: string, timeZone: string): { typical: number; longest: number } {
  let byZone = intervals.get(cron);
  if (!byZone) {
    if (intervals.size > 50_000) intervals.clear();
    byZone = new Map();
    intervals.set(cron, byZone);
  }
  let hit = byZone.get(timeZone);
  if (!hit) {
    const runs = computeRuns(parseCron(cron), timeZone, INTERVAL_SAMPLE_FROM, 61);
    const gaps = runs.slice(1).map((r, i) => r - runs[i]).sort((a, b) => a - b);
    hit = gaps.length === 0
      ? { typical: 366 * DAY, longest: 366 * DAY }
      : { typical: gaps[Math.floor(gaps.length / 2)], longest: gaps[gaps.length - 1] };
    byZone.set(timeZone, hit);
  }
  return hit;
}

/** The usual gap between two runs (the median over a sample of 60), for stale-backup windows. */
export function typicalIntervalMs(cron: string, timeZone: string): number {
  return intervalStats(cron, timeZone).typical;
}

/** The longest gap between two runs in the same sample (a weekday schedule: its weekend). */
export function longestIntervalMs(cron: string, timeZone: string): number {
  return intervalStats(cron, timeZone).longest;
}
