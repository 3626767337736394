/**
 * Which repository and hosts a run-now asks for. backup and forget take a plan: its host, or
 * every approved host carrying its tag (the fan-out), or one of those when a hostId is given.
 * The repository operations take a repository and the approved host to run them from.
 */
import type { RunJob } from "../contract/backups.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { HostRecord, JobsRepo, PlanRecord, RepositoryRecord } from "./repo.ts";

export interface Targets {
  repository: RepositoryRecord;
  plan: PlanRecord | null;
  hosts: HostRecord[];
}

async function planTargets(repo: JobsRepo, input: RunJob): Promise<Targets> {
  const plan = await repo.findPlan(input.planId!);
  if (!plan) throw new NotFoundError("Plan", input.planId);
  const repository = await repo.findRepository(plan.repositoryId);
  if (!repository) throw new NotFoundError("Repository", plan.repositoryId);
  if (input.kind === "forget" && Object.keys(plan.retention).length === 0) {
    throw new ConflictError(
      "The plan keeps every snapshot: give it a retention policy before running forget",
      "no_retention",
    );
  }
  const targeted = plan.targetHostId
    ? (await repo.findHosts({ ids: [plan.targetHostId] })).filter((h) => h.state === "approved")
    : await repo.findHosts({ approvedWithTag: plan.targetTag! });
  const where = plan.targetHostId ? "its host" : `the tag ${plan.targetTag}`;
  if (input.hostId !== undefined) {
    const [host] = await repo.findHosts({ ids: [input.hostId] });
    if (!host) throw new NotFoundError("Host", input.hostId);
    if (!targeted.some((h) => h.id === host.id)) {
      throw new ConflictError(
        host.state === "approved"
          ? `The plan does not target this host: it runs on ${where}`
          : `The host is ${host.state}; only approved hosts run jobs`,
        "host_not_targeted",
      );
    }
    return { repository, plan, hosts: [host] };
  }
  if (targeted.length === 0) {
    throw new ConflictError(
      `The plan targets no approved host: ${where} names none that is approved`,
      "no_approved_host",
    );
  }
  return { repository, plan, hosts: targeted };
}

export async function resolveTargets(repo: JobsRepo, input: RunJob): Promise<Targets> {
  if (input.kind === "backup" || input.kind === "forget") return await planTargets(repo, input);
  const repository = await repo.findRepository(input.repositoryId!);
  if (!repository) throw new NotFoundError("Repository", input.repositoryId);
  const [host] = await repo.findHosts({ ids: [input.hostId!] });
  if (!host) throw new NotFoundError("Host", input.hostId);
  if (host.state !== "approved") {
    throw new ConflictError(
      `The host is ${host.state}; only approved hosts run jobs`,
      "no_approved_host",
    );
  }
  return { repository, plan: null, hosts: [host] };
}
