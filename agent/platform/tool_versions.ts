/**
 * `borg --version` and `restic version` for the host facts. A one-off call rather than the
 * process seam (process.ts): that seam loads node:child_process at import, and an idle agent
 * should not carry the Node compatibility layer for two version lines at start-up. A missing
 * tool is null, never an error.
 */

const deno = (globalThis as { Deno?: typeof Deno }).Deno;

async function firstLine(cmd: string, args: string[]): Promise<string | null> {
  if (deno) {
    try {
      const out = await new deno.Command(cmd, {
        args,
        env: { LC_ALL: "C.UTF-8" },
        stdin: "null",
        stdout: "piped",
        stderr: "null",
        signal: AbortSignal.timeout(10_000),
      }).output();
      return out.success
        ? new TextDecoder().decode(out.stdout).split("\n")[0].trim() || null
        : null;
    } catch {
      return null; // not installed (or not runnable): the facts say so with null
    }
  }
  const { execFile } = await import("node:child_process");
  return await new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout) => {
      resolve(err ? null : String(stdout).split("\n")[0].trim() || null);
    });
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
