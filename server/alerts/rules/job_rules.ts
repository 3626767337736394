/**
 * The rules judged from what jobs report: a job failed, backups failed several times in a row,
 * a repository check failed, and a snapshot whose size jumped from the one before. Each is
 * re-judged the moment a job ends, so the alert opens within a second of the report.
 */
import type { RuleQueries } from "./repo.ts";
import type { Finding, RuleEvaluator, RuleInput } from "./types.ts";
import { formatBytes, KIND_WORDS, num } from "./types.ts";

const pairsOf = (input: RuleInput): Array<[string, string]> =>
  input.open.filter((o) => o.hostId && o.planId).map((o) => [o.hostId!, o.planId!]);

export const jobFailedRule: RuleEvaluator = {
  rule: "job_failed",
  trigger: "jobs",
  async evaluate(q: RuleQueries, input: RuleInput): Promise<Finding[]> {
    const openJobs = input.open.map((o) => o.jobId).filter((x): x is string => x !== null);
    const rows = await q.failedJobs({
      since: input.since,
      jobIds: [...input.jobIds, ...openJobs],
    });
    // Several failures of one subject: the latest speaks for them.
    const latest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const subject = `${r.hostId}/${r.planId ?? r.repositoryId}/${r.kind}`;
      const had = latest.get(subject);
      if (!had || r.finishedAt > had.finishedAt) latest.set(subject, r);
    }
    return [...latest].map(([subject, r]) => {
      const what = KIND_WORDS[r.kind] ?? r.kind;
      const where = r.planName ? `Plan ${r.planName}` : `Repository ${r.repositoryName}`;
      return {
        subject,
        title: `${what} failed on ${r.hostName}`,
        message: `${where}: ${r.message ?? r.failureCode ?? "the job failed"}`,
        hostId: r.hostId,
        planId: r.planId,
        repositoryId: r.repositoryId,
        jobId: r.id,
        link: `/jobs/${r.id}`,
        details: { kind: r.kind, failureCode: r.failureCode },
        occurrence: r.id,
      };
    });
  },
};

export const failuresInRowRule: RuleEvaluator = {
  rule: "failures_in_row",
  trigger: "jobs",
  async evaluate(q, input) {
    const count = Math.max(2, Math.round(num(input.params.count, 3)));
    const rows = await q.failureRuns({
      since: input.since,
      jobIds: input.jobIds,
      pairs: pairsOf(input),
      count,
    });
    return rows.map((r) => ({
      subject: `${r.hostId}/${r.planId}`,
      title: `${r.failures} backups in a row failed on ${r.hostName}`,
      message: `Plan ${r.planName}: the last ${r.failures} backups failed; the last one: ${
        r.lastMessage ?? "the job failed"
      }`,
      hostId: r.hostId,
      planId: r.planId,
      repositoryId: r.repositoryId,
      jobId: r.lastJobId,
      link: `/jobs/${r.lastJobId}`,
      details: { failures: r.failures, threshold: count },
      occurrence: r.lastJobId,
    }));
  },
};

export const checkFailedRule: RuleEvaluator = {
  rule: "check_failed",
  trigger: "jobs",
  async evaluate(q) {
    const rows = await q.failedChecks();
    return rows.map((r) => ({
      subject: r.id,
      title: `Check of repository ${r.name} failed`,
      message: r.message ?? "The repository check found problems",
      hostId: r.hostId,
      planId: null,
      repositoryId: r.id,
      jobId: r.jobId,
      link: r.jobId ? `/jobs/${r.jobId}` : `/repositories/${r.id}`,
      details: {},
      occurrence: r.jobId,
    }));
  },
};

/** "grew from 1.0 GiB to 2.1 GiB (+110 %)". */
export function sizeChangeWords(from: number, to: number): string {
  const pct = Math.round(((to - from) / from) * 100);
  const verb = to >= from ? "grew" : "shrank";
  return `${verb} from ${formatBytes(from)} to ${formatBytes(to)} (${pct >= 0 ? "+" : "−"}${
    Math.abs(pct)
  } %)`;
}

export const sizeChangedRule: RuleEvaluator = {
  rule: "size_changed",
  trigger: "jobs",
  async evaluate(q, input) {
    const percent = num(input.params.percent, 50);
    const rows = await q.latestSnapshotPairs({
      since: input.since,
      jobIds: input.jobIds,
      pairs: pairsOf(input),
    });
    const byPair = new Map<
      string,
      { newer?: (typeof rows)[number]; older?: (typeof rows)[number] }
    >();
    for (const r of rows) {
      const key = `${r.hostId}/${r.planId}`;
      const e = byPair.get(key) ?? {};
      if (r.rn === 1) e.newer = r;
      else e.older = r;
      byPair.set(key, e);
    }
    const out: Finding[] = [];
    for (const [subject, { newer, older }] of byPair) {
      if (!newer || !older || older.sizeBytes <= 0) continue;
      const change = ((newer.sizeBytes - older.sizeBytes) / older.sizeBytes) * 100;
      if (Math.abs(change) <= percent) continue;
      const diff =
        `/hosts/${newer.hostId}/snapshots/${newer.repositoryId}/${newer.snapshotId}/diff`;
      out.push({
        subject,
        title: `Backup size changed on ${newer.hostName}`,
        message: `Plan ${newer.planName ?? newer.planId}: the backup ${
          sizeChangeWords(older.sizeBytes, newer.sizeBytes)
        } between two snapshots`,
        hostId: newer.hostId,
        planId: newer.planId,
        repositoryId: newer.repositoryId,
        jobId: null,
        link: `${diff}?from=${encodeURIComponent(older.snapshotId)}`,
        details: {
          fromSnapshot: older.snapshotId,
          toSnapshot: newer.snapshotId,
          fromBytes: older.sizeBytes,
          toBytes: newer.sizeBytes,
          changePercent: Math.round(change * 10) / 10,
          threshold: percent,
        },
        occurrence: newer.snapshotId,
      });
    }
    return out;
  },
};
