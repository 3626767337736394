/**
 * Jobs in SQL: the jobs table, the configuration a job is built from (repositories, SSH keys,
 * plans, hosts: read here, owned by their own domains), the job log kept in agent_reports, and
 * the repository columns a finished job updates. The dispatcher's decide-and-mark runs under
 * BEGIN IMMEDIATE, so a second writer (another process on the same file) waits instead of
 * deciding from the same picture.
 */
import { sql } from "kysely";
import type { Db } from "../db/connect.ts";
import type { JobsTable, JobStatusColumn } from "../db/schema_backups.ts";
import type { Engine, JobKind } from "../contract/jobs.ts";
import { createJobConfigRepo } from "./config/repo.ts";

export type { HostRecord, PlanRecord, RepositoryRecord } from "./config/repo.ts";

export type JobStatus = JobStatusColumn;
const ACTIVE: JobStatus[] = ["queued", "sent", "running"];
const RUNNING: JobStatus[] = ["sent", "running"];

export interface Job {
  id: string;
  hostId: string;
  repositoryId: string;
  planId: string | null;
  kind: JobKind;
  exclusive: boolean;
  status: JobStatus;
  options: Record<string, unknown>;
  trigger: string;
  createdBy: string;
  createdAt: number;
  sentAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  cancelRequestedAt: number | null;
  progress: Record<string, unknown> | null;
  command: string | null;
  exitCode: number | null;
  failureCode: string | null;
  message: string | null;
  tail: string | null;
  result: Record<string, unknown> | null;
  snapshotId: string | null;
  logLines: number;
}

export interface JobWithNames extends Job {
  hostName: string;
  repositoryName: string;
  engine: Engine;
  planName: string | null;
}

export interface JobFilter {
  hostId?: string;
  planId?: string;
  repositoryId?: string;
  kind?: string;
  status?: string;
  since?: number;
  until?: number;
  before?: string;
  limit: number;
}

export interface FinishPatch {
  status: "ok" | "warning" | "failed" | "cancelled";
  finishedAt: number;
  exitCode: number | null;
  failureCode: string | null;
  message: string | null;
  tail: string | null;
  result: Record<string, unknown> | null;
  snapshotId: string | null;
  progress: Record<string, unknown> | null;
}

export interface StoredJobReport {
  id: string;
  hostId: string;
  jobId: string;
  kind: string;
  seq: number;
  at: number;
  body: Record<string, unknown>;
}

function json<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // written by this code only; a damaged cell reads as empty, not as a 500
  }
}

function toJob(r: JobsTable): Job {
  return {
    id: r.id,
    hostId: r.host_id,
    repositoryId: r.repository_id,
    planId: r.plan_id,
    kind: r.kind as JobKind,
    exclusive: r.exclusive === 1,
    status: r.status,
    options: json(r.options, {}),
    trigger: r.trigger,
    createdBy: r.created_by,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    cancelRequestedAt: r.cancel_requested_at,
    progress: json(r.progress, null),
    command: r.command_line,
    exitCode: r.exit_code,
    failureCode: r.failure_code,
    message: r.message,
    tail: r.tail,
    result: json(r.result, null),
    snapshotId: r.snapshot_id,
    logLines: r.log_lines,
  };
}

