/**
 * Where a borg 1.2 repository lives: a local path, or `ssh://user@host:port/path` reached
 * through BORG_RSH (ssh with our key, known_hosts and timeouts; borg adds the port, the host
 * and `borg serve`). Nothing here is secret except a key passphrase, which goes to the
 * environment through SSH_ASKPASS.
 */
import { InvalidOptionsError } from "../common/result.ts";
import { borgRsh, sshEnv, type SshOptions } from "../common/ssh.ts";

export type BorgRepository =
  | { kind: "local"; path: string }
  | {
    kind: "ssh";
    user: string;
    host: string;
    port?: number;
    /** Absolute path on the server, or "~/repo" relative to the user's home. */
    path: string;
    ssh?: SshOptions;
    /** `--remote-path`: the borg binary on the server, when it is not "borg" on PATH. */
    remotePath?: string;
  };

export interface BorgRepositoryAccess {
  /** The location as borg takes it on the command line (no secret in it). */
  location: string;
  env: Record<string, string>;
  args: string[];
  secrets: Array<string | undefined>;
}

export function borgRepositoryAccess(repo: BorgRepository): BorgRepositoryAccess {
  if (repo.kind === "local") {
    if (!repo.path.startsWith("/")) {
      throw new InvalidOptionsError(`A local repository path must be absolute: ${repo.path}`);
    }
    return { location: repo.path, env: {}, args: [], secrets: [] };
  }
  if (!repo.path.startsWith("/") && !repo.path.startsWith("~")) {
    throw new InvalidOptionsError(
      `An SSH repository path must be absolute or start with ~: ${repo.path}`,
    );
  }
  if (!/^[\w.-]+$/.test(repo.user) || !/^[\w.:-]+$/.test(repo.host)) {
    throw new InvalidOptionsError("Invalid SSH user or host");
  }
  const host = repo.host.includes(":") ? `[${repo.host}]` : repo.host;
  const port = repo.port ? `:${repo.port}` : "";
  const path = repo.path.startsWith("~") ? `/${repo.path}` : repo.path;
  return {
    location: `ssh://${repo.user}@${host}${port}${path}`,
    env: { BORG_RSH: borgRsh(repo.ssh), ...sshEnv(repo.ssh) },
    args: repo.remotePath ? [`--remote-path=${repo.remotePath}`] : [],
    secrets: [repo.ssh?.keyPassphrase?.passphrase],
  };
}
