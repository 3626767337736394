/**
 * Applies the reports an agent sends about a job to the jobs row, the repository's columns, the
 * snapshot cache and the live streams. Reports reach here after they are committed, and the same
 * report may come again (the agent re-sends what it has no signed ack for), so every step is
 * idempotent: status moves only forward, counts are recounted, a finished job stays finished.
 * A malformed body is stored anyway (it is the agent's record) and skipped here with a warning
 * that never carries the body.
 */
import * as v from "valibot";
import type { Clock } from "../clock.ts";
import type { JobLogLine } from "../contract/backups.ts";
import {
  JobFinishedSchema,
  JobLogSchema,
  JobProgressSchema,
  JobStartedSchema,
  SnapshotsReportSchema,
} from "../contract/jobs.ts";
import type { JobFinished, LocksResult, StatsResult } from "../contract/jobs.ts";
import type { Logger } from "../log.ts";
import type { SnapshotsService } from "../snapshots/service.ts";
import type { JobHub } from "./hub.ts";
import type { JobsRepo, JobWithNames } from "./repo.ts";

/** A job that ended, for whoever keeps figures of its kind (drills). */
export interface EndedJob {
  id: string;
  kind: string;
  status: string;
  finishedAt: number;
  message: string | null;
  result: Record<string, unknown> | null;
}

export interface JobReport {
  id: string;
  jobId: string | null;
  kind: string;
  seq: number;
  at: number;
  body: Record<string, unknown>;
}

export function logLineOf(r: { seq: number; at: number; body: Record<string, unknown> }) {
  const b = v.safeParse(JobLogSchema, r.body);
  if (!b.success) return null;
  const line: JobLogLine = {
    seq: r.seq,
    at: new Date(r.at).toISOString(),
    level: b.output.level,
    source: b.output.source,
    text: b.output.text,
  };
  return line;
}

