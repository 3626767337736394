/**
 * The few file operations the job runner needs beyond platform/files.ts: list a directory,
 * write a small private file with a given mode (an SSH key 0600, the askpass program 0700),
 * remove a tree, and a file's modification time. Under Deno through the Deno namespace;
 * elsewhere node:fs, loaded only there, like platform/files.ts.
 */

interface JobFs {
  list(dir: string): Promise<string[]>;
  writeFile(path: string, text: string, mode: number): Promise<void>;
  removeTree(path: string): Promise<void>;
  mtimeMs(path: string): Promise<number | undefined>;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;

function denoFs(d: typeof Deno): JobFs {
  return {
    async list(dir) {
      const names: string[] = [];
      try {
        for await (const e of d.readDir(dir)) names.push(e.name);
      } catch (err) {
        if (!(err instanceof d.errors.NotFound)) throw err;
      }
      return names.sort();
    },
    async writeFile(path, text, mode) {
      await d.writeTextFile(path, text, { mode, create: true });
      await d.chmod(path, mode);
    },
    removeTree: (path) =>
      d.remove(path, { recursive: true }).catch((err) => {
        if (!(err instanceof d.errors.NotFound)) throw err;
      }),
    async mtimeMs(path) {
      try {
        return (await d.stat(path)).mtime?.getTime();
      } catch (err) {
        if (err instanceof d.errors.NotFound) return undefined;
        throw err;
      }
    },
  };
}

async function nodeFs(): Promise<JobFs> {
  const fs = await import("node:fs/promises");
  const missing = (err: unknown) => (err as { code?: string }).code === "ENOENT";
  return {
    async list(dir) {
      try {
        return (await fs.readdir(dir)).sort();
      } catch (err) {
        if (missing(err)) return [];
        throw err;
      }
    },
    async writeFile(path, text, mode) {
      await fs.writeFile(path, text, { mode });
      await fs.chmod(path, mode);
    },
    removeTree: (path) => fs.rm(path, { recursive: true, force: true }),
    async mtimeMs(path) {
      try {
        return (await fs.stat(path)).mtimeMs;
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
  };
}

let loaded: Promise<JobFs> | null = null;
const impl = () => (loaded ??= deno ? Promise.resolve(denoFs(deno)) : nodeFs());

/** The names in `dir`, sorted; none when it does not exist. */
export const listNames = async (dir: string) => (await impl()).list(dir);
/** Writes (or replaces) a small file and sets its mode. */
export const writePrivateFile = async (path: string, text: string, mode: number) =>
  (await impl()).writeFile(path, text, mode);
export const removeTree = async (path: string) => (await impl()).removeTree(path);
export const mtimeMs = async (path: string) => (await impl()).mtimeMs(path);
