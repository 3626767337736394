/**
 * `borg --version` and `restic version` for the host facts. A minimal one-off spawn: the shared
 * process seam (agent/platform/process.ts) was not committed when this was written; switch to
 * it once it is. A missing tool is null, never an error.
 */
import { execFile } from "node:child_process";
import process from "node:process";

function firstLine(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: 10_000, env: { ...process.env, LC_ALL: "C.UTF-8" } },
      (err, stdout) => {
        resolve(err ? null : String(stdout).split("\n")[0].trim() || null);
      },
    );
  });
}

/** "borg 1.2.4" → "1.2.4"; "restic 0.14.0 compiled with go…" → "0.14.0". */
export function versionOf(line: string | null): string | null {
  const m = /\b(\d+\.\d+(?:\.\d+)?(?:[-.+~][0-9A-Za-z.]+)?)\b/.exec(line ?? "");
  return m ? m[1].slice(0, 60) : null;
}

export async function toolVersions(): Promise<{ borg: string | null; restic: string | null }> {
  const [borg, restic] = await Promise.all([
    firstLine("borg", ["--version"]),
    firstLine("restic", ["version"]),
  ]);
  return { borg: versionOf(borg), restic: versionOf(restic) };
}