export function createReportApplier(deps: {
  repo: JobsRepo;
  snapshots: SnapshotsService;
  hub: JobHub;
  clock: Clock;
  log?: Logger;
  /** Publishes the job's current view as `job` (and `end` once it finished). */
  publishJob(jobId: string, end: boolean): Promise<void>;
  /** A backup made a snapshot (ok or warning); must not throw. */
  onBackupMade?: (b: { repositoryId: string; hostId: string; snapshotId: string }) => void;
  /** Any job ended (once); must not throw. */
  onJobEnded?: (j: EndedJob) => void;
}) {
  const { repo, hub, clock } = deps;

  function malformed(r: JobReport, jobId: string) {
    deps.log?.warn("job report ignored: its body does not match the contract", {
      reportId: r.id,
      jobId,
      kind: r.kind,
    });
  }

  /** Applies one job.finished; true when it moved the job to its end. */
  async function applyFinished(job: JobWithNames, r: JobReport): Promise<boolean> {
    const b = v.safeParse(JobFinishedSchema, r.body);
    if (!b.success) {
      malformed(r, job.id);
      return false;
    }
    const f = b.output;
    const moved = await repo.markFinished(job.id, {
      status: f.status,
      finishedAt: r.at,
      exitCode: f.exitCode,
      failureCode: f.failureCode,
      message: f.message,
      tail: f.tail,
      result: f.result ?? null,
      snapshotId: f.snapshotId ?? null,
      progress: hub.latestProgress(job.id),
    });
    if (!moved) return false;
    await updateRepository(job, f, r.at);
    if (job.kind === "backup" && f.snapshotId && f.result) {
      await deps.snapshots.noteBackup({
        repositoryId: job.repositoryId,
        jobId: job.id,
        snapshotId: f.snapshotId,
        result: f.result,
      });
    }
    if (job.kind === "backup" && f.snapshotId && (f.status === "ok" || f.status === "warning")) {
      deps.onBackupMade?.({
        repositoryId: job.repositoryId,
        hostId: job.hostId,
        snapshotId: f.snapshotId,
      });
    }
    deps.onJobEnded?.({
      id: job.id,
      kind: job.kind,
      status: f.status,
      finishedAt: r.at,
      message: f.message,
      result: f.result ?? null,
    });
    await repo.recountLogLines(job.id);
    hub.forget(job.id);
    await deps.publishJob(job.id, true);
    return true;
  }

  async function updateRepository(job: JobWithNames, f: JobFinished, at: number) {
    const now = clock.now();
    const good = f.status === "ok" || f.status === "warning";
    const patch: Parameters<JobsRepo["updateRepository"]>[1] = { now };
    if (good && ["init", "snapshots", "stats", "backup"].includes(job.kind)) patch.state = "ready";
    if (f.failureCode === "repo_missing") patch.state = "error";
    if (f.failureCode === "append_only") patch.appendOnly = true;
    if (job.kind === "stats" && good && f.result) {
      patch.stats = { ...(f.result as StatsResult), updatedAt: at };
    }
    if (job.kind === "locks" && good && f.result) {
      const locks = (f.result as unknown as LocksResult).locks ?? [];
      patch.lockState = {
        locked: locks.length > 0,
        holders: locks.map((l) => ({ hostname: l.hostname, pid: l.pid, since: l.since })),
        checkedAt: at,
      };
    }
    if (job.kind === "unlock" && good) {
      patch.lockState = { locked: false, holders: [], checkedAt: at };
    }
    if (f.failureCode === "locked") patch.lockState = { locked: true, holders: [], checkedAt: at };
    if (job.kind === "check" && f.status !== "cancelled") {
      patch.lastCheck = { at, status: f.status };
    }
    if (Object.keys(patch).length > 1) await repo.updateRepository(job.repositoryId, patch);
  }

  async function applyOne(job: JobWithNames, r: JobReport): Promise<"finished" | "changed" | null> {
    switch (r.kind) {
      case "job.started": {
        const b = v.safeParse(JobStartedSchema, r.body);
        if (!b.success) return void malformed(r, job.id), null;
        const moved = await repo.markStarted(job.id, {
          startedAt: b.output.startedAt,
          command: b.output.command,
        });
        return moved ? "changed" : null;
      }
      case "job.progress": {
        const b = v.safeParse(JobProgressSchema, r.body);
        if (!b.success) return void malformed(r, job.id), null;
        if (!["sent", "running"].includes(job.status)) return null;
        if (hub.noteProgress(job.id, b.output, clock.now())) {
          await repo.saveProgress(job.id, b.output);
        }
        return null;
      }
      case "job.log": {
        const line = logLineOf(r);
        if (!line) return void malformed(r, job.id), null;
        hub.noteLog(job.id, line);
        return null;
      }
      case "job.finished":
        return (await applyFinished(job, r)) ? "finished" : null;
      case "snapshots": {
        const b = v.safeParse(SnapshotsReportSchema, r.body);
        if (!b.success || b.output.repositoryId !== job.repositoryId) {
          return void malformed(r, job.id), null;
        }
        await deps.snapshots.applyPart(b.output);
        return null;
      }
      default:
        return null;
    }
  }

  /**
   * Applies a committed batch of one host's job reports, in the agent's order. Returns whether
   * a job ended (the dispatcher should look again).
   */
  async function applyBatch(hostId: string, reports: JobReport[]): Promise<boolean> {
    const byJob = new Map<string, JobReport[]>();
    for (const r of [...reports].sort((a, b) => a.seq - b.seq)) {
      if (r.jobId === null) continue;
      byJob.set(r.jobId, [...(byJob.get(r.jobId) ?? []), r]);
    }
    let ended = false;
    for (const [jobId, list] of byJob) {
      let job = await repo.findJob(jobId);
      if (!job || job.hostId !== hostId) continue;
      let logs = false;
      let finished = false;
      for (const r of list) {
        const out = await applyOne(job, r);
        if (r.kind === "job.log") logs = true;
        if (out === "finished") finished = true;
        if (out === "changed") await deps.publishJob(jobId, false);
        if (out !== null) job = (await repo.findJob(jobId)) ?? job;
      }
      // A finished job was recounted as it ended.
      if (logs && !finished) await repo.recountLogLines(jobId);
      ended ||= finished;
    }
    return ended;
  }

  return { applyBatch, applyFinished };
}

export type ReportApplier = ReturnType<typeof createReportApplier>;
