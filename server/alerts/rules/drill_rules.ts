/**
 * The restore drill rules. drill_failed: the newest drill of a host and plan (or host and
 * repository, for a drill without a plan) failed; the next drill that passes resolves it. It is
 * judged the moment a drill job ends, besides every tick. drill_overdue: an enabled drill
 * schedule's run was due more than `graceHours` ago and no drill of the host has passed since
 * (the host was offline, had no indexed snapshot, or the drills failed or never ended). Both
 * link to the host's page, where the "last verified restore" card shows the drills.
 */
import { nextRunAfter } from "../../contract/schedule_time.ts";
import type { Finding, RuleEvaluator } from "./types.ts";
import { formatDuration, iso, num } from "./types.ts";

export const drillFailedRule: RuleEvaluator = {
  rule: "drill_failed",
  trigger: "jobs",
  async evaluate(q, input) {
    const rows = await q.latestDrills({
      since: input.since,
      jobIds: input.jobIds,
      subjects: input.open.map((o) => o.subject),
    });
    return rows.filter((r) => r.status === "failed").map((r): Finding => ({
      subject: r.subject,
      title: `Restore drill failed on ${r.hostName}`,
      message: `${r.planName ? `Plan ${r.planName}` : `Repository ${r.repositoryName}`}: ${
        r.message ?? "the drill failed"
      }`,
      hostId: r.hostId,
      planId: r.planId,
      repositoryId: r.repositoryId,
      jobId: r.jobId,
      link: `/hosts/${r.hostId}`,
      details: { finishedAt: r.finishedAt },
      occurrence: r.jobId,
    }));
  },
};

export const drillOverdueRule: RuleEvaluator = {
  rule: "drill_overdue",
  trigger: "tick",
  everyMs: 60_000,
  async evaluate(q, input) {
    const graceMs = num(input.params.graceHours, 24) * 3600_000;
    const out: Finding[] = [];
    for (const r of await q.drillDuties(input.now)) {
      // Counted from the newest passing drill, or from when the schedule was made or edited.
      const from = Math.max(r.lastOkAt ?? 0, r.createdAt, r.updatedAt);
      let due: number;
      try {
        due = nextRunAfter(r.cron, r.timeZone, from);
      } catch {
        continue; // an expression that never runs sets no expectation
      }
      if (input.now - due <= graceMs) continue;
      const since = r.lastOkAt === null ? "no drill has passed yet" : `last at ${iso(r.lastOkAt)}`;
      out.push({
        subject: `${r.hostId}/${r.scheduleId}`,
        title: `Restore drill overdue on ${r.hostName}`,
        message: `${r.planName ? `Plan ${r.planName}: n` : "N"}o restore drill passed within ${
          formatDuration(graceMs)
        } of the run due at ${iso(due)} (${since})${
          r.lastSkipReason ? `; last attempt skipped: ${r.lastSkipReason}` : ""
        }`,
        hostId: r.hostId,
        planId: r.planId,
        repositoryId: null,
        jobId: null,
        link: `/hosts/${r.hostId}`,
        details: { scheduleId: r.scheduleId, dueAt: due, lastOkAt: r.lastOkAt },
        occurrence: null,
      });
    }
    return out;
  },
};
