/**
 * Builds the JobSpec a `job.run` command carries. Every secret is opened from the appliance's
 * secret box only to be sealed again at once to the one agent that runs the job (NaCl box to its
 * key, signed by the appliance); the plain values live in this function's locals and nowhere
 * else. The spec is checked against the contract before it is queued, so an agent never gets a
 * spec it would refuse.
 */
import * as v from "valibot";
import type { ApplianceIdentity } from "../agent_channel/identity.ts";
import { sealForAgent } from "../agent_channel/seal.ts";
import type { SealedSecret } from "../contract/agent.ts";
import { JobSpecSchema } from "../contract/jobs.ts";
import type { JobKind, JobSpec } from "../contract/jobs.ts";
import type { SecretBox } from "../secrets/box.ts";
import type { HostRecord, Job, JobsRepo } from "./repo.ts";

const HOUR = 3600_000;

export function timeoutFor(kind: JobKind): number {
  if (kind === "backup") return 24 * HOUR;
  if (kind === "check") return 12 * HOUR;
  return 6 * HOUR;
}

/** A job that cannot be built (a secret that does not open, a plan gone); says why in words. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpecError";
  }
}

export interface SpecDeps {
  repo: JobsRepo;
  secretBox: SecretBox;
  identity: ApplianceIdentity;
  now(): number;
}

/**
 * `secretPrefix` names the sealed secrets (default: the job id); a schedule's spec, made once for
 * every run the agent fires, uses `sch-<scheduleId>`.
 */
export async function buildJobSpec(
  deps: SpecDeps,
  job: Job,
  host: HostRecord,
  opts: { secretPrefix?: string } = {},
): Promise<JobSpec> {
  const repository = await deps.repo.findRepository(job.repositoryId);
  if (!repository) throw new SpecError("The repository was removed");
  const seal = async (suffix: string, sealed: string): Promise<SealedSecret> => {
    let plaintext: string;
    try {
      plaintext = deps.secretBox.open(sealed);
    } catch {
      throw new SpecError(`A secret of this job does not open with the appliance's key: ${suffix}`);
    }
    return await sealForAgent(deps.identity, {
      agentKey: host.publicKey,
      boxPublicKey: host.boxPublicKey,
      name: `${opts.secretPrefix ?? job.id}-${suffix}`,
      plaintext,
      now: deps.now(),
    });
  };
  let ssh: JobSpec["repository"]["ssh"];
  if (repository.sshKeyId) {
    const key = await deps.repo.findSshKey(repository.sshKeyId);
    if (!key) throw new SpecError("The repository's SSH key was removed");
    ssh = {
      privateKey: await seal("sshkey", key.privateKeySealed),
      ...(key.passphraseSealed ? { passphrase: await seal("sshpass", key.passphraseSealed) } : {}),
      ...(repository.knownHosts ? { knownHosts: repository.knownHosts } : {}),
    };
  }
  const spec: JobSpec = {
    jobId: job.id,
    kind: job.kind,
    engine: repository.engine,
    hostId: host.id,
    repository: {
      id: repository.id,
      name: repository.name,
      location: repository.location,
      passphrase: await seal("pass", repository.passphraseSealed),
      ...(repository.credentialsSealed
        ? { credentials: await seal("cred", repository.credentialsSealed) }
        : {}),
      ...(ssh ? { ssh } : {}),
    },
    ...(job.planId ? { plan: await planPart(job.planId, deps, seal) } : {}),
    options: job.options as JobSpec["options"],
    // A job without a plan carries its snapshot, restore, dump and drill parts in its options.
    ...(job.options.snapshot ? { snapshot: job.options.snapshot as JobSpec["snapshot"] } : {}),
    ...(job.options.restore ? { restore: job.options.restore as JobSpec["restore"] } : {}),
    ...(job.options.dump ? { dump: job.options.dump as JobSpec["dump"] } : {}),
    ...(job.options.drill ? { drill: job.options.drill as JobSpec["drill"] } : {}),
    timeoutMs: timeoutFor(job.kind),
  };
  const checked = v.safeParse(JobSpecSchema, spec);
  if (!checked.success) {
    const field = (checked.issues[0].path ?? []).map((p) => String(p.key)).join(".");
    throw new SpecError(`The job's settings do not make a valid job: ${field || "spec"}`);
  }
  return checked.output;
}

async function planPart(
  planId: string,
  deps: SpecDeps,
  seal: (suffix: string, sealed: string) => Promise<SealedSecret>,
): Promise<NonNullable<JobSpec["plan"]>> {
  const plan = await deps.repo.findPlan(planId);
  if (!plan) throw new SpecError("The plan was removed");
  return {
    id: plan.id,
    name: plan.name,
    sources: plan.sources,
    excludes: plan.excludes,
    excludeIfPresent: plan.excludeIfPresent,
    oneFileSystem: plan.oneFileSystem,
    compression: plan.compression,
    tags: plan.tags,
    limits: plan.limits,
    retention: plan.retention,
    ...(plan.hooksSealed ? { hooks: await seal("hooks", plan.hooksSealed) } : {}),
  };
}
