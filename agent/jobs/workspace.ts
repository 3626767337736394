/**
 * Where a job's files live on the host. ssh needs its private key as a file: it is written
 * mode 0600 into a per-job directory (0700) under the state dir and the directory is removed
 * when the job ends, whatever happens. Host keys: pinned known_hosts lines from the spec go to
 * the per-job dir and are checked strictly; without them a per-repository file under
 * `<stateDir>/known_hosts/` trusts the first key seen (accept-new) and keeps it for next time.
 * Tool caches live under the state dir (restic's cache, borg's base dir with its keys and
 * security records), so nothing depends on the service user's HOME.
 */
import { join } from "node:path";
import type { JobSpec } from "../../server/contract/jobs.ts";
import { readTextIfExists } from "../platform/files.ts";
import { ensureStateDir } from "../state_files.ts";
import { ASKPASS_SCRIPT, type SshOptions } from "../tools/common/ssh.ts";
import { removeTree, writePrivateFile } from "./files.ts";
import type { JobSecrets } from "./job_secrets.ts";

export interface JobWorkspace {
  dir: string;
  resticCacheDir: string;
  borgBaseDir: string;
  /** The SSH options for this job's repository, when it is reached over SSH. */
  ssh?: SshOptions;
  knownHostsFile?: string;
  /** The first host key in the known_hosts file in use (after a run: the key seen). */
  hostKey(): Promise<string | undefined>;
  dispose(): Promise<void>;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

export async function prepareWorkspace(
  stateDir: string,
  { spec, secrets }: { spec: JobSpec; secrets: JobSecrets },
): Promise<JobWorkspace> {
  const dir = join(stateDir, "jobs", "run", safeName(spec.jobId));
  const resticCacheDir = join(stateDir, "cache", "restic");
  const borgBaseDir = join(stateDir, "borg");
  for (const d of [dir, resticCacheDir, borgBaseDir]) await ensureStateDir(d);
  const ws: JobWorkspace = {
    dir,
    resticCacheDir,
    borgBaseDir,
    hostKey: () => Promise.resolve(undefined),
    dispose: () => removeTree(dir),
  };
  const ssh = spec.repository.ssh;
  if (!ssh || !secrets.sshKey) return ws;
  try {
    const keyFile = join(dir, "id");
    await writePrivateFile(keyFile, secrets.sshKey.trimEnd() + "\n", 0o600);
    const options: SshOptions = { keyFile };
    if (ssh.knownHosts) {
      options.knownHostsFile = join(dir, "known_hosts");
      await writePrivateFile(options.knownHostsFile, ssh.knownHosts.trimEnd() + "\n", 0o600);
      options.strictHostKeyChecking = "yes";
    } else {
      const khDir = join(stateDir, "known_hosts");
      await ensureStateDir(khDir);
      options.knownHostsFile = join(khDir, safeName(spec.repository.id));
      options.strictHostKeyChecking = "accept-new";
    }
    if (secrets.sshKeyPassphrase) {
      options.keyPassphrase = {
        passphrase: secrets.sshKeyPassphrase,
        askpassProgram: await askpassProgram(stateDir),
      };
    }
    ws.ssh = options;
    ws.knownHostsFile = options.knownHostsFile;
    ws.hostKey = () => firstHostKey(options.knownHostsFile!);
    return ws;
  } catch (err) {
    await ws.dispose();
    throw err;
  }
}

/** The askpass program (no secret in it: it prints $CAIRN_SSH_PASSPHRASE), written once. */
async function askpassProgram(stateDir: string): Promise<string> {
  const path = join(stateDir, "askpass.sh");
  if ((await readTextIfExists(path)) !== ASKPASS_SCRIPT) {
    await writePrivateFile(path, ASKPASS_SCRIPT, 0o700);
  }
  return path;
}

/** "ssh-ed25519 AAAA…" of the first line of a known_hosts file. */
async function firstHostKey(file: string): Promise<string | undefined> {
  const text = await readTextIfExists(file);
  const line = text?.split("\n").find((l) => l.trim() && !l.startsWith("#"));
  if (!line) return undefined;
  const parts = line.trim().split(/\s+/);
  return parts.length >= 3 ? `${parts[1]} ${parts[2]}` : undefined;
}
