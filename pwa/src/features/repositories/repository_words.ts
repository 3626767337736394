/** Plain words for a repository's state, size and lock. */
import type { RepositoryView } from "../../../../server/contract/backups.ts";
import { formatAgo, formatBytes } from "../../components/format.ts";

export const STATE: Record<RepositoryView["state"], { label: string; badge: string }> = {
  new: { label: "New", badge: "badge" },
  ready: { label: "Ready", badge: "badge badge--good" },
  error: { label: "Error", badge: "badge badge--bad" },
};

export function sizeLine(r: RepositoryView): string {
  return r.stats.totalSizeBytes !== null ? formatBytes(r.stats.totalSizeBytes) : "—";
}

export function dedupLine(r: RepositoryView): string {
  return r.stats.deduplicationRatio !== null ? `${r.stats.deduplicationRatio.toFixed(2)}×` : "—";
}

export function lockLine(r: RepositoryView): string {
  if (r.lock.locked === null) return "not looked at";
  if (!r.lock.locked) return "free";
  const h = r.lock.holders[0];
  const who = h?.hostname ? `by ${h.hostname}${h.pid ? ` (pid ${h.pid})` : ""}` : "";
  return ["locked", who, h?.since ? `since ${formatAgo(h.since)}` : ""].filter(Boolean).join(" ");
}

export function appendOnlyLine(r: RepositoryView): string {
  if (r.appendOnly === null) return "unknown";
  if (!r.appendOnly) return "no";
  return r.engine === "borg"
    ? "yes: deletes are recorded and can be undone on the server"
    : "yes: the server refuses deletes";
}
