/**
 * The agent's job runner: what `job.run` and `job.cancel` do. The command handler awaits each
 * command in turn, so `job.run` only accepts the job (writes it to disk, since the command is
 * acknowledged and never delivered again) and returns; jobs run one at a time in the
 * background, in the order accepted. After a restart the queue resumes, and a job that was
 * running when the agent stopped is reported failed ('agent_restarted'), because the tool was
 * stopped with it and may have left a lock.
 */
import * as v from "valibot";
import { JobIdSchema } from "../../server/contract/agent.ts";
import type { Command } from "../../server/contract/agent.ts";
import {
  JobCancelArgsSchema,
  type JobFinished,
  JobRunArgsSchema,
  type JobSpec,
  JobSpecSchema,
  kindFitsEngine,
  LOCATION_KINDS,
} from "../../server/contract/jobs.ts";
import type { CommandRunner } from "../commands.ts";
import type { LogFn } from "../log.ts";
import { createRedactor } from "../tools/common/redact.ts";
import { type ExecuteDeps, executeJob } from "./execute.ts";
import { failed, type JobOutcome } from "./outcome.ts";
import { createJobReporter, type JobReporter, type ReportSink } from "./reports.ts";
import { createJobStore, type StoredJob } from "./store.ts";

export const RESTARTED_MESSAGE =
  "The agent stopped while this job ran (restart or power loss); the repository may hold a " +
  "stale lock: run unlock if the next job reports it locked";

export interface JobRunnerDeps extends Omit<ExecuteDeps, "now"> {
  outbox: ReportSink;
  log: LogFn;
  now?: () => number;
}

interface Current {
  jobId: string;
  abort: AbortController;
  /** Aborted by a cancel that arrives after it was made (the post-hook's). */
  later?: AbortController;
  by?: string;
  /** The agent is stopping: the job is left for the next start to report. */
  shutdown: boolean;
}

