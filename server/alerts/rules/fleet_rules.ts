/**
 * The rules judged from the fleet's state on every tick: a host gone silent, a host waiting for
 * approval, a repository lock held too long, and a host+plan with no successful backup within
 * the window its schedule implies.
 */
import { typicalIntervalMs } from "../../contract/schedule_time.ts";
import type { Finding, RuleEvaluator } from "./types.ts";
import { formatDuration, iso, num } from "./types.ts";

export const hostOfflineRule: RuleEvaluator = {
  rule: "host_offline",
  trigger: "tick",
  async evaluate(q, input) {
    const minutes = num(input.params.minutes, 30);
    const rows = await q.silentHosts(input.now - minutes * 60_000);
    return rows.map((r) => ({
      subject: r.id,
      title: `${r.name} is offline`,
      message: r.lastSeenAt === null
        ? `${r.name} has not contacted the appliance since it was approved`
        : `${r.name} was last seen at ${iso(r.lastSeenAt)} (more than ${
          formatDuration(minutes * 60_000)
        } ago)`,
      hostId: r.id,
      planId: null,
      repositoryId: null,
      jobId: null,
      link: `/hosts/${r.id}`,
      details: { lastSeenAt: r.lastSeenAt, thresholdMinutes: minutes },
      occurrence: null,
    }));
  },
};

export const hostPendingRule: RuleEvaluator = {
  rule: "host_pending",
  trigger: "tick",
  async evaluate(q) {
    const rows = await q.pendingHosts();
    return rows.map((r) => ({
      subject: r.id,
      title: `${r.name} waits for approval`,
      message: `A new agent "${r.name}" enrolled from ${r.enrolledIp} at ${
        iso(r.createdAt)
      }; compare its fingerprint, then approve or reject it`,
      hostId: r.id,
      planId: null,
      repositoryId: null,
      jobId: null,
      link: `/hosts/${r.id}`,
      details: { enrolledIp: r.enrolledIp },
      occurrence: null,
    }));
  },
};

interface LockState {
  /** `since` as a locks job reports it (ms since the epoch); ISO text is read too. */
  holders?: Array<{ hostname?: string; pid?: number; since?: number | string }>;
  checkedAt?: number;
}

function sinceOf(h: { since?: number | string }): number {
  return typeof h.since === "number" ? h.since : Date.parse(h.since ?? "");
}

export const lockHeldRule: RuleEvaluator = {
  rule: "lock_held",
  trigger: "jobs",
  async evaluate(q, input) {
    const hours = num(input.params.hours, 6);
    const out: Finding[] = [];
    for (const r of await q.lockedRepositories()) {
      let state: LockState;
      try {
        state = JSON.parse(r.lockState) as LockState;
      } catch {
        continue; // the query checked json_valid; a cell changed meanwhile is judged next tick
      }
      const times = (state.holders ?? []).map(sinceOf).filter((t) => Number.isFinite(t));
      // A lock seen without its holders' times (a job refused as locked) cannot be aged.
      if (times.length === 0 && hours > 0) continue;
      const since = times.length ? Math.min(...times) : (state.checkedAt ?? input.now);
      if (input.now - since < hours * 3600_000) continue;
      const holder = (state.holders ?? []).find((h) => sinceOf(h) === since);
      const who = holder?.hostname
        ? ` by ${holder.hostname}${holder.pid ? ` (pid ${holder.pid})` : ""}`
        : "";
      out.push({
        subject: r.id,
        title: `Repository ${r.name} is locked`,
        message: `A lock held${who} since ${iso(since)} (${
          formatDuration(input.now - since)
        }); if no job runs, unlock the repository`,
        hostId: null,
        planId: null,
        repositoryId: r.id,
        jobId: null,
        link: `/repositories/${r.id}`,
        details: { since: iso(since), holders: state.holders ?? [], thresholdHours: hours },
        occurrence: null,
      });
    }
    return out;
  },
};

/**
 * The usual interval of each enabled backup schedule's expression, for the stale query. The
 * expressions are few (most fleets share a handful) and typicalIntervalMs caches each
 * (cron, zone), so a tick computes nothing it computed before.
 */
export function scheduleIntervals(
  crons: Array<{ cron: string; timeZone: string }>,
): Array<[string, string, number]> {
  const out: Array<[string, string, number]> = [];
  for (const { cron, timeZone } of crons) {
    // The stale query looks intervals up by a JSON key, which cannot hold a double quote (no
    // valid expression or zone has one).
    if (cron.includes('"') || timeZone.includes('"')) continue;
    try {
      out.push([cron, timeZone, typicalIntervalMs(cron, timeZone)]);
    } catch {
      // an expression that never runs sets no expectation
    }
  }
  return out;
}

export const backupStaleRule: RuleEvaluator = {
  rule: "backup_stale",
  trigger: "tick",
  // Windows are an hour and more: five minutes' resolution is plenty, and this is the rule
  // that reads every host and plan.
  everyMs: 5 * 60_000,
  async evaluate(q, input) {
    const hours = input.params.unscheduledHours;
    const rows = await q.stalePairs({
      now: input.now,
      factor: num(input.params.factor, 2),
      graceMs: num(input.params.graceMinutes, 60) * 60_000,
      unscheduledMs: typeof hours === "number" ? hours * 3600_000 : null,
      intervals: scheduleIntervals(await q.backupCrons()),
    });
    return rows.map((r) => {
      const since = r.lastOkAt === null ? "never backed up" : `last at ${iso(r.lastOkAt)}`;
      const why = r.intervalMs === null
        ? `${formatDuration(r.windowMs)} for a plan without a schedule`
        : `${formatDuration(r.windowMs)}, from the schedule's ${
          formatDuration(r.intervalMs)
        } interval`;
      return {
        subject: `${r.hostId}/${r.planId}`,
        title: `No recent backup of ${r.hostName}`,
        message: `Plan ${r.planName}: no successful backup within ${why} (${since})`,
        hostId: r.hostId,
        planId: r.planId,
        repositoryId: r.repositoryId,
        jobId: null,
        link: `/hosts/${r.hostId}`,
        details: { lastOkAt: r.lastOkAt, windowMs: r.windowMs, intervalMs: r.intervalMs },
        occurrence: null,
      };
    });
  },
};
