/**
 * A tar stream turned into a zip stream as it flows, for zip downloads from borg (borg writes
 * tar with `export-tar`, never zip). Entries are stored, not compressed: backups are often
 * compressed already and the download should run at the tool's pace. Each entry is finished
 * before the next starts, so fflate never queues one and memory stays at a chunk or two.
 * Handles ustar, GNU long names (L/K) and pax path headers; keeps Unix modes and mtimes, and
 * symlinks (as Unix symlink entries). Hard links whose data came earlier in the tar are left
 * out. fflate writes no ZIP64, so an entry of 4 GiB or more cannot be zipped: the caller says
 * so and the download fails rather than producing a broken archive.
 */
import { Zip, ZipPassThrough } from "fflate";

const BLOCK = 512;
const FOUR_GIB = 2 ** 32 - 1;

export class ZipLimitError extends Error {}

interface Header {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkName: string;
}

function text(b: Uint8Array, from: number, len: number): string {
  const slice = b.subarray(from, from + len);
  const nul = slice.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? slice.subarray(0, nul) : slice);
}

function octal(b: Uint8Array, from: number, len: number): number {
  if (b[from] & 0x80) {
    // GNU base-256 for large numbers.
    let n = 0;
    for (let i = from + 1; i < from + len; i++) n = n * 256 + b[i];
    return n;
  }
  const s = text(b, from, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parseHeader(b: Uint8Array): Header {
  const magic = text(b, 257, 6);
  const prefix = magic.startsWith("ustar") ? text(b, 345, 155) : "";
  const name = text(b, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: octal(b, 100, 8),
    size: octal(b, 124, 12),
    mtime: octal(b, 136, 12),
    type: String.fromCharCode(b[156] || 48),
    linkName: text(b, 157, 100),
  };
}

function paxValues(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.byteLength) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = parseInt(new TextDecoder().decode(data.subarray(at, space)), 10);
    if (!(len > 0)) break;
    const record = new TextDecoder().decode(data.subarray(space + 1, at + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** Feeds tar bytes in with push(); zip bytes come out through `emit`, awaited. */
export function createTarToZip(emit: (chunk: Uint8Array) => Promise<void>) {
  const out: Uint8Array[] = [];
  let zipError: Error | null = null;
  const zip = new Zip((err, data) => {
    if (err) zipError = err;
    else if (data.byteLength) out.push(data);
  });
  let buf: Uint8Array = new Uint8Array(0);
  let entry: { file: ZipPassThrough | null; left: number; pad: number; meta?: string } | null =
    null;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  let ended = false;

  async function flush() {
    if (zipError) throw zipError;
    for (const chunk of out.splice(0)) await emit(chunk);
  }

  function startEntry(h: Header) {
    const name = (pax.path ?? longName ?? h.name).replace(/^\.?\//, "");
    const link = pax.linkpath ?? longLink ?? h.linkName;
    const size = pax.size !== undefined ? Number(pax.size) : h.size;
    pax = {};
    longName = longLink = null;
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    const kind = h.type;
    if (kind === "L" || kind === "K" || kind === "x" || kind === "g") {
      entry = { file: null, left: size, pad, meta: kind };
      metaBytes = [];
      return;
    }
    let file: ZipPassThrough | null = null;
    const mtime = new Date(h.mtime * 1000);
    if (kind === "0" || kind === "7") {
      if (size > FOUR_GIB) throw new ZipLimitError(`A file of 4 GiB or more cannot be zipped`);
      file = new ZipPassThrough(name);
      Object.assign(file, { os: 3, attrs: ((h.mode & 0o7777) | 0o100000) << 16, mtime });
    } else if (kind === "5") {
      const dir = new ZipPassThrough(name.endsWith("/") ? name : `${name}/`);
      Object.assign(dir, { os: 3, attrs: (((h.mode & 0o7777) | 0o40000) << 16) | 0x10, mtime });
      zip.add(dir);
      dir.push(new Uint8Array(0), true);
    } else if (kind === "2") {
      const l = new ZipPassThrough(name);
      Object.assign(l, { os: 3, attrs: (0o120777 << 16) >>> 0, mtime });
      zip.add(l);
      l.push(new TextEncoder().encode(link), true);
    }
    if (file) zip.add(file);
    entry = { file, left: size, pad };
    if (file && size === 0) file.push(new Uint8Array(0), true);
  }

  let metaBytes: Uint8Array[] = [];

  function endMeta(kind: string) {
    const total = metaBytes.reduce((n, b) => n + b.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of metaBytes) all.set(b, at), at += b.byteLength;
    metaBytes = [];
    if (kind === "L") longName = text(all, 0, all.byteLength);
    else if (kind === "K") longLink = text(all, 0, all.byteLength);
    else if (kind === "x") pax = paxValues(all);
  }

  /** Consumes what it can of buf; returns false when it needs more bytes. */
  function step(): boolean {
    if (ended) {
      buf = new Uint8Array(0);
      return false;
    }
    if (entry && entry.left > 0) {
      if (buf.byteLength === 0) return false;
      const take = Math.min(entry.left, buf.byteLength);
      const part = buf.subarray(0, take);
      entry.left -= take;
      if (entry.meta) metaBytes.push(part.slice());
      else entry.file?.push(part, entry.left === 0);
      buf = buf.subarray(take);
      return true;
    }
    if (entry && entry.pad > 0) {
      if (buf.byteLength === 0) return false;
      const skip = Math.min(entry.pad, buf.byteLength);
      entry.pad -= skip;
      buf = buf.subarray(skip);
      return true;
    }
    if (entry) {
      if (entry.meta) endMeta(entry.meta);
      entry = null;
    }
    if (buf.byteLength < BLOCK) return false;
    const block = buf.subarray(0, BLOCK);
    buf = buf.subarray(BLOCK);
    if (block.every((x) => x === 0)) {
      ended = true;
      return true;
    }
    startEntry(parseHeader(block));
    return true;
  }

  return {
    async push(chunk: Uint8Array) {
      if (buf.byteLength === 0) buf = chunk;
      else {
        const joined = new Uint8Array(buf.byteLength + chunk.byteLength);
        joined.set(buf);
        joined.set(chunk, buf.byteLength);
        buf = joined;
      }
      while (step()) await flush();
      // Keep only the unread tail (a partial header) so the chunk it came in can go.
      buf = buf.slice();
    },
    async end() {
      if (entry && !entry.meta && entry.file && entry.left > 0) {
        throw new Error("The tar stream ended inside a file");
      }
      zip.end();
      await flush();
    },
  };
}
