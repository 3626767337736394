/** Plain words around schedules: run times in two zones, pauses, and a host's version drift. */
import type { HostScheduleState } from "../../../../server/contract/schedules.ts";
import { PAUSED_INDEFINITELY } from "../../../../server/contract/schedules.ts";

/** "Tue 3 Nov, 02:30" in `timeZone`. */
export function formatInZone(iso: string, timeZone: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(iso));
}

/** One run, in the schedule's zone and (when it differs) in the viewer's own. */
export function runLine(
  iso: string,
  zones: { schedule: string; viewer: string },
  locale?: string,
): { there: string; here: string | null } {
  const there = formatInZone(iso, zones.schedule, locale);
  const here = formatInZone(iso, zones.viewer, locale);
  return { there, here: zones.schedule === zones.viewer || here === there ? null : here };
}

/** "Paused until resumed", "Paused until Tue 3 Nov, 06:00", or null when not paused. */
export function pauseWords(
  pausedUntil: string | null,
  opts: { now?: number; timeZone?: string; locale?: string } = {},
): string | null {
  if (!pausedUntil) return null;
  const until = new Date(pausedUntil).getTime();
  if (Number.isNaN(until) || until <= (opts.now ?? Date.now())) return null;
  if (until >= PAUSED_INDEFINITELY) return "Paused until resumed";
  const zone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return `Paused until ${formatInZone(pausedUntil, zone, opts.locale)}`;
}

/** "Schedule version 7 pushed, host runs 5", or null when the host runs what was pushed. */
export function driftWords(s: HostScheduleState): string | null {
  if (!s.drift && s.pushedVersion === s.appliedVersion) return null;
  const runs = s.appliedVersion === 0
    ? "host has not applied one yet"
    : `host runs ${s.appliedVersion}`;
  return `Schedule version ${s.pushedVersion} pushed, ${runs}`;
}

/** Every zone the browser knows, with the viewer's own and UTC first. */
export function timeZones(viewer: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?(k: string): string[] };
  const all = intl.supportedValuesOf?.("timeZone") ?? [];
  const rest = all.filter((z) => z !== viewer && z !== "UTC");
  return [viewer, ...(viewer === "UTC" ? [] : ["UTC"]), ...rest];
}

export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
