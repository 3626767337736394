/**
 * A look at a local repository directory, for what the tools cannot say themselves: restic
 * answers "wrong password or no key found" for a borg repository, and borg says nothing about
 * who holds its lock. Remote repositories are not probed.
 */
import { readTextIfExists } from "../../platform/files.ts";

/** Reads a small file; undefined when it does not exist or cannot be read. */
export type ReadSmallFile = (path: string) => Promise<string | undefined>;

export const readSmallFile: ReadSmallFile = async (path) => {
  try {
    return (await readTextIfExists(path)) ?? undefined;
  } catch {
    return undefined; // unreadable (permissions, a directory): the probe learns nothing here
  }
};

const join = (dir: string, name: string) => `${dir.replace(/\/+$/, "")}/${name}`;

export type RepositoryEngine = "restic" | "borg" | "none";

/** Which tool made the repository in `dir`, judged from the files each tool writes. */
export async function probeRepositoryEngine(
  dir: string,
  read: ReadSmallFile,
): Promise<RepositoryEngine> {
  const readme = await read(join(dir, "README"));
  if (readme?.includes("This is a Borg Backup repository")) return "borg";
  const config = await read(join(dir, "config"));
  if (config === undefined) return "none";
  if (/^\[repository\]/m.test(config)) return "borg";
  return "restic";
}

export interface BorgLockHolder {
  host: string;
  pid: number;
  exclusive: boolean;
}

/** Who holds a local borg repository's lock, from its lock.roster (borg 1.2's format). */
export async function readBorgLockHolders(
  dir: string,
  read: ReadSmallFile,
): Promise<BorgLockHolder[]> {
  const text = await read(join(dir, "lock.roster"));
  if (!text) return [];
  let roster: Record<string, unknown>;
  try {
    roster = JSON.parse(text);
  } catch {
    return []; // a roster being rewritten right now: no holder can be named
  }
  const holders: BorgLockHolder[] = [];
  for (const kind of ["exclusive", "shared"]) {
    const entries = roster[kind];
    if (!Array.isArray(entries)) continue;
    for (const e of entries) {
      if (!Array.isArray(e) || typeof e[0] !== "string" || typeof e[1] !== "number") continue;
      holders.push({ host: e[0].split("@")[0], pid: e[1], exclusive: kind === "exclusive" });
    }
  }
  return holders;
}
