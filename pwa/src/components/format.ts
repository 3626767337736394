/** Plain-words formatting of sizes, durations and times for the screens. */

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];

export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[i]}`;
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${Math.max(0, Math.floor(seconds))} s`;
}

const ABSOLUTE = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const CLOCK = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** "14:05" today, "3 Nov 2026, 14:05" otherwise. */
export function formatTime(at: string | number | Date, now: number = Date.now()): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? CLOCK.format(d) : ABSOLUTE.format(d);
}

export function formatAgo(at: string | number | Date, now: number = Date.now()): string {
  const s = Math.round((now - new Date(at).getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
