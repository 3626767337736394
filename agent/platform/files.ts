/**
 * The agent's file operations for its state dir: atomic replace (temporary file, fsync, rename,
 * fsync of the directory), exclusive create (a hard link fails on an existing name), reads that
 * tell "missing" from "broken". Under Deno through the Deno namespace; elsewhere node:fs, loaded
 * only there (it brings the Node compatibility layer, a few MB of resident memory, with it).
 */

interface Fs {
  writeNew(path: string, data: Uint8Array, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  syncDir(path: string): Promise<void>;
  readText(path: string): Promise<string>;
  mkdir(path: string, mode: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  isNotFound(err: unknown): boolean;
  isExists(err: unknown): boolean;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;

function denoFs(d: typeof Deno): Fs {
  return {
    async writeNew(path, data, mode) {
      const f = await d.open(path, { write: true, createNew: true, mode });
      try {
        let done = 0;
        while (done < data.length) done += await f.write(data.subarray(done));
        await f.sync();
      } finally {
        f.close();
      }
    },
    rename: (a, b) => d.rename(a, b),
    link: (a, b) => d.link(a, b),
    remove: (p) =>
      d.remove(p).catch((err) => {
        if (!(err instanceof d.errors.NotFound)) throw err;
      }),
    async syncDir(path) {
      const f = await d.open(path, { read: true });
      try {
        await f.sync();
      } finally {
        f.close();
      }
    },
    readText: (p) => d.readTextFile(p),
    mkdir: (p, mode) => d.mkdir(p, { recursive: true, mode }),
    chmod: (p, mode) => d.chmod(p, mode),
    isNotFound: (err) => err instanceof d.errors.NotFound,
    isExists: (err) => err instanceof d.errors.AlreadyExists,
  };
}

async function nodeFs(): Promise<Fs> {
  const fs = await import("node:fs/promises");
  const code = (err: unknown) => (err as { code?: string }).code;
  return {
    async writeNew(path, data, mode) {
      const h = await fs.open(path, "wx", mode);
      try {
        await h.writeFile(data);
        await h.sync();
      } finally {
        await h.close();
      }
    },
    rename: (a, b) => fs.rename(a, b),
    link: (a, b) => fs.link(a, b),
    remove: (p) => fs.rm(p, { force: true }),
    async syncDir(path) {
      const h = await fs.open(path, "r");
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    },
    readText: (p) => fs.readFile(p, "utf8"),
    mkdir: async (p, mode) => void await fs.mkdir(p, { recursive: true, mode }),
    chmod: (p, mode) => fs.chmod(p, mode),
    isNotFound: (err) => code(err) === "ENOENT",
    isExists: (err) => code(err) === "EEXIST",
  };
}

let loaded: Promise<Fs> | null = null;
const fsImpl = () => (loaded ??= deno ? Promise.resolve(denoFs(deno)) : nodeFs());

const dirOf = (path: string) => path.slice(0, Math.max(1, path.lastIndexOf("/")));
const tmpBeside = (path: string) => `${dirOf(path)}/.${crypto.randomUUID()}.tmp`;

/** Replaces the file atomically; it is mode 0600 and on disk when this resolves. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const fs = await fsImpl();
  const tmp = tmpBeside(path);
  try {
    await fs.writeNew(tmp, new TextEncoder().encode(text), 0o600);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.remove(tmp);
    throw err;
  }
  await fs.syncDir(dirOf(path));
}

/** Creates the file only if it does not exist yet; false when another process made it first. */
export async function createFileExclusive(path: string, text: string): Promise<boolean> {
  const fs = await fsImpl();
  const tmp = tmpBeside(path);
  await fs.writeNew(tmp, new TextEncoder().encode(text), 0o600);
  try {
    await fs.link(tmp, path);
    await fs.syncDir(dirOf(path));
    return true;
  } catch (err) {
    if (fs.isExists(err)) return false;
    throw err;
  } finally {
    await fs.remove(tmp);
  }
}

/** The file's text, or null when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | null> {
  const fs = await fsImpl();
  try {
    return await fs.readText(path);
  } catch (err) {
    if (fs.isNotFound(err)) return null;
    throw err;
  }
}

export async function ensurePrivateDir(path: string): Promise<void> {
  const fs = await fsImpl();
  await fs.mkdir(path, 0o700);
  await fs.chmod(path, 0o700);
}

/** Sets the mode when the file exists (SQLite's -wal and -shm files come and go). */
export async function chmodIfExists(path: string, mode: number): Promise<void> {
  const fs = await fsImpl();
  try {
    await fs.chmod(path, mode);
  } catch (err) {
    if (!fs.isNotFound(err)) throw err;
  }
}
