/**
 * `borg --version` and `restic version` for the host facts, through the agent's process seam
 * (process.ts). A missing or failing tool is null, never an error.
 */
import { spawnProcess } from "./process.ts";
import type { SpawnProcess } from "./process.ts";

const TIMEOUT_MS = 10_000;

async function firstLine(spawn: SpawnProcess, cmd: string, args: string[]): Promise<string | null> {
  let first: string | null = null;
  let child;
  try {
    child = spawn(cmd, {
      args,
      env: { LC_ALL: "C.UTF-8" },
      onLine: (stream, line) => {
        if (stream === "stdout" && first === null && line.trim()) first = line.trim();
      },
    });
  } catch {
    return null; // not installed or not runnable: the facts say so with null
  }
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  try {
    const status = await child.exited;
    return status.code === 0 ? first : null;
  } catch {
    return null; // the seam reports a failed start through `exited`: same answer as above
  } finally {
    clearTimeout(timer);
  }
}

/** "borg 1.2.4" → "1.2.4"; "restic 0.14.0 compiled with go…" → "0.14.0". */
export function versionOf(line: string | null): string | null {
  const m = /\b(\d+\.\d+(?:\.\d+)?(?:[-.+~][0-9A-Za-z.]+)?)\b/.exec(line ?? "");
  return m ? m[1].slice(0, 60) : null;
}

export async function toolVersions(
  spawn: SpawnProcess = spawnProcess,
): Promise<{ borg: string | null; restic: string | null }> {
  const [borg, restic] = await Promise.all([
    firstLine(spawn, "borg", ["--version"]),
    firstLine(spawn, "restic", ["version"]),
  ]);
  return { borg: versionOf(borg), restic: versionOf(restic) };
}
