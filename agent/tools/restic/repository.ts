/**
 * Where a restic repository lives, and how that becomes `-r`, `-o` and environment variables.
 * Secrets (the repository password, REST and S3 credentials) only ever go to the environment
 * built here, which the driver hands to the child at exec time. restic 0.14 has no
 * RESTIC_REST_USERNAME/PASSWORD, so REST credentials must sit in the URL: the URL is then
 * built here, passed through RESTIC_REPOSITORY (not argv), and its password is registered as a
 * secret so the redactor masks it everywhere.
 */
import { InvalidOptionsError } from "../common/result.ts";
import { sftpCommand, sshEnv, type SshOptions } from "../common/ssh.ts";

export type ResticRepository =
  | { kind: "local"; path: string }
  | { kind: "sftp"; user: string; host: string; port?: number; path: string; ssh?: SshOptions }
  | { kind: "rest"; url: string; username?: string; password?: string }
  | {
    kind: "s3";
    /** As restic spells it after "s3:": "s3.amazonaws.com/bucket/path" or "http://host:9000/bucket". */
    url: string;
    accessKeyId: string;
    secretAccessKey: string;
    region?: string;
    sessionToken?: string;
  }
  | {
    kind: "rclone";
    /** "remote:path" as rclone knows it. */
    remote: string;
    /** rclone's own variables (RCLONE_CONFIG, RCLONE_CONFIG_<REMOTE>_*), secrets allowed. */
    env?: Record<string, string>;
  };

export interface RepositoryAccess {
  args: string[];
  env: Record<string, string>;
  secrets: Array<string | undefined>;
  /** The location as people see it, credentials removed. */
  display: string;
}

export function repositoryAccess(repo: ResticRepository): RepositoryAccess {
  switch (repo.kind) {
    case "local":
      requireAbsolute(repo.path, "A local repository path");
      return { args: [], env: { RESTIC_REPOSITORY: repo.path }, secrets: [], display: repo.path };
    case "sftp":
      return sftpAccess(repo);
    case "rest":
      return restAccess(repo);
    case "s3":
      return s3Access(repo);
    case "rclone": {
      const location = `rclone:${repo.remote}`;
      const secrets = Object.values(repo.env ?? {});
      return {
        args: [],
        env: { RESTIC_REPOSITORY: location, ...repo.env },
        secrets,
        display: location,
      };
    }
  }
}

function sftpAccess(repo: Extract<ResticRepository, { kind: "sftp" }>): RepositoryAccess {
  requireAbsolute(repo.path, "An SFTP repository path");
  const location = `sftp:${repo.user}@${repo.host}:${repo.path}`;
  const command = sftpCommand(repo, repo.ssh);
  return {
    args: ["-o", `sftp.command=${command}`],
    env: { RESTIC_REPOSITORY: location, ...sshEnv(repo.ssh) },
    secrets: [repo.ssh?.keyPassphrase?.passphrase],
    display: repo.port ? `sftp://${repo.user}@${repo.host}:${repo.port}/${repo.path}` : location,
  };
}

function restAccess(repo: Extract<ResticRepository, { kind: "rest" }>): RepositoryAccess {
  let url: URL;
  try {
    url = new URL(repo.url);
  } catch {
    throw new InvalidOptionsError("A REST repository needs an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidOptionsError("A REST repository needs an http:// or https:// URL");
  }
  const display = `rest:${withoutCredentials(url)}`;
  if (repo.username !== undefined) url.username = encodeURIComponent(repo.username);
  if (repo.password !== undefined) url.password = encodeURIComponent(repo.password);
  const secrets = [repo.password, decodeURIComponent(url.password) || undefined];
  return { args: [], env: { RESTIC_REPOSITORY: `rest:${url.href}` }, secrets, display };
}

function s3Access(repo: Extract<ResticRepository, { kind: "s3" }>): RepositoryAccess {
  const env: Record<string, string> = {
    RESTIC_REPOSITORY: `s3:${repo.url}`,
    AWS_ACCESS_KEY_ID: repo.accessKeyId,
    AWS_SECRET_ACCESS_KEY: repo.secretAccessKey,
  };
  if (repo.region) env.AWS_DEFAULT_REGION = repo.region;
  if (repo.sessionToken) env.AWS_SESSION_TOKEN = repo.sessionToken;
  return {
    args: [],
    env,
    secrets: [repo.secretAccessKey, repo.sessionToken],
    display: `s3:${repo.url}`,
  };
}

function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href;
}

function requireAbsolute(path: string, what: string): void {
  if (!path.startsWith("/")) throw new InvalidOptionsError(`${what} must be absolute: ${path}`);
}
