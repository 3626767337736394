/**
 * restic relays ssh's error lines ("subprocess ssh: Host key verification failed.") from a
 * goroutine that can lose the race with restic's own exit, so after a failed sftp start the
 * reason is sometimes missing. The driver then runs the same ssh command once more on its own
 * and reads what ssh says: a few hundred milliseconds, only on that failure.
 */
import type { SpawnProcess } from "../../platform/process.ts";
import { sftpArgs, sshEnv } from "../common/ssh.ts";
import type { ResticRepository } from "./repository.ts";

const PROBE_TIMEOUT_MS = 30_000;

export function needsSftpProbe(repo: ResticRepository, lines: string[]): boolean {
  return repo.kind === "sftp" &&
    lines.some((l) => l.includes("unable to start the sftp session")) &&
    !lines.some((l) => l.startsWith("subprocess ssh: "));
}

/** What ssh prints when it tries to reach the repository's host, prefixed like restic does. */
export async function probeSftp(repo: ResticRepository, spawn: SpawnProcess): Promise<string[]> {
  if (repo.kind !== "sftp") return [];
  const lines: string[] = [];
  const child = spawn("ssh", {
    args: sftpArgs(repo, repo.ssh),
    env: sshEnv(repo.ssh),
    stdout: "ignore",
    newProcessGroup: true,
    onLine: (stream, line) => void (stream === "stderr" && lines.push(`subprocess ssh: ${line}`)),
  });
  const timer = setTimeout(() => child.kill("SIGKILL", { group: true }), PROBE_TIMEOUT_MS);
  try {
    await child.exited;
  } catch (err) {
    lines.push(`subprocess ssh: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  return lines;
}
