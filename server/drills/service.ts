/**
 * Restore drills: checks a request against the hosts, the repository (or plan) and the snapshot
 * cache, picks the sample from the snapshot index (sample.ts), starts one `drill` job through
 * the jobs service and records what was asked. When the job ends its figures are written to the
 * drill's row, and a failed drill leaves an audit entry `drill.failed` (the alert engine reads
 * those). Every refusal happens before anything is written.
 */
import type { Actor, AuditService } from "../audit/service.ts";
import { SYSTEM_ACTOR } from "../audit/service.ts";
import type { Clock } from "../clock.ts";
import type { JobDetail, JobView } from "../contract/backups.ts";
import {
  CANARY_NAME,
  type CreatedDrill,
  type CreateDrill,
  DRILL_TREND,
  type DrillResult,
  type DrillsListView,
  type DrillsQuery,
  type DrillView,
  type LastVerifiedView,
} from "../contract/drills.ts";
import type { DrillSpec } from "../contract/jobs.ts";
import { AppError, BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import type { EndedJob } from "../jobs/reports.ts";
import type { JobsService } from "../jobs/service.ts";
import type { DrillRecord, DrillsRepo } from "./repo.ts";
import { createSampler, type IndexBrowser } from "./sample.ts";

function toView(d: JobDetail): JobView {
  const { tail: _tail, ...view } = d;
  return view;
}

export function createDrillsService(deps: {
  repo: DrillsRepo;
  jobs: Pick<JobsService, "runOnHost" | "get">;
  index: () => IndexBrowser;
  audit: AuditService;
  clock: Clock;
}) {
  const { repo, audit, clock } = deps;

  async function resolveRepository(input: CreateDrill) {
    if (!input.repositoryId && !input.planId) {
      throw new BadRequestError("Say which repository or plan to drill: repositoryId or planId");
    }
    const plan = input.planId ? await repo.findPlan(input.planId) : undefined;
    if (input.planId && !plan) throw new NotFoundError("Plan", input.planId);
    if (plan && input.repositoryId && plan.repositoryId !== input.repositoryId) {
      throw new BadRequestError("The plan backs up to another repository than the one named");
    }
    const repositoryId = input.repositoryId ?? plan!.repositoryId;
    const repository = await repo.findRepository(repositoryId);
    if (!repository) throw new NotFoundError("Repository", repositoryId);
    return { repository, plan };
  }

  async function resolveSnapshot(input: CreateDrill, repositoryId: string) {
    if (input.snapshotId) {
      const s = await repo.findSnapshot(repositoryId, input.snapshotId);
      if (!s) throw new NotFoundError("Snapshot");
      if (s.hostId !== input.hostId) {
        throw new BadRequestError("The snapshot is not a backup of this host");
      }
      return s;
    }
    const s = await repo.latestSnapshot({
      repositoryId,
      hostId: input.hostId,
      planId: input.planId,
    });
    if (!s) {
      throw new ConflictError("This host has no snapshot there to drill yet", "no_snapshot");
    }
    return s;
  }

  async function targetHost(id: string, engine: string) {
    const host = await repo.findHost(id);
    if (!host) throw new NotFoundError("Host", id);
    if (host.state !== "approved") {
      throw new ConflictError(`The host is not enrolled: ${host.name}`, "host_not_enrolled");
    }
    const version = host.facts[`${engine}Version`];
    if (version === null || version === undefined || version === "") {
      throw new ConflictError(
        `${engine} is not installed on the host ${host.name}`,
        "tool_missing",
      );
    }
    return host;
  }

  async function pickSample(
    at: { repositoryId: string; snapshotId: string },
    o: { size: number; sources: string[] },
  ): Promise<DrillSpec> {
    const sampler = createSampler(deps.index(), at);
    const canaryPath = o.sources.find((p) => p.split("/").pop() === CANARY_NAME);
    let files;
    try {
      // The canary comes on top of the random files: one more drawn, in case it is among them.
      files = (await sampler.sample(o.size + (canaryPath ? 1 : 0)))
        .filter((f) => f.path !== canaryPath).slice(0, o.size);
    } catch (err) {
      if (err instanceof AppError && err.code === "not_indexed") {
        throw new ConflictError(
          "This snapshot is not indexed yet: index it first, then run the drill",
          "not_indexed",
        );
      }
      throw err;
    }
    const canary = canaryPath ? await sampler.file(canaryPath) : null;
    if (canary) files.push(canary);
    if (!files.length) {
      throw new ConflictError("The snapshot holds no regular file to drill", "no_files");
    }
    return { files, ...(canary ? { canary: canary.path } : {}) };
  }

  async function create(actor: Actor, input: CreateDrill): Promise<CreatedDrill> {
    if (!(await repo.findHost(input.hostId))) throw new NotFoundError("Host", input.hostId);
    const { repository, plan } = await resolveRepository(input);
    const snapshot = await resolveSnapshot(input, repository.id);
    const target = await targetHost(input.targetHostId ?? input.hostId, repository.engine);
    const drill = await pickSample(
      { repositoryId: repository.id, snapshotId: snapshot.id },
      { size: input.sampleSize, sources: plan?.sources ?? [] },
    );
    const job = await deps.jobs.runOnHost(actor, {
      hostId: target.id,
      repositoryId: repository.id,
      kind: "drill",
      options: { snapshot: { id: snapshot.id, hostId: input.hostId }, drill },
    });
    await repo.insertDrill({
      jobId: job.id,
      hostId: input.hostId,
      targetHostId: target.id,
      repositoryId: repository.id,
      planId: plan?.id ?? snapshot.planId,
      snapshotId: snapshot.id,
      sampleSize: drill.files.length,
      canary: drill.canary ?? null,
      createdBy: actor.name,
      createdAt: clock.now(),
    });
    await audit.record(actor, {
      action: "drill.created",
      target: { type: "job", id: job.id },
      details: {
        hostId: input.hostId,
        targetHostId: target.id,
        repositoryId: repository.id,
        snapshotId: snapshot.id,
        sampleSize: drill.files.length,
        canary: drill.canary !== undefined,
      },
    });
    return { jobs: [toView(job)] };
  }

  async function view(r: DrillRecord): Promise<DrillView> {
    const job = toView(await deps.jobs.get(r.jobId));
    const outcome = r.outcome ??
      (job.status === "ok" || job.status === "warning"
        ? "ok"
        : job.status === "sent"
        ? "running"
        : job.status);
    return {
      job,
      hostId: r.hostId,
      targetHostId: r.targetHostId,
      repositoryId: r.repositoryId,
      planId: r.planId,
      snapshotId: r.snapshotId,
      sampleSize: r.sampleSize,
      canary: r.canary,
      by: r.createdBy,
      at: new Date(r.createdAt).toISOString(),
      finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
      outcome: outcome as DrillView["outcome"],
      checked: r.checked,
      mismatchCount: r.mismatches,
      bytes: r.bytes,
      durationMs: r.durationMs,
      throughput: r.throughput,
      message: r.message ?? job.message,
    };
  }

  async function list(q: DrillsQuery): Promise<DrillsListView> {
    const rows = await repo.listDrills({ hostId: q.hostId, limit: Math.min(q.limit, 200) });
    return { drills: await Promise.all(rows.map(view)) };
  }

  async function latest(hostId: string): Promise<LastVerifiedView> {
    if (!(await repo.findHost(hostId))) throw new NotFoundError("Host", hostId);
    const rows = await repo.listDrills({ hostId, ended: true, limit: DRILL_TREND });
    const trend = await Promise.all(rows.map(view));
    const okRow = rows.find((r) => r.outcome === "ok") ??
      (await repo.listDrills({ hostId, ended: true, limit: 200 })).find((r) => r.outcome === "ok");
    return {
      hostId,
      latest: trend[0] ?? null,
      lastOk: okRow ? await view(okRow) : null,
      trend,
    };
  }

  /** A job ended: a drill's figures go to its row, a failed drill to the audit log. */
  async function afterJob(j: EndedJob) {
    if (j.kind !== "drill") return;
    const r = j.result as Partial<DrillResult> | null;
    const outcome = j.status === "cancelled"
      ? "cancelled"
      : j.status === "ok" || j.status === "warning"
      ? "ok"
      : "failed";
    const num = (x: unknown) => typeof x === "number" && Number.isFinite(x) ? Math.round(x) : null;
    const moved = await repo.finishDrill(j.id, {
      finishedAt: j.finishedAt,
      outcome,
      checked: num(r?.checked),
      mismatches: Array.isArray(r?.mismatches) ? r.mismatches.length : null,
      bytes: num(r?.bytes),
      durationMs: num(r?.durationMs),
      throughput: num(r?.throughput),
      message: j.message,
    });
    if (!moved || outcome !== "failed") return;
    const d = await repo.findDrill(j.id);
    await audit.record(SYSTEM_ACTOR, {
      action: "drill.failed",
      target: { type: "host", id: d?.hostId ?? "unknown" },
      details: {
        jobId: j.id,
        repositoryId: d?.repositoryId,
        snapshotId: d?.snapshotId,
        checked: num(r?.checked),
        mismatches: Array.isArray(r?.mismatches) ? r.mismatches.length : null,
        message: j.message,
      },
    });
  }

  return { create, list, latest, afterJob };
}

export type DrillsService = ReturnType<typeof createDrillsService>;
