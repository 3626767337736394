/**
 * Puts what a tool restored into a staging directory in its place, following the overwrite
 * policy. The tools extract into `<target>/.cairn-restore-<jobId>` (same filesystem as the
 * target, so every move is a rename: owners, modes, times, hard links and symlinks stay as the
 * tool made them), then this walks the staged tree:
 *
 * - nothing at the destination: the staged entry (a whole folder at once) is renamed there;
 * - a folder at both: walk into it (an existing folder is never replaced, so nothing it holds
 *   that Cairn did not write is ever deleted);
 * - a file, link or other entry at both: the policy decides, staged against existing;
 * - a folder where something else is now, or the reverse: skipped, whatever the policy.
 *
 * Every destination's nearest existing ancestor is resolved (realpath) and must lie inside the
 * target: a symlink on the way that leads out of it refuses the entry. `remap` sends snapshot
 * path prefixes elsewhere below the target. The staging directory is removed at the end.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, join } from "node:path";
import type { OverwritePolicy } from "../../server/contract/jobs.ts";

export interface PlaceOptions {
  /** Where the tool extracted: snapshot path "/a/b" is at `<staging>/a/b`. */
  staging: string;
  /** The directory restored into; "/" for the original place. */
  targetDir: string;
  overwrite: OverwritePolicy;
  remap?: Array<{ from: string; to: string }>;
  /** Called every few hundred entries with the count so far. */
  onProgress?: (done: number) => void;
}

export interface PlaceResult {
  restored: number;
  skipped: number;
  replaced: number;
  bytes: number;
  target: string;
  refused: string[];
}

/** Files up to this size are compared by content under `if-different` when size and time agree. */
export const HASH_LIMIT_BYTES = 64 * 1024 * 1024;
const MAX_REFUSED_NAMED = 50;

/** The staging directory a job uses inside its target. */
export const stagingDirFor = (targetDir: string, jobId: string) =>
  join(targetDir, `.cairn-restore-${jobId}`);

/** Where a snapshot path lands: remapped (longest matching prefix first), below the target. */
export function destinationOf(
  snapshotPath: string,
  o: Pick<PlaceOptions, "targetDir" | "remap">,
): string {
  let p = snapshotPath;
  const rules = [...(o.remap ?? [])].sort((a, b) => b.from.length - a.from.length);
  for (const r of rules) {
    if (p === r.from || p.startsWith(r.from === "/" ? "/" : r.from + "/")) {
      p = r.to + (r.from === "/" ? p : p.slice(r.from.length));
      p = p.replace(/\/+/g, "/");
      break;
    }
  }
  return o.targetDir === "/" ? p : join(o.targetDir, p);
}

