/**
 * The repository view. The stats, lock and check columns are filled by the jobs that end on the
 * repository, so they are read defensively: anything missing or of the wrong type is null, and
 * `{}` (a repository no job has looked at yet) shows as unknown rather than as zero.
 */
import type { RepositoryStatsView, RepositoryView } from "../contract/backups.ts";
import { locationDisplay } from "./tool_location.ts";
import type { Repository } from "./repo.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

/** A time written as Unix ms or as an ISO string; anything else is null. */
function time(x: unknown): string | null {
  if (typeof x === "number" && Number.isFinite(x) && x > 0 && x < 8.64e15) return iso(x);
  if (typeof x === "string" && !Number.isNaN(Date.parse(x))) return new Date(x).toISOString();
  return null;
}

function record(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x)
    ? x as Record<string, unknown>
    : {};
}

export function statsView(raw: unknown): RepositoryStatsView {
  const s = record(raw);
  return {
    totalSizeBytes: num(s.totalSizeBytes),
    rawSizeBytes: num(s.rawSizeBytes),
    deduplicationRatio: num(s.deduplicationRatio),
    snapshotCount: num(s.snapshotCount),
    updatedAt: time(s.updatedAt ?? s.at),
  };
}

export function lockView(raw: unknown): RepositoryView["lock"] {
  const l = record(raw);
  const checkedAt = time(l.checkedAt ?? l.at);
  if (!Array.isArray(l.locks)) {
    return { locked: typeof l.locked === "boolean" ? l.locked : null, holders: [], checkedAt };
  }
  const holders = l.locks.slice(0, 50).map((x) => {
    const h = record(x);
    const out: { hostname?: string; pid?: number; since?: string } = {};
    if (typeof h.hostname === "string") out.hostname = h.hostname.slice(0, 255);
    if (num(h.pid) !== null) out.pid = h.pid as number;
    const since = time(h.since);
    if (since !== null) out.since = since;
    return out;
  });
  return { locked: holders.length > 0, holders, checkedAt };
}

export function repositoryView(r: Repository): RepositoryView {
  return {
    id: r.id,
    name: r.name,
    engine: r.engine,
    location: r.location,
    display: locationDisplay(r.engine, r.location),
    state: r.state,
    passphraseSet: true,
    credentialsSet: r.credentialsSet,
    sshKeyId: r.sshKeyId,
    knownHostsSet: r.knownHostsSet,
    appendOnly: r.appendOnly,
    stats: statsView(r.stats),
    lock: lockView(r.lockState),
    lastCheck: r.lastCheckAt !== null
      ? { at: iso(r.lastCheckAt), status: r.lastCheckStatus ?? "unknown" }
      : null,
    plans: r.plans,
    activeJobId: r.activeJobId,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}