export function createJobsRepo(db: Db) {
  const withNames = () =>
    db.selectFrom("jobs")
      .innerJoin("hosts", "hosts.id", "jobs.host_id")
      .innerJoin("repositories", "repositories.id", "jobs.repository_id")
      .leftJoin("plans", "plans.id", "jobs.plan_id")
      .selectAll("jobs")
      .select([
        "hosts.name as host_name",
        "repositories.name as repository_name",
        "repositories.engine as engine",
        "plans.name as plan_name",
      ]);
  type NamedRow = JobsTable & {
    host_name: string;
    repository_name: string;
    engine: Engine;
    plan_name: string | null;
  };
  const named = (r: NamedRow): JobWithNames => ({
    ...toJob(r),
    hostName: r.host_name,
    repositoryName: r.repository_name,
    engine: r.engine,
    planName: r.plan_name,
  });

  return {
    ...createJobConfigRepo(db),
    async insertJobs(jobs: Job[]) {
      await db.transaction().execute(async (trx) => {
        for (const j of jobs) {
          await trx.insertInto("jobs").values({
            id: j.id,
            host_id: j.hostId,
            repository_id: j.repositoryId,
            plan_id: j.planId,
            kind: j.kind,
            exclusive: j.exclusive ? 1 : 0,
            status: j.status,
            options: JSON.stringify(j.options),
            trigger: j.trigger,
            created_by: j.createdBy,
            created_at: j.createdAt,
            log_lines: 0,
          }).execute();
        }
      });
    },
    async lastJobId(): Promise<string | null> {
      const r = await db.selectFrom("jobs").select((eb) => eb.fn.max("id").as("id"))
        .executeTakeFirst();
      return (r?.id as string | null | undefined) ?? null;
    },
    async findJob(id: string): Promise<JobWithNames | undefined> {
      const r = await withNames().where("jobs.id", "=", id).executeTakeFirst();
      return r && named(r as NamedRow);
    },
    async listJobs(f: JobFilter): Promise<JobWithNames[]> {
      let q = withNames();
      if (f.hostId) q = q.where("jobs.host_id", "=", f.hostId);
      if (f.planId) q = q.where("jobs.plan_id", "=", f.planId);
      if (f.repositoryId) q = q.where("jobs.repository_id", "=", f.repositoryId);
      if (f.kind) q = q.where("jobs.kind", "=", f.kind);
      if (f.status) q = q.where("jobs.status", "=", f.status as JobStatus);
      if (f.since !== undefined) q = q.where("jobs.created_at", ">=", f.since);
      if (f.until !== undefined) q = q.where("jobs.created_at", "<", f.until);
      if (f.before) q = q.where("jobs.id", "<", f.before);
      const rows = await q.orderBy("jobs.id", "desc").limit(f.limit).execute();
      return rows.map((r) => named(r as NamedRow));
    },
    /** Every queued, sent or running job, oldest first: the picture the dispatcher decides on. */
    async activeJobs(): Promise<JobWithNames[]> {
      const rows = await withNames().where("jobs.status", "in", ACTIVE).orderBy("jobs.id")
        .execute();
      return rows.map((r) => named(r as NamedRow));
    },

    /**
     * Decides which queued jobs may start and marks them sent, in one immediate transaction.
     * `pick` sees the active jobs and the approved hosts and returns the ids to send.
     */
    claimJobs(
      now: number,
      pick: (active: Job[], approved: Set<string>) => string[],
    ): Promise<string[]> {
      return db.connection().execute(async (conn) => {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          const rows = await conn.selectFrom("jobs").selectAll()
            .where("status", "in", ACTIVE).orderBy("id").execute();
          const hostIds = [...new Set(rows.map((r) => r.host_id))];
          const approved = hostIds.length === 0 ? [] : await conn.selectFrom("hosts")
            .select("id").where("id", "in", hostIds).where("state", "=", "approved").execute();
          const ids = pick(rows.map(toJob), new Set(approved.map((h) => h.id)));
          if (ids.length > 0) {
            await conn.updateTable("jobs").set({ status: "sent", sent_at: now })
              .where("id", "in", ids).where("status", "=", "queued").execute();
          }
          await sql`COMMIT`.execute(conn);
          return ids;
        } catch (err) {
          await sql`ROLLBACK`.execute(conn);
          throw err;
        }
      });
    },
    /**
     * Sent jobs whose job.run command was never queued (a stop between the two) go back. Runs an
     * agent fired from its schedule never had one and stay as they are.
     */
    async requeueUnsent(): Promise<number> {
      const r = await db.updateTable("jobs").set({ status: "queued", sent_at: null })
        .where("status", "=", "sent").where("trigger", "!=", "schedule")
        .where((eb) =>
          eb.not(eb.exists(
            eb.selectFrom("agent_commands").select("agent_commands.id")
              .whereRef("agent_commands.job_id", "=", "jobs.id")
              .where("agent_commands.kind", "=", "job.run"),
          ))
        ).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async markStarted(id: string, s: { startedAt: number; command: string }): Promise<boolean> {
      const r = await db.updateTable("jobs")
        .set({ status: "running", started_at: s.startedAt, command_line: s.command })
        .where("id", "=", id).where("status", "in", ["queued", "sent"]).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) return true;
      await db.updateTable("jobs").set({ started_at: s.startedAt, command_line: s.command })
        .where("id", "=", id).where("started_at", "is", null).execute();
      return false;
    },
    async saveProgress(id: string, progress: Record<string, unknown>) {
      await db.updateTable("jobs").set({ progress: JSON.stringify(progress) })
        .where("id", "=", id).where("status", "in", RUNNING).execute();
    },
    /** Moves an active job to its end; false when it had ended already. */
    async markFinished(id: string, p: FinishPatch): Promise<boolean> {
      const r = await db.updateTable("jobs").set({
        status: p.status,
        finished_at: p.finishedAt,
        exit_code: p.exitCode,
        failure_code: p.failureCode,
        message: p.message,
        tail: p.tail,
        result: p.result === null ? null : JSON.stringify(p.result),
        snapshot_id: p.snapshotId,
        ...(p.progress ? { progress: JSON.stringify(p.progress) } : {}),
      }).where("id", "=", id).where("status", "in", ACTIVE).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async cancelQueued(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable("jobs").set({
        status: "cancelled",
        finished_at: now,
        cancel_requested_at: now,
        message: "Cancelled before it started",
      }).where("id", "=", id).where("status", "=", "queued").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async requestCancel(id: string, now: number): Promise<boolean> {
      const r = await db.updateTable("jobs").set({ cancel_requested_at: now })
        .where("id", "=", id).where("status", "in", RUNNING)
        .where("cancel_requested_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** log_lines from the stored job.log reports, so a re-sent report never counts twice. */
    async recountLogLines(id: string): Promise<number> {
      const r = await db.selectFrom("agent_reports")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("job_id", "=", id).where("kind", "=", "job.log").executeTakeFirst();
      const n = Number(r?.n ?? 0);
      await db.updateTable("jobs").set({ log_lines: n }).where("id", "=", id).execute();
      return n;
    },
    async jobReports(
      jobId: string,
      o: { kind: string; afterSeq: number; limit: number },
    ): Promise<StoredJobReport[]> {
      const rows = await db.selectFrom("agent_reports").selectAll()
        .where("job_id", "=", jobId).where("kind", "=", o.kind).where("seq", ">", o.afterSeq)
        .orderBy("seq").limit(o.limit).execute();
      return rows.map((r) => ({
        id: r.id,
        hostId: r.host_id,
        jobId: r.job_id!,
        kind: r.kind,
        seq: r.seq,
        at: r.at,
        body: json(r.body, {}),
      }));
    },
    /** Stored job.finished reports of jobs still marked active (a stop between the two). */
    async pendingFinishedReports(): Promise<StoredJobReport[]> {
      const rows = await db.selectFrom("agent_reports")
        .innerJoin("jobs", "jobs.id", "agent_reports.job_id")
        .selectAll("agent_reports")
        .where("agent_reports.kind", "=", "job.finished")
        .where("jobs.status", "in", ACTIVE)
        .whereRef("agent_reports.host_id", "=", "jobs.host_id")
        .orderBy("agent_reports.seq").execute();
      return rows.map((r) => ({
        id: r.id,
        hostId: r.host_id,
        jobId: r.job_id!,
        kind: r.kind,
        seq: r.seq,
        at: r.at,
        body: json(r.body, {}),
      }));
    },
    async updateRepository(id: string, patch: {
      state?: "ready" | "error";
      stats?: Record<string, unknown>;
      lockState?: Record<string, unknown>;
      lastCheck?: { at: number; status: string };
      appendOnly?: boolean;
      now: number;
    }) {
      await db.updateTable("repositories").set({
        updated_at: patch.now,
        ...(patch.state ? { state: patch.state } : {}),
        ...(patch.stats ? { stats: JSON.stringify(patch.stats) } : {}),
        ...(patch.lockState ? { lock_state: JSON.stringify(patch.lockState) } : {}),
        ...(patch.lastCheck
          ? { last_check_at: patch.lastCheck.at, last_check_status: patch.lastCheck.status }
          : {}),
        ...(patch.appendOnly !== undefined ? { append_only: patch.appendOnly ? 1 : 0 } : {}),
      }).where("id", "=", id).execute();
    },
  };
}

export type JobsRepo = ReturnType<typeof createJobsRepo>;
