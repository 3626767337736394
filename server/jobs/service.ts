/**
 * Jobs on the appliance: run now (with the fan-out of a plan to every host it targets), the
 * queue and its dispatcher, cancel, history, the job log, live events for the SSE streams, and
 * the reports agents send about their jobs. No secret is ever part of a job row, an audit entry
 * or a log line: the spec that carries them is built at send time (spec.ts).
 */
import type { Actor, AuditService } from "../audit/service.ts";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import type { Clock } from "../clock.ts";
import type { JobDetail, JobLogLine, JobView, RunJob } from "../contract/backups.ts";
import { isExclusive, kindFitsEngine } from "../contract/jobs.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { SnapshotsService } from "../snapshots/service.ts";
import { createDispatcher } from "./dispatcher.ts";
import type { CommandQueue } from "./dispatcher.ts";
import { createJobHub } from "./hub.ts";
import { createJobIds } from "./job_ids.ts";
import type { JobListener } from "./hub.ts";
import type { HostRecord, Job, JobFilter, JobsRepo, JobWithNames } from "./repo.ts";
import { createReportApplier, logLineOf } from "./reports.ts";
import type { EndedJob, JobReport } from "./reports.ts";
import { resolveTargets } from "./targets.ts";
import { jobDetail, jobView, waitingReasons } from "./views.ts";

const TERMINAL = new Set(["ok", "warning", "failed", "cancelled"]);

