/** How a host's status reads on screen: words, the dot's colour, and what to do about it. */
import type { HostStatus } from "../../../../server/contract/hosts.ts";

export const STATUS: Record<HostStatus, { label: string; dot: string; badge: string }> = {
  online: { label: "Online", dot: "dot dot--good", badge: "badge badge--good" },
  degraded: { label: "Degraded", dot: "dot dot--warn", badge: "badge badge--warn" },
  offline: { label: "Offline", dot: "dot dot--bad", badge: "badge badge--bad" },
  pending: { label: "Waiting for approval", dot: "dot dot--warn", badge: "badge badge--warn" },
  rejected: { label: "Rejected", dot: "dot", badge: "badge" },
  revoked: { label: "Revoked", dot: "dot", badge: "badge" },
};

/** The fingerprint in groups of four, as the agent prints it. */
export function grouped(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(" ") ?? fingerprint;
}

/** "borg 1.2.4 · restic 0.14.0", or "no backup tool found". */
export function toolsLine(h: { borgVersion: string | null; resticVersion: string | null }): string {
  const parts = [
    h.borgVersion && `borg ${h.borgVersion}`,
    h.resticVersion && `restic ${h.resticVersion}`,
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : "no backup tool found";
}

/** The address an "approve and lock" button offers: where the host last came from. */
export function lockCandidate(h: { lastIp: string | null; enrolledIp: string }): string {
  return h.lastIp ?? h.enrolledIp;
}
