/**
 * Adopting the runs agents fire on their own: a `job.scheduled` report naming a job id the
 * appliance does not know becomes a job row (trigger 'schedule', status 'sent': the agent has
 * it already, so the dispatcher never sends it; job.started moves it on). The row is written in
 * the same transaction as the report (the agent channel's commit), so the rest of the batch sees
 * the job. Refused, by report id with a reason, when the plan or repository is unknown, the plan
 * does not target the host, or the id is taken.
 */
import * as v from "valibot";
import type { Report } from "../contract/agent.ts";
import { isExclusive, kindFitsEngine } from "../contract/jobs.ts";
import { JobScheduledSchema, ScheduledJobIdSchema } from "../contract/schedules.ts";
import type { AdoptedJob } from "../agent_channel/repo.ts";
import type { AdoptRepo } from "./adopt_repo.ts";
import { planTargets, scheduledOptions } from "./push.ts";

export interface AdoptResult {
  jobs: AdoptedJob[];
  refused: Array<{ id: string; reason: string }>;
}

/** Decides, for `job.scheduled` reports naming jobs this host has no command for, what to adopt. */
export async function adoptScheduled(
  repo: AdoptRepo,
  input: { hostId: string; reports: Report[]; now: number },
): Promise<AdoptResult> {
  const out: AdoptResult = { jobs: [], refused: [] };
  const host = await repo.host(input.hostId);
  const existing = await repo.jobs(input.reports.map((r) => r.jobId!));
  const refuse = (id: string, reason: string) => out.refused.push({ id, reason });
  for (const r of input.reports) {
    const body = v.safeParse(JobScheduledSchema, r.body);
    if (!body.success || !v.is(ScheduledJobIdSchema, r.jobId)) {
      refuse(r.id, "Malformed scheduled run: the body or the job id is not valid");
      continue;
    }
    const b = body.output;
    const taken = existing.get(r.jobId!);
    if (taken && (taken.hostId !== input.hostId || taken.trigger !== "schedule")) {
      refuse(r.id, "This job id belongs to another job");
      continue;
    }
    const plan = await repo.plan(b.planId);
    if (!plan) {
      refuse(r.id, "Unknown plan: the plan of this scheduled run was removed");
      continue;
    }
    if (plan.repositoryId !== b.repositoryId) {
      refuse(r.id, "Unknown repository: the plan now uses another repository");
      continue;
    }
    if (!planTargets(plan, { id: input.hostId, tags: host?.tags ?? [] })) {
      refuse(r.id, "The plan of this scheduled run does not target this host");
      continue;
    }
    if (!kindFitsEngine(plan.engine, b.kind)) {
      refuse(r.id, `A ${plan.engine} repository has no ${b.kind} job`);
      continue;
    }
    out.jobs.push({
      id: r.jobId!,
      hostId: input.hostId,
      repositoryId: b.repositoryId,
      planId: b.planId,
      kind: b.kind,
      exclusive: isExclusive(plan.engine, b.kind),
      options: scheduledOptions(b.kind),
      scheduleId: b.scheduleId,
      scheduledFor: b.scheduledFor,
      firedAt: b.firedAt,
      receivedAt: input.now,
    });
  }
  return out;
}