export function createJobsService(deps: {
  repo: JobsRepo;
  snapshots: SnapshotsService;
  audit: AuditService;
  clock: Clock;
  secretBox: SecretBox;
  identity: ApplianceIdentity;
  /** The agent channel; a function because the channel is made after (it calls back here). */
  channel: () => CommandQueue;
  log?: Logger;
  /** A backup made a snapshot (the snapshot index queues its index job); must not throw. */
  onBackupMade?: (b: { repositoryId: string; hostId: string; snapshotId: string }) => void;
  /** A job ended (reported, or refused at dispatch); must not throw. */
  onJobEnded?: (j: EndedJob) => void;
}) {
  const { repo, clock, audit } = deps;
  const hub = createJobHub();
  const nextJobId = createJobIds(() => repo.lastJobId());

  /** JobDetails with waitingFor worked out from one picture of the active jobs. */
  async function details(jobs: JobWithNames[]): Promise<JobDetail[]> {
    const needsPicture = jobs.some((j) => j.status === "queued" || j.status === "sent");
    let reasons = new Map<string, string>();
    if (needsPicture) {
      const active = await repo.activeJobs();
      const hosts = new Map<string, HostRecord>(
        (await repo.findHosts({ ids: [...new Set(active.map((j) => j.hostId))] }))
          .map((h) => [h.id, h]),
      );
      reasons = waitingReasons(active, hosts, clock.now());
    }
    return jobs.map((j) =>
      jobDetail(j, {
        waitingFor: reasons.get(j.id) ?? null,
        progress: TERMINAL.has(j.status) ? null : hub.latestProgress(j.id),
      })
    );
  }

  async function mustFind(id: string): Promise<JobWithNames> {
    const j = await repo.findJob(id);
    if (!j) throw new NotFoundError("Job", id);
    return j;
  }

  async function get(id: string): Promise<JobDetail> {
    return (await details([await mustFind(id)]))[0];
  }

  async function publishJob(jobId: string, end: boolean) {
    if (!hub.following(jobId)) return;
    const d = await get(jobId);
    hub.publish(jobId, { event: "job", data: d });
    if (end) hub.publish(jobId, { event: "end", data: d });
  }

  const applier = createReportApplier({
    repo,
    snapshots: deps.snapshots,
    hub,
    clock,
    log: deps.log,
    publishJob,
    onBackupMade: deps.onBackupMade,
    onJobEnded: deps.onJobEnded,
  });

  const dispatcher = createDispatcher({
    repo,
    spec: { secretBox: deps.secretBox, identity: deps.identity },
    channel: deps.channel,
    clock,
    log: deps.log,
    async onFailed(jobId, message) {
      await repo.markFinished(jobId, {
        status: "failed",
        finishedAt: clock.now(),
        exitCode: null,
        failureCode: "invalid",
        message,
        tail: null,
        result: null,
        snapshotId: null,
        progress: null,
      });
      const j = await repo.findJob(jobId);
      if (j) {
        deps.onJobEnded?.({
          id: j.id,
          kind: j.kind,
          status: "failed",
          finishedAt: j.finishedAt ?? clock.now(),
          message,
          result: null,
        });
      }
      await publishJob(jobId, true);
    },
    onSent: (jobId) => void publishJob(jobId, false).catch(() => {/* a stream reloads */}),
  });

  async function run(actor: Actor, input: RunJob): Promise<JobView[]> {
    const targets = await resolveTargets(repo, input);
    if (!kindFitsEngine(targets.repository.engine, input.kind)) {
      throw new BadRequestError(
        `A ${targets.repository.engine} repository has no ${input.kind} job`,
      );
    }
    const now = clock.now();
    const o = input.options ?? {};
    const options: Record<string, unknown> = {
      ...(o.readDataSubset !== undefined ? { readDataSubset: o.readDataSubset } : {}),
      ...(o.readData !== undefined ? { readData: o.readData } : {}),
      ...(o.prune !== undefined ? { prune: o.prune } : {}),
      ...(o.snapshotTime !== undefined ? { snapshotTime: Date.parse(o.snapshotTime) } : {}),
      ...(o.force !== undefined ? { force: o.force } : {}),
    };
    const ids: string[] = [];
    for (const _ of targets.hosts) ids.push(await nextJobId(now));
    const jobs: Job[] = targets.hosts.map((h, i) =>
      queuedJob(actor, now, {
        id: ids[i],
        hostId: h.id,
        repositoryId: targets.repository.id,
        planId: targets.plan?.id ?? null,
        kind: input.kind,
        exclusive: isExclusive(targets.repository.engine, input.kind),
        options,
      })
    );
    await repo.insertJobs(jobs);
    for (const j of jobs) {
      await audit.record(actor, {
        action: "job.created",
        target: { type: "job", id: j.id },
        details: {
          kind: j.kind,
          hostId: j.hostId,
          repositoryId: j.repositoryId,
          planId: j.planId,
          trigger: j.trigger,
          options: j.options,
        },
      });
    }
    await dispatcher.dispatch();
    const made = await Promise.all(jobs.map((j) => repo.findJob(j.id)));
    return (await details(made.filter((j): j is JobWithNames => j !== undefined))).map(jobView);
  }

  /**
   * A job on one host without a plan (index, restore, dump): `options` may carry the spec's
   * `snapshot`, `restore` and `dump` parts (no secret), which spec.ts lifts into the JobSpec.
   */
  async function runOnHost(
    actor: Actor,
    input: { hostId: string; repositoryId: string; kind: Job["kind"]; options: Job["options"] },
  ): Promise<JobDetail> {
    const repository = await repo.findRepository(input.repositoryId);
    if (!repository) throw new NotFoundError("Repository", input.repositoryId);
    const now = clock.now();
    const job = queuedJob(actor, now, {
      id: await nextJobId(now),
      hostId: input.hostId,
      repositoryId: input.repositoryId,
      planId: null,
      kind: input.kind,
      exclusive: isExclusive(repository.engine, input.kind),
      options: input.options,
    });
    await repo.insertJobs([job]);
    await audit.record(actor, {
      action: "job.created",
      target: { type: "job", id: job.id },
      details: { kind: job.kind, hostId: job.hostId, repositoryId: job.repositoryId },
    });
    await dispatcher.dispatch();
    return await get(job.id);
  }

  async function cancel(actor: Actor, id: string): Promise<JobDetail> {
    const job = await mustFind(id);
    if (TERMINAL.has(job.status)) {
      throw new ConflictError(
        `The job has ended (${job.status}); it cannot be cancelled`,
        "job_ended",
      );
    }
    const now = clock.now();
    if (job.status === "queued" && (await repo.cancelQueued(id, now))) {
      await audit.record(actor, { action: "job.cancelled", target: { type: "job", id } });
      await publishJob(id, true);
      await dispatcher.dispatch();
      return await get(id);
    }
    if (await repo.requestCancel(id, now)) {
      await deps.channel().queueCommand(actor, job.hostId, {
        kind: "job.cancel",
        jobId: id,
        args: { jobId: id, by: actor.name },
      });
      await audit.record(actor, { action: "job.cancel_requested", target: { type: "job", id } });
      await publishJob(id, false);
    } else {
      const now2 = await mustFind(id);
      if (TERMINAL.has(now2.status)) {
        throw new ConflictError(
          `The job has ended (${now2.status}); it cannot be cancelled`,
          "job_ended",
        );
      }
      // Asked already: the agent has its job.cancel; asking again changes nothing.
    }
    await dispatcher.dispatch();
    return await get(id);
  }

  return {
    run,
    runOnHost,
    cancel,
    get,
    async list(f: JobFilter): Promise<{ jobs: JobView[]; nextBefore: string | null }> {
      const rows = await repo.listJobs(f);
      const jobs = (await details(rows)).map(jobView);
      return { jobs, nextBefore: rows.length === f.limit ? rows[rows.length - 1].id : null };
    },
    async log(id: string, o: { after: number; limit: number }) {
      await mustFind(id);
      const rows = await repo.jobReports(id, {
        kind: "job.log",
        afterSeq: o.after,
        limit: o.limit,
      });
      const lines = rows.map(logLineOf).filter((l): l is JobLogLine => l !== null);
      return { lines, next: rows.length > 0 ? rows[rows.length - 1].seq : o.after };
    },
    dispatch: () => dispatcher.dispatch(),

    /** Reports of one host's committed batch (after commit; duplicates included). */
    async applyReports(hostId: string, reports: JobReport[]) {
      if (await applier.applyBatch(hostId, reports)) await dispatcher.dispatch();
    },

    /**
     * At start: sent jobs that never got their command go back to the queue, stored job.finished
     * reports of jobs still active are applied (a stop between report commit and job update
     * loses nothing), then the dispatcher runs.
     */
    async start() {
      const requeued = await repo.requeueUnsent();
      let reapplied = 0;
      for (const r of await repo.pendingFinishedReports()) {
        const job = await repo.findJob(r.jobId);
        if (job && (await applier.applyFinished(job, r))) reapplied++;
      }
      if (requeued + reapplied > 0) {
        deps.log?.info("jobs recovered at start", { requeued, reapplied });
      }
      await dispatcher.dispatch();
    },

    /** Follows a job's live events; returns the unsubscribe function. */
    subscribe: (jobId: string, l: JobListener, close: () => void) => hub.subscribe(jobId, l, close),
    subscribers: () => hub.subscribers(),
    closeStreams: () => hub.closeAll(),
    isTerminal: (status: string) => TERMINAL.has(status),
  };
}

export type JobsService = ReturnType<typeof createJobsService>;

/** A job row as it is made: queued, nothing run yet. */
function queuedJob(
  actor: Actor,
  now: number,
  j: Pick<Job, "id" | "hostId" | "repositoryId" | "planId" | "kind" | "exclusive" | "options">,
): Job {
  return {
    ...j,
    status: "queued",
    trigger: actor.type === "token" ? "api" : "manual",
    createdBy: actor.name,
    createdAt: now,
    sentAt: null,
    startedAt: null,
    finishedAt: null,
    cancelRequestedAt: null,
    progress: null,
    command: null,
    exitCode: null,
    failureCode: null,
    message: null,
    tail: null,
    result: null,
    snapshotId: null,
    logLines: 0,
  };
}
