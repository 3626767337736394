/**
 * From a job spec's repository (location, opened secrets, workspace) to a restic or borg
 * driver. restic: local, sftp, rest (password from the backend credentials), s3 (secret and
 * session token), rclone (its variables); borg: local, ssh. Anything else was refused by the
 * contract already; a mismatch here still ends as an 'invalid' job, never a crash.
 */
import type { JobSpec } from "../../server/contract/jobs.ts";
import { type BorgDriver, createBorgDriver } from "../tools/borg/driver.ts";
import type { BorgRepository } from "../tools/borg/repository.ts";
import { InvalidOptionsError } from "../tools/common/result.ts";
import { createResticDriver, type ResticDriver } from "../tools/restic/driver.ts";
import type { ResticRepository } from "../tools/restic/repository.ts";
import type { JobSecrets } from "./job_secrets.ts";
import type { JobWorkspace } from "./workspace.ts";

export interface DriverSetup {
  spec: JobSpec;
  secrets: JobSecrets;
  workspace: JobWorkspace;
  binaries?: { restic?: string; borg?: string };
}

export function resticDriverFor(s: DriverSetup): ResticDriver {
  return createResticDriver({
    repository: resticRepository(s),
    password: s.secrets.passphrase,
    cacheDir: s.workspace.resticCacheDir,
    binary: s.binaries?.restic,
  });
}

export function borgDriverFor(s: DriverSetup, lockWaitSeconds?: number): BorgDriver {
  return createBorgDriver({
    repository: borgRepository(s),
    passphrase: s.secrets.passphrase,
    baseDir: s.workspace.borgBaseDir,
    binary: s.binaries?.borg,
    lockWaitSeconds,
  });
}

function resticRepository({ spec, secrets, workspace }: DriverSetup): ResticRepository {
  const loc = spec.repository.location;
  const creds = secrets.credentials;
  switch (loc.kind) {
    case "local":
      return { kind: "local", path: loc.path };
    case "sftp":
      return { ...loc, ssh: needSsh(workspace) };
    case "rest":
      return { kind: "rest", url: loc.url, username: loc.username, password: creds.restPassword };
    case "s3":
      if (!creds.s3SecretAccessKey) {
        throw new InvalidOptionsError("An S3 repository needs its secret access key");
      }
      return {
        kind: "s3",
        url: loc.url,
        accessKeyId: loc.accessKeyId,
        region: loc.region,
        secretAccessKey: creds.s3SecretAccessKey,
        sessionToken: creds.s3SessionToken,
      };
    case "rclone":
      return { kind: "rclone", remote: loc.remote, env: creds.rcloneEnv };
    default:
      throw new InvalidOptionsError(`restic cannot use a ${loc.kind} location`);
  }
}

function borgRepository({ spec, workspace }: DriverSetup): BorgRepository {
  const loc = spec.repository.location;
  if (loc.kind === "local") return { kind: "local", path: loc.path };
  if (loc.kind === "ssh") {
    return {
      kind: "ssh",
      user: loc.user,
      host: loc.host,
      port: loc.port,
      path: loc.path,
      remotePath: loc.remotePath,
      ssh: needSsh(workspace),
    };
  }
  throw new InvalidOptionsError(`borg cannot use a ${loc.kind} location`);
}

function needSsh(ws: JobWorkspace) {
  if (!ws.ssh) throw new InvalidOptionsError("An SSH repository needs an SSH key");
  return ws.ssh;
}
