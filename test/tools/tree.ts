/**
 * Generated source trees for tool tests and benchmarks: `files` files of `fileSize` bytes in
 * directories of `perDir` files, filled from a seeded xorshift generator so every file is
 * different (nothing deduplicates or compresses away) and a run is reproducible.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

export interface TreeSpec {
  files: number;
  fileSize: number;
  perDir?: number;
  seed?: number;
}

const CHUNK = 1 << 20;

function fill(buf: Uint32Array, state: Uint32Array): void {
  let x = state[0] || 0x9e3779b9;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x;
  }
  state[0] = x;
}

/** Writes the tree under `dir`; returns the total number of bytes written. */
export async function writeTree(dir: string, spec: TreeSpec): Promise<number> {
  const perDir = spec.perDir ?? 100;
  const state = new Uint32Array([spec.seed ?? 1]);
  const words = new Uint32Array(Math.ceil(Math.min(CHUNK, Math.max(4, spec.fileSize)) / 4));
  const bytes = new Uint8Array(words.buffer);
  let total = 0;
  for (let i = 0; i < spec.files; i++) {
    const sub = join(dir, `d${String(Math.floor(i / perDir)).padStart(4, "0")}`);
    if (i % perDir === 0) await mkdir(sub, { recursive: true });
    const fh = await open(join(sub, `f${String(i).padStart(6, "0")}.bin`), "w");
    try {
      for (let left = spec.fileSize; left > 0;) {
        fill(words, state);
        const n = Math.min(left, bytes.length);
        await fh.write(bytes, 0, n);
        left -= n;
      }
    } finally {
      await fh.close();
    }
    total += spec.fileSize;
  }
  return total;
}

/** Overwrites a stretch in the middle of every file under `dir` (64 bytes or more) with noise. */
export async function damageFiles(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const size = (await stat(path)).size;
    if (size < 64) continue;
    const f = await open(path, "r+");
    await f.write(randomBytes(Math.min(4096, size >> 2)), 0, undefined, size >> 1);
    await f.close();
  }
}
