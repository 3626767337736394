/**
 * A streaming ustar writer: enough of the format for the agent bundle (regular files,
 * directories, long paths through the prefix field), so the appliance can build the bundle
 * itself without a tar binary. Big files (the Deno runtime) are streamed, never held in memory.
 */
import { createReadStream } from "node:fs";

export interface TarEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  mode: number;
  /** A file on disk to stream, or the content itself. */
  source: { path: string; size: number; mtimeMs?: number } | { data: Uint8Array };
}

const BLOCK = 512;
const enc = new TextEncoder();

function put(buf: Uint8Array, offset: number, length: number, text: string) {
  const bytes = enc.encode(text);
  if (bytes.length > length) throw new Error(`tar field too long: ${text}`);
  buf.set(bytes, offset);
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0") + "\0";

function splitName(name: string): [string, string] {
  if (enc.encode(name).length <= 100) return ["", name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] === "/" && i <= 155 && name.length - i - 1 <= 100) {
      return [name.slice(0, i), name.slice(i + 1)];
    }
  }
  throw new Error(`Path too long for ustar: ${name}`);
}

export function tarHeader(
  e: { name: string; mode: number; size: number; type: "0" | "5"; mtime: number },
) {
  const h = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(e.name);
  put(h, 0, 100, name);
  put(h, 100, 8, octal(e.mode, 8));
  put(h, 108, 8, octal(0, 8));
  put(h, 116, 8, octal(0, 8));
  put(h, 124, 12, octal(e.size, 12));
  put(h, 136, 12, octal(e.mtime, 12));
  put(h, 148, 8, "        ");
  put(h, 156, 1, e.type);
  put(h, 257, 6, "ustar\0");
  put(h, 263, 2, "00");
  put(h, 265, 32, "root");
  put(h, 297, 32, "root");
  put(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

/** The archive as a stream of chunks: each entry's header, its data, padding, then the end. */
export async function* tarStream(entries: TarEntry[], mtime: number): AsyncGenerator<Uint8Array> {
  const dirs = new Set<string>();
  for (const e of entries) {
    const parts = e.name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/") + "/";
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      yield tarHeader({ name: dir, mode: 0o755, size: 0, type: "5", mtime });
    }
    const size = "data" in e.source ? e.source.data.length : e.source.size;
    yield tarHeader({ name: e.name, mode: e.mode, size, type: "0", mtime });
    if ("data" in e.source) yield e.source.data;
    else {
      let seen = 0;
      for await (const chunk of createReadStream(e.source.path)) {
        seen += (chunk as Uint8Array).length;
        yield chunk as Uint8Array;
      }
      if (seen !== size) throw new Error(`File changed while archiving: ${e.name}`);
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield new Uint8Array(pad);
  }
  yield new Uint8Array(BLOCK * 2);
}
