/**
 * A job's secrets, opened in memory for the run: the repository passphrase, the backend
 * credentials, the SSH key and its passphrase, and the plan's hooks (hook commands are treated
 * as secrets: they often carry a database password). Each SealedSecret is checked against the
 * pinned appliance key before it is opened. The redactor built here masks every one of them,
 * line by line for multi-line values such as a private key, in everything the runner sends.
 */
import * as v from "valibot";
import { BackendCredentialsSchema, HooksSchema, type JobSpec } from "../../server/contract/jobs.ts";
import type { BackendCredentials, Hooks } from "../../server/contract/jobs.ts";
import type { AgentIdentity } from "../identity.ts";
import { openSealedSecret } from "../secrets.ts";
import type { PinnedAppliance } from "../trust.ts";
import { createRedactor, type TextRedactor } from "../tools/common/redact.ts";

export interface JobSecrets {
  passphrase: string;
  credentials: BackendCredentials;
  sshKey?: string;
  sshKeyPassphrase?: string;
  hooks: Hooks;
}

/** A secret that cannot be opened or does not hold what it should; the job fails 'invalid'. */
export class JobSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JobSecretError";
  }
}

export async function openJobSecrets(
  spec: JobSpec,
  keys: { identity: AgentIdentity; pinned: PinnedAppliance },
): Promise<JobSecrets> {
  const open = async (what: string, sealed: unknown) => {
    try {
      return await openSealedSecret(sealed, keys);
    } catch (err) {
      throw new JobSecretError(`The ${what} could not be opened: ${(err as Error).message}`);
    }
  };
  const repo = spec.repository;
  const secrets: JobSecrets = {
    passphrase: await open("repository passphrase", repo.passphrase),
    credentials: repo.credentials
      ? parsed(
        "backend credentials",
        BackendCredentialsSchema,
        await open("backend credentials", repo.credentials),
      )
      : {},
    hooks: spec.plan?.hooks
      ? parsed("hooks", HooksSchema, await open("plan's hooks", spec.plan.hooks))
      : {},
  };
  if (repo.ssh) {
    secrets.sshKey = await open("SSH private key", repo.ssh.privateKey);
    if (repo.ssh.passphrase) {
      secrets.sshKeyPassphrase = await open("SSH key passphrase", repo.ssh.passphrase);
    }
  }
  return secrets;
}

function parsed<T>(what: string, schema: v.GenericSchema<unknown, T>, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new JobSecretError(`The ${what} are not valid JSON`);
  }
  const r = v.safeParse(schema, json);
  if (!r.success) throw new JobSecretError(`The ${what} do not have the expected form`);
  return r.output;
}

/** Every opened value, and each line of the multi-line ones, for the redactor. */
export function secretValues(s: JobSecrets): string[] {
  const values = [
    s.passphrase,
    s.credentials.restPassword,
    s.credentials.s3SecretAccessKey,
    s.credentials.s3SessionToken,
    ...Object.values(s.credentials.rcloneEnv ?? {}),
    s.sshKey,
    s.sshKeyPassphrase,
    s.hooks.pre,
    s.hooks.post,
  ].filter((x): x is string => !!x);
  const lines = values.flatMap((x) =>
    x.split("\n").map((l) => l.trim()).filter((l) => l.length >= 8)
  );
  return [...values, ...lines.filter((l) => !/^-----(BEGIN|END) /.test(l))];
}

export function jobRedactor(s: JobSecrets): TextRedactor {
  return createRedactor(secretValues(s));
}
