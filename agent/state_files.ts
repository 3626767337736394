/**
 * The agent's state files: JSON, mode 0600, written atomically (a temporary file in the same
 * directory, fsync, rename, fsync of the directory), so a crash or power loss leaves either the
 * old file or the new one, never half of one. Read back through a schema, like any input.
 */
import * as v from "valibot";
import { chmod, link, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";

export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  try {
    const handle = await open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Writes the file only if it does not exist yet, atomically: false when another process made it
 * first. (A hard link fails on an existing name, so two first starts cannot both win.)
 */
export async function createFileExclusive(path: string, data: string): Promise<boolean> {
  const tmp = join(dirname(path), `.${crypto.randomUUID()}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** The parsed file, or null when it does not exist; a damaged file is an error naming it. */
export async function readJson<T>(
  path: string,
  schema: v.GenericSchema<unknown, T>,
): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    return v.parse(schema, JSON.parse(text));
  } catch (err) {
    throw new Error(`The state file is damaged: ${path}`, { cause: err });
  }
}
