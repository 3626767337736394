/**
 * Schedule time arithmetic shared by the appliance, the agents and the PWA: a cron expression
 * (cron.ts) plus an IANA zone gives the instants it runs. Pure: no I/O, no clock (callers pass
 * the instant to count from).
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
import { parseCron, type ParsedCron, ScheduleError } from "./cron.ts";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The longest a valid expression can wait for its next day (Feb 29 across 2100): ~9 years. */
const MAX_DAYS = 366 * 9;

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