const inside = (root: string, p: string) => root === "/" || p === root || p.startsWith(root + "/");

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export async function placeRestored(o: PlaceOptions): Promise<PlaceResult> {
  const realTarget = await fs.realpath(o.targetDir);
  const result: PlaceResult = {
    restored: 0,
    skipped: 0,
    replaced: 0,
    bytes: 0,
    target: o.targetDir,
    refused: [],
  };
  let done = 0;
  const tick = (n: number) => {
    const before = Math.floor(done / 500);
    done += n;
    if (Math.floor(done / 500) !== before) o.onProgress?.(done);
  };
  const remapBelow = (snap: string) =>
    (o.remap ?? []).some((r) =>
      r.from !== snap && r.from.startsWith(snap === "/" ? "/" : snap + "/")
    );

  async function checkedDestination(snap: string): Promise<string | null> {
    const dest = destinationOf(snap, o);
    if (!inside(o.targetDir, dest) || dest.split("/").includes("..")) return null;
    // The nearest existing ancestor, resolved, must lie inside the target.
    let probe = dirname(dest);
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        return inside(realTarget, real) ? dest : null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        probe = dirname(probe);
      }
    }
  }

  async function refuse(snap: string, staged: string) {
    const n = await countTree(staged);
    result.skipped += n.entries;
    if (result.refused.length < MAX_REFUSED_NAMED) result.refused.push(snap);
    tick(n.entries);
  }

  async function moveIn(staged: string, dest: string, replacing: boolean) {
    const n = await countTree(staged);
    await fs.mkdir(dirname(dest), { recursive: true });
    await fs.rename(staged, dest);
    if (replacing) {
      result.replaced += 1;
      result.restored += n.entries - 1;
    } else result.restored += n.entries;
    result.bytes += n.bytes;
    tick(n.entries);
  }

  async function visit(staged: string, snap: string): Promise<void> {
    const st = await fs.lstat(staged);
    const dest = await checkedDestination(snap);
    if (dest === null) return await refuse(snap, staged);
    const existing = await lstatOrNull(dest);
    if (st.isDirectory() && (remapBelow(snap) || existing?.isDirectory())) {
      if (existing && !existing.isDirectory()) return await skipOrReplace(st, staged, dest);
      // No symlink is ever followed at the destination: lstat says what is there.
      // Here a missing folder means a remap below it: folders are made as entries arrive
      // (moveIn), so a remap leaves no empty folders at the places it moved things away from.
      for (const name of await fs.readdir(staged)) {
        await visit(join(staged, name), snap === "/" ? `/${name}` : `${snap}/${name}`);
      }
      return;
    }
    if (!existing) return await moveIn(staged, dest, false);
    if (existing.isDirectory()) {
      // Never replace a folder: that would delete whatever it holds.
      const n = await countTree(staged);
      result.skipped += n.entries;
      return tick(n.entries);
    }
    await skipOrReplace(st, staged, dest);
  }

  async function skipOrReplace(st: Stats, staged: string, dest: string) {
    const existing = await fs.lstat(dest);
    if (!st.isDirectory() && await shouldReplace(o.overwrite, { staged, st, dest, existing })) {
      return await moveIn(staged, dest, true);
    }
    // A folder where something else is now (a file, a symlink) stays skipped under every
    // policy: replacing a symlink to a folder would drop what the person put there.
    const n = await countTree(staged);
    result.skipped += n.entries;
    tick(n.entries);
  }

  for (const name of await fs.readdir(o.staging)) {
    await visit(join(o.staging, name), `/${name}`);
  }
  o.onProgress?.(done);
  return result;
}

/** Entries and regular-file bytes in a staged tree (one for a file). */
async function countTree(p: string): Promise<{ entries: number; bytes: number }> {
  const st = await fs.lstat(p);
  if (!st.isDirectory()) return { entries: 1, bytes: st.isFile() ? st.size : 0 };
  let entries = 1;
  let bytes = 0;
  for (const name of await fs.readdir(p)) {
    const n = await countTree(join(p, name));
    entries += n.entries;
    bytes += n.bytes;
  }
  return { entries, bytes };
}

async function shouldReplace(
  policy: OverwritePolicy,
  c: { staged: string; st: Stats; dest: string; existing: Stats },
): Promise<boolean> {
  switch (policy) {
    case "always":
      return true;
    case "never":
      return false;
    case "if-newer":
      return c.st.mtimeMs > c.existing.mtimeMs;
    case "if-different":
      return await differs(c);
  }
}

async function differs(c: { staged: string; st: Stats; dest: string; existing: Stats }) {
  const { st, existing } = c;
  if (st.isSymbolicLink() || existing.isSymbolicLink()) {
    if (!(st.isSymbolicLink() && existing.isSymbolicLink())) return true;
    return (await fs.readlink(c.staged)) !== (await fs.readlink(c.dest));
  }
  if (st.isFile() !== existing.isFile()) return true;
  if (st.size !== existing.size || Math.trunc(st.mtimeMs) !== Math.trunc(existing.mtimeMs)) {
    return true;
  }
  if (!st.isFile() || st.size > HASH_LIMIT_BYTES) return false;
  return (await fileHash(c.staged)) !== (await fileHash(c.dest));
}

function fileHash(p: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(p).on("data", (d) => h.update(d)).on("error", reject).on(
      "end",
      () => resolve(h.digest("hex")),
    );
  });
}
