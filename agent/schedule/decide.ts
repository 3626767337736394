/**
 * What one schedule entry should do now: wait, fire, or move past a run without firing. Pure
 * (the clock and the cron arithmetic come in), so the rules below are tested without sleeping:
 *
 * - A run's instant is its cron time in the entry's zone plus the entry's jitter. Runs count
 *   only after the entry was applied and after the last run it stood for, so a new entry never
 *   fires what was due before it arrived, and a restart never fires a run twice.
 * - Up to `graceMs` late (a busy host, a slow tick), the latest due run fires as usual. Later
 *   than that (host off, asleep, agent stopped), `catchUp: "once"` fires the latest missed run
 *   once, marked as a catch-up, and `"skip"` moves on; either way the runs before it are not
 *   made up one by one.
 * - A run whose instant falls before `pausedUntil` is moved past, never caught up later.
 */
import { ScheduleError } from "../../server/contract/cron.ts";
import { nextRunAfter } from "../../server/contract/schedule_time.ts";
import type { ScheduleEntry } from "../../server/contract/schedules.ts";
import type { EntryState } from "./store.ts";

/** The first run time (ms) strictly after `afterMs`, in the zone's wall-clock; null = never. */
export type NextRunAfter = (cron: string, timeZone: string, afterMs: number) => number | null;

/** The shared schedule arithmetic (schedule_time.ts), with "never runs" as null. */
export const nextRun: NextRunAfter = (cron, timeZone, afterMs) => {
  try {
    return nextRunAfter(cron, timeZone, afterMs);
  } catch (err) {
    if (err instanceof ScheduleError) return null;
    throw err;
  }
};

export type Decision =
  | { action: "wait"; at: number | null }
  | { action: "fire"; scheduledFor: number; catchUp: boolean }
  | { action: "skip"; scheduledFor: number; reason: "paused" | "missed" };

export const DEFAULT_GRACE_MS = 2 * 60_000;

const HOUR = 3_600_000;
/** Windows searched backwards from now for the latest due run, smallest first. */
const WINDOWS = [HOUR, 24 * HOUR, 32 * 24 * HOUR, 400 * 24 * HOUR, Infinity];
const MAX_STEPS = 2_000;

export function timingOf(e: ScheduleEntry): string {
  return `${e.cron}|${e.timeZone}|${e.jitterSeconds}`;
}

export function decide(
  entry: ScheduleEntry,
  opts: { state: EntryState; now: number; next: NextRunAfter; graceMs?: number },
): Decision {
  const { state, now, next } = opts;
  const jitter = entry.jitterSeconds * 1000;
  const base = Math.max(state.lastScheduledFor ?? -Infinity, state.since - jitter);
  const first = next(entry.cron, entry.timeZone, base);
  if (first === null) return { action: "wait", at: null };
  if (first + jitter > now) return { action: "wait", at: first + jitter };
  const latest = latestRun(entry, { base, first, limit: now - jitter, next });
  if (entry.pausedUntil !== null && latest + jitter < entry.pausedUntil) {
    return { action: "skip", scheduledFor: latest, reason: "paused" };
  }
  if (now - (latest + jitter) <= (opts.graceMs ?? DEFAULT_GRACE_MS)) {
    return { action: "fire", scheduledFor: latest, catchUp: false };
  }
  if (entry.catchUp === "once") return { action: "fire", scheduledFor: latest, catchUp: true };
  return { action: "skip", scheduledFor: latest, reason: "missed" };
}

/**
 * The latest run time in (base, limit], knowing `first` is one. Cron cannot be walked
 * backwards, so it walks forwards from the start of a window before `limit`, widening the
 * window until it holds a run: a month away costs a few dozen steps, not one per minute.
 */
function latestRun(
  entry: ScheduleEntry,
  o: { base: number; first: number; limit: number; next: NextRunAfter },
): number {
  for (const w of WINDOWS) {
    let t = Math.max(o.base, o.limit - w);
    let last: number | null = null;
    for (let i = 0; i < MAX_STEPS; i++) {
      const s = o.next(entry.cron, entry.timeZone, t);
      if (s === null || s > o.limit) break;
      last = s;
      t = s;
    }
    if (last !== null) return last;
    if (t <= o.base) break;
  }
  return o.first;
}