export function createJobRunner(deps: JobRunnerDeps) {
  const now = deps.now ?? Date.now;
  const store = createJobStore(deps.stateDir);
  const queue: StoredJob[] = [];
  let current: Current | null = null;
  let loop: Promise<void> | null = null;
  let started = false;
  let stopped = false;
  let seq = 0;
  /** The job between the queue and `current` (its file being marked running). */
  let taken: string | null = null;
  const idleWaiters: Array<() => void> = [];

  const finish = (jobId: string, body: JobFinished) =>
    deps.outbox.add([{ kind: "job.finished", jobId, body }]);
  const bare = (o: JobOutcome, durationMs: number): JobFinished => ({ ...o, durationMs });

  async function retire(jobId: string) {
    await store.remove(jobId);
    await store.markFinished(jobId);
  }

  function kick() {
    if (!started || stopped || loop) return;
    if (queue.length === 0) {
      for (const w of idleWaiters.splice(0)) w();
      return;
    }
    loop = (async () => {
      while (!stopped && queue.length) {
        const job = queue.shift()!;
        taken = job.jobId;
        await runStored(job).finally(() => (taken = null));
      }
    })().catch((err) => deps.log("error", "the job queue stopped", { error: err }))
      .finally(() => {
        loop = null;
        kick();
      });
  }

  async function runStored(job: StoredJob) {
    const parsed = v.safeParse(JobSpecSchema, job.spec);
    if (!parsed.success) {
      finish(job.jobId, bare(failed("invalid", "The stored job spec is damaged"), 0));
      return await retire(job.jobId);
    }
    const spec = parsed.output;
    const startedAt = now();
    await store.save({ ...job, state: "running", startedAt });
    const cur: Current = { jobId: spec.jobId, abort: new AbortController(), shutdown: false };
    current = cur;
    deps.log("info", "job started", { jobId: spec.jobId, kind: spec.kind, engine: spec.engine });
    const { outcome, report } = await execute(spec, cur);
    current = null;
    if (cur.shutdown) return report.dispose();
    if (outcome.status === "cancelled") {
      outcome.message = cur.by ? `Cancelled by ${cur.by}` : "Cancelled";
    }
    report.finished(bare(outcome, Math.max(0, now() - startedAt)));
    report.dispose();
    await retire(spec.jobId);
    deps.log(outcome.status === "failed" ? "warn" : "info", "job finished", {
      jobId: spec.jobId,
      status: outcome.status,
      failureCode: outcome.failureCode,
    });
  }

  async function execute(spec: JobSpec, cur: Current) {
    let reporter: JobReporter | undefined;
    const makeReporter = (secrets: string[]) => (reporter = createJobReporter({
      jobId: spec.jobId,
      kind: spec.kind,
      sink: deps.outbox,
      redactor: createRedactor(secrets),
      now,
    }));
    try {
      const laterCancel = () => (cur.later = new AbortController()).signal;
      return await executeJob(
        { spec, signal: cur.abort.signal, laterCancel, makeReporter },
        { ...deps, now },
      );
    } catch (err) {
      deps.log("error", "a job met an unexpected error", { jobId: spec.jobId, error: err });
      const outcome = failed("unknown", "The agent met an unexpected error while running this job");
      return { outcome, report: reporter ?? makeReporter([]) };
    }
  }

  async function isKnown(jobId: string) {
    return current?.jobId === jobId || queue.some((j) => j.jobId === jobId) ||
      await store.hasFinished(jobId);
  }

  const runJob: CommandRunner = async (cmd) => {
    const parsed = v.safeParse(JobRunArgsSchema, cmd.args);
    const problem = parsed.success ? specProblem(parsed.output.spec) : issueText(parsed.issues);
    if (!parsed.success || problem) return await refuse(cmd, problem ?? "");
    return await accept(parsed.output.spec.jobId, (cmd.args as { spec: Raw }).spec);
  };

  /** Writes the job to disk, then queues it; a job id seen before is ignored. */
  async function accept(jobId: string, spec: Raw) {
    if (await isKnown(jobId)) return { accepted: false, duplicate: true, queued: queue.length };
    const job: StoredJob = {
      version: 1,
      jobId,
      seq: ++seq,
      acceptedAt: now(),
      state: "queued",
      spec,
    };
    await store.save(job);
    queue.push(job);
    kick();
    return { accepted: true, queued: queue.length };
  }

  /**
   * A job the agent made itself (a scheduled run): the same queue and the same path as
   * `job.run`. Idempotent by job id, so a scheduler that crashed between deciding and
   * enqueueing can enqueue again.
   */
  async function enqueueLocal(spec: JobSpec) {
    const problem = specProblem(spec);
    if (problem) throw new Error(`The job spec is invalid: ${problem}`);
    return await accept(spec.jobId, spec as unknown as Raw);
  }

  /** A spec that cannot run: reported failed 'invalid' when its job id is readable. */
  async function refuse(cmd: Command, problem: string): Promise<never> {
    const message = `The job spec is invalid: ${problem}`;
    const jobId = readableJobId(cmd);
    if (jobId && !(await isKnown(jobId))) {
      finish(jobId, bare(failed("invalid", message), 0));
      await store.markFinished(jobId);
    }
    throw new Error(message);
  }

  const cancelJob: CommandRunner = async (cmd) => {
    const parsed = v.safeParse(JobCancelArgsSchema, cmd.args);
    if (!parsed.success) {
      throw new Error(`The cancel command is invalid: ${issueText(parsed.issues)}`);
    }
    const { jobId, by } = parsed.output;
    if (current?.jobId === jobId) {
      current.by ??= by;
      current.abort.abort();
      current.later?.abort();
      return { cancelled: true, running: true };
    }
    const i = queue.findIndex((j) => j.jobId === jobId);
    if (i < 0) throw new Error("No such job on this host");
    queue.splice(i, 1);
    const message = by ? `Cancelled by ${by}` : "Cancelled";
    finish(
      jobId,
      bare({ ...failed("unknown", message), status: "cancelled", failureCode: null }, 0),
    );
    await retire(jobId);
    return { cancelled: true, running: false };
  };

  return {
    runners: { "job.run": runJob, "job.cancel": cancelJob } as Record<string, CommandRunner>,
    /** Reads the stored jobs: reports the interrupted one, resumes the queue. */
    async start(): Promise<void> {
      await store.init();
      const jobs = await store.list((name) =>
        deps.log("warn", "dropped a damaged job file", { file: name })
      );
      for (const job of jobs) {
        seq = Math.max(seq, job.seq);
        if (job.state === "queued") {
          queue.push(job);
          continue;
        }
        const ran = job.startedAt !== undefined ? Math.max(0, now() - job.startedAt) : 0;
        finish(job.jobId, bare(failed("agent_restarted", RESTARTED_MESSAGE), ran));
        await retire(job.jobId);
        deps.log("warn", "a job was interrupted by the agent's stop", { jobId: job.jobId });
      }
      started = true;
      kick();
    },
    /** Stops the running tool; the job stays on disk for the next start to report. */
    async stop(): Promise<void> {
      stopped = true;
      if (current) {
        current.shutdown = true;
        current.abort.abort();
        current.later?.abort();
      }
      await loop;
    },
    /** Resolves once no job runs or waits (tests, and a clean stop). */
    idle(): Promise<void> {
      if (!loop && queue.length === 0 && !current) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** The job running now, if any. */
    running: (): string | null => current?.jobId ?? null,
    enqueueLocal,
    /** Whether this job waits in the queue or runs now. */
    isActive: (jobId: string): boolean =>
      taken === jobId || current?.jobId === jobId || queue.some((j) => j.jobId === jobId),
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
type Raw = Record<string, unknown>;

function specProblem(spec: JobSpec): string | null {
  if (!kindFitsEngine(spec.engine, spec.kind)) return `${spec.engine} has no ${spec.kind}`;
  const loc = spec.repository.location.kind;
  if (!LOCATION_KINDS[spec.engine].includes(loc)) return `${spec.engine} cannot use ${loc}`;
  return null;
}

/** The first issue, as "path message". */
export function issueText(issues: v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  const path = first.path?.map((p) => String(p.key)).join(".");
  return path ? `${path} ${first.message}` : first.message;
}

function readableJobId(cmd: Command): string | null {
  const fromSpec = (cmd.args as { spec?: { jobId?: unknown } }).spec?.jobId;
  for (const id of [fromSpec, cmd.jobId]) {
    if (v.is(JobIdSchema, id)) return id;
  }
  return null;
}
