/**
 * The agent's state files: JSON, mode 0600, written atomically (see platform/files.ts), so a
 * crash or power loss leaves either the old file or the new one, never half of one. Read back
 * through a schema, like any input.
 */
import * as v from "valibot";
import {
  createFileExclusive as createExclusive,
  ensurePrivateDir,
  readTextIfExists,
  writeFileAtomic,
} from "./platform/files.ts";

export { writeFileAtomic };

export const ensureStateDir = (dir: string) => ensurePrivateDir(dir);

export const createFileExclusive = createExclusive;

export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** The parsed file, or null when it does not exist; a damaged file is an error naming it. */
export async function readJson<T>(
  path: string,
  schema: v.GenericSchema<unknown, T>,
): Promise<T | null> {
  const text = await readTextIfExists(path);
  if (text === null) return null;
  try {
    return v.parse(schema, JSON.parse(text));
  } catch (err) {
    throw new Error(`The state file is damaged: ${path}`, { cause: err });
  }
}
