/** Jobs as the browser sees them, and why a queued job waits, in words, from the current state. */
import type { JobDetail, JobView } from "../contract/backups.ts";
import type { FailureCode, JobProgress } from "../contract/jobs.ts";
import { OFFLINE_AFTER_MS } from "../hosts/service.ts";
import type { HostRecord, Job, JobWithNames } from "./repo.ts";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function jobDetail(
  j: JobWithNames,
  extra: { waitingFor: string | null; progress: JobProgress | null },
): JobDetail {
  const view: JobView = {
    id: j.id,
    kind: j.kind,
    status: j.status,
    host: { id: j.hostId, name: j.hostName },
    repository: { id: j.repositoryId, name: j.repositoryName, engine: j.engine },
    plan: j.planId ? { id: j.planId, name: j.planName ?? j.planId } : null,
    trigger: j.trigger,
    createdBy: j.createdBy,
    createdAt: iso(j.createdAt)!,
    sentAt: iso(j.sentAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    cancelRequested: j.cancelRequestedAt !== null,
    waitingFor: extra.waitingFor,
    progress: extra.progress ?? (j.progress as JobProgress | null),
    command: j.command,
    exitCode: j.exitCode,
    failureCode: j.failureCode as FailureCode | null,
    message: j.message,
    snapshotId: j.snapshotId,
    result: j.result,
    logLines: j.logLines,
  };
  return { ...view, tail: j.tail };
}

/** Strips the detail-only field for list answers. */
export function jobView(d: JobDetail): JobView {
  const { tail: _, ...view } = d;
  return view;
}

function offlineWords(host: HostRecord | undefined, now: number): string | null {
  if (!host) return null;
  if (host.state !== "approved") return `The host is ${host.state}; approve it to run jobs`;
  if (host.lastSeenAt === null) return "The host is offline: never seen";
  if (now - host.lastSeenAt > OFFLINE_AFTER_MS) {
    return `The host is offline: last seen ${new Date(host.lastSeenAt).toISOString()}`;
  }
  return null;
}

/**
 * Why each queued job waits, given every active job (oldest first) and their hosts. Mirrors the
 * dispatcher's rules: one job per host in order, exclusive jobs alone on their repository.
 */
export function waitingReasons(
  active: Array<Job & { hostName?: string }>,
  hosts: Map<string, HostRecord>,
  now: number,
): Map<string, string> {
  const out = new Map<string, string>();
  const hostBusy = new Set<string>();
  const repoUse = new Map<string, { kind: string; exclusive: boolean; hostName: string }>();
  for (const j of active) {
    if (j.status === "queued") continue;
    hostBusy.add(j.hostId);
    const cur = repoUse.get(j.repositoryId);
    if (!cur || j.exclusive) {
      repoUse.set(j.repositoryId, {
        kind: j.kind,
        exclusive: j.exclusive,
        hostName: hosts.get(j.hostId)?.name ?? j.hostId,
      });
    }
  }
  for (const j of active) {
    const host = hosts.get(j.hostId);
    if (j.status === "sent") {
      const off = offlineWords(host, now);
      if (off) out.set(j.id, `Sent; waiting for the host to take it. ${off}`);
      continue;
    }
    if (j.status !== "queued") continue;
    const off = offlineWords(host, now);
    const use = repoUse.get(j.repositoryId);
    let why: string;
    if (host && host.state !== "approved") why = off!;
    else if (hostBusy.has(j.hostId)) why = "Waiting for another job on this host";
    else if (use && (j.exclusive || use.exclusive)) {
      why = `Waiting: the repository is busy with ${use.kind} from ${use.hostName}`;
    } else why = off ?? "Waiting for its turn";
    out.set(j.id, why);
    hostBusy.add(j.hostId);
    if (!use || j.exclusive) {
      repoUse.set(j.repositoryId, {
        kind: j.kind,
        exclusive: j.exclusive,
        hostName: host?.name ?? j.hostId,
      });
    }
  }
  return out;
}

/**
 * The dispatcher's choice: walking queued jobs oldest first, a job starts when its host has no
 * job sent or running (and no older queued one), its host is approved, and its repository is
 * free for it (an exclusive job needs it to itself; a shared one only no exclusive job). An
 * older queued exclusive job holds its repository, so newer shared jobs cannot starve it.
 */
export function pickStartable(active: Job[], approved: Set<string>): string[] {
  const hostTaken = new Set<string>();
  const repoShared = new Set<string>();
  const repoExclusive = new Set<string>();
  for (const j of active) {
    if (j.status === "queued") continue;
    hostTaken.add(j.hostId);
    (j.exclusive ? repoExclusive : repoShared).add(j.repositoryId);
  }
  const out: string[] = [];
  for (const j of active) {
    if (j.status !== "queued") continue;
    const hostFree = !hostTaken.has(j.hostId) && approved.has(j.hostId);
    const repoFree = j.exclusive
      ? !repoExclusive.has(j.repositoryId) && !repoShared.has(j.repositoryId)
      : !repoExclusive.has(j.repositoryId);
    hostTaken.add(j.hostId);
    if (hostFree && repoFree) {
      out.push(j.id);
      (j.exclusive ? repoExclusive : repoShared).add(j.repositoryId);
    } else if (j.exclusive && approved.has(j.hostId)) {
      repoExclusive.add(j.repositoryId); // held for it: newer jobs of the repository wait behind
    }
  }
  return out;
}
