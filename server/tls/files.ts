/**
 * Files of the tls/ folder. Each is written whole to a temp file beside it and renamed into
 * place, so a crash leaves either the old file or the new one, never half a key; keys are
 * created mode 0600 and never pass through a wider mode.
 */
import { chmod, open, readFile, rename, rm } from "node:fs/promises";

export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const handle = await open(tmp, "wx", mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  // The umask may have narrowed the mode further; make it exact.
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** The file's text, or null when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw err;
  }
}
