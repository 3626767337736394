/**
 * The packed form of one directory listing (its direct children), stored once per distinct
 * content in index_listings. Columnar varints: all name ids, then all types, modes, owners,
 * sizes, and so on, because a column of similar small numbers packs tighter than rows and
 * decodes into typed arrays that sort fast. Children are in name order (UTF-16 code units).
 *
 *   u8 version (1)
 *   uint n
 *   uint k, then k owners: uint uid+1 (0 = none), uint gid+1, str user, str group
 *   n × uint name id
 *   n × u8 type (index in ENTRY_TYPES)
 *   n × uint mode
 *   n × uint owner index, only when k > 1
 *   n × uint size (0 for directories: their totals are per snapshot, in index_snapshot_dirs,
 *     so a change deep down does not make new listings of every ancestor)
 *   n × mtime: 0 = unknown, else zigzag(ms − previous known mtime) + 1
 *   str link target for each symlink and hard link child, in order
 *   u8 orders: 1 when n ≥ ORDER_MIN, then uint byte length of the first order, n × uint child
 *     index by (size, name), n × uint by (mtime, name); a page of a huge directory sorted by
 *     size or time then needs no sort, and only the order asked for is decoded
 *   str = uint byte length + 1 (0 = none), then UTF-8
 */
import { DIR_CODE, TYPE_CODE } from "./entry.ts";
import type { Owner } from "./entry.ts";

const VERSION = 1;
export const ORDER_MIN = 1024;
const SYMLINK = TYPE_CODE.symlink;
const HARDLINK = TYPE_CODE.hardlink;

export interface ListingRow extends Owner {
  nameId: number;
  type: number;
  mode: number;
  size: number;
  mtime: number | null;
  link: string | null;
}

export interface Listing {
  length: number;
  nameIds: Float64Array;
  types: Uint8Array;
  modes: Uint16Array;
  /** Bytes; 0 for directories. */
  sizes: Float64Array;
  /** Unix ms; NaN when unknown. */
  mtimes: Float64Array;
  owners: Owner[];
  /** Index in owners per child, or null when every child has owners[0]. */
  ownerIndex: Uint32Array | null;
  links: Map<number, string>;
  /** Child indexes by (size, index) or (mtime, index), stored for listings of ORDER_MIN or more. */
  order(key: "size" | "mtime"): Uint32Array | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes written into one growing buffer: varints, bytes, and strings as varint length + 1. */
export class ByteWriter {
  pos = 0;
  constructor(public buf = new Uint8Array(256)) {}
  private room(n: number) {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  uint(value: number) {
    if (value < 128 && this.pos < this.buf.length) {
      this.buf[this.pos++] = value;
      return;
    }
    this.room(8);
    let v = value;
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  bytes(value: Uint8Array) {
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }
  byte(value: number) {
    this.room(1);
    this.buf[this.pos++] = value;
  }
  /** Byte length + 1 (0 for null), then UTF-8; ASCII is copied without an encoder call. */
  str(value: string | null) {
    if (value === null) return this.uint(0);
    let ascii = true;
    for (let i = 0; i < value.length && ascii; i++) ascii = value.charCodeAt(i) < 0x80;
    if (!ascii) {
      const bytes = encoder.encode(value);
      this.uint(bytes.length + 1);
      return this.bytes(bytes);
    }
    this.uint(value.length + 1);
    this.room(value.length);
    for (let i = 0; i < value.length; i++) this.buf[this.pos++] = value.charCodeAt(i);
  }
  /** What was written, copied out. */
  done(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
  /** What was written, in place: valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  uint(): number {
    let b = this.buf[this.pos++];
    if (b < 128) return b;
    let v = b & 127;
    let mul = 128;
    for (;;) {
      b = this.buf[this.pos++];
      if (b === undefined || mul > 2 ** 49) {
        throw new Error("Listing is corrupt: a number runs past its end");
      }
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
  }
  str(): string | null {
    const n = this.uint();
    if (n === 0) return null;
    const s = decoder.decode(this.buf.subarray(this.pos, this.pos + n - 1));
    this.pos += n - 1;
    return s;
  }
}

const ownerKey = (o: Owner) => JSON.stringify([o.uid, o.gid, o.user, o.group]);
const zigzag = (d: number) => (d >= 0 ? 2 * d : -2 * d - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** encodeListing's buffer, reused: a listing is copied out of it when done. */
const scratch = new ByteWriter(new Uint8Array(1 << 16));

export function encodeListing(rows: readonly ListingRow[]): Uint8Array {
  const w = scratch;
  w.pos = 0;
  w.byte(VERSION);
  w.uint(rows.length);
  const owners = new Map<string, number>();
  let last: ListingRow | null = null;
  let lastIndex = 0;
  const ownerOf = rows.map((r) => {
    if (
      last && r.uid === last.uid && r.gid === last.gid && r.user === last.user &&
      r.group === last.group
    ) {
      return lastIndex; // neighbours mostly share an owner: skip building the key
    }
    const key = ownerKey(r);
    let i = owners.get(key);
    if (i === undefined) owners.set(key, i = owners.size);
    last = r;
    lastIndex = i;
    return i;
  });
  w.uint(owners.size);
  for (const key of owners.keys()) {
    const [uid, gid, user, group] = JSON.parse(key) as [
      number | null,
      number | null,
      string,
      string,
    ];
    w.uint(uid === null ? 0 : uid + 1);
    w.uint(gid === null ? 0 : gid + 1);
    w.str(user);
    w.str(group);
  }
  for (const r of rows) w.uint(r.nameId);
  for (const r of rows) w.byte(r.type);
  for (const r of rows) w.uint(r.mode);
  if (owners.size > 1) { for (const i of ownerOf) w.uint(i); }
  for (const r of rows) w.uint(r.type === DIR_CODE ? 0 : r.size);
  let prev = 0;
  for (const r of rows) {
    if (r.mtime === null) w.uint(0);
    else {
      w.uint(zigzag(r.mtime - prev) + 1);
      prev = r.mtime;
    }
  }
  for (const r of rows) if (r.type === SYMLINK || r.type === HARDLINK) w.str(r.link);
  w.byte(rows.length >= ORDER_MIN ? 1 : 0);
  if (rows.length >= ORDER_MIN) {
    const sizes = Float64Array.from(rows, (r) => (r.type === DIR_CODE ? 0 : r.size));
    const times = Float64Array.from(rows, (r) => r.mtime ?? -Infinity);
    const [bySize, byTime] = [sizes, times].map((key) => {
      const o = new ByteWriter();
      for (const i of rows.map((_, i) => i).sort((a, b) => key[a] - key[b] || a - b)) o.uint(i);
      return o.done();
    });
    w.uint(bySize.length);
    w.bytes(bySize);
    w.bytes(byTime);
  }
  return w.done();
}

function readOwners(r: Reader): Owner[] {
  const owners: Owner[] = [];
  for (let i = r.uint(); i > 0; i--) {
    const uid = r.uint();
    const gid = r.uint();
    owners.push({
      uid: uid ? uid - 1 : null,
      gid: gid ? gid - 1 : null,
      user: r.str(),
      group: r.str(),
    });
  }
  return owners;
}

function readColumn<T extends Float64Array | Uint16Array | Uint32Array>(r: Reader, out: T): T {
  for (let i = 0; i < out.length; i++) out[i] = r.uint();
  return out;
}

export function decodeListing(bytes: Uint8Array): Listing {
  if (bytes[0] !== VERSION) throw new Error(`Unknown listing version: ${bytes[0]}`);
  const r = new Reader(bytes);
  r.pos = 1;
  const n = r.uint();
  const owners = readOwners(r);
  const nameIds = readColumn(r, new Float64Array(n));
  const types = bytes.slice(r.pos, r.pos + n);
  r.pos += n;
  const modes = readColumn(r, new Uint16Array(n));
  const ownerIndex = owners.length > 1 ? readColumn(r, new Uint32Array(n)) : null;
  const sizes = readColumn(r, new Float64Array(n));
  const mtimes = new Float64Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const z = r.uint();
    mtimes[i] = z === 0 ? NaN : (prev += unzigzag(z - 1));
  }
  const links = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    if (types[i] !== SYMLINK && types[i] !== HARDLINK) continue;
    const s = r.str();
    if (s !== null) links.set(i, s);
  }
  return {
    length: n,
    nameIds,
    types,
    modes,
    sizes,
    mtimes,
    owners,
    ownerIndex,
    links,
    order: storedOrders(r, n),
  };
}

/** The stored orders after `r`, each decoded the first time it is asked for. */
function storedOrders(r: Reader, n: number): Listing["order"] {
  if (r.buf[r.pos++] !== 1) return () => null;
  const sizeLength = r.uint();
  const at = { size: r.pos, mtime: r.pos + sizeLength };
  const done: { size?: Uint32Array; mtime?: Uint32Array } = {};
  return (key) => {
    if (!done[key]) {
      r.pos = at[key];
      done[key] = readColumn(r, new Uint32Array(n));
    }
    return done[key]!;
  };
}

/** Only the name ids, for garbage collection and search. */
export function decodeNameIds(bytes: Uint8Array): Float64Array {
  if (bytes[0] !== VERSION) throw new Error(`Unknown listing version: ${bytes[0]}`);
  const r = new Reader(bytes);
  r.pos = 1;
  const n = r.uint();
  readOwners(r);
  return readColumn(r, new Float64Array(n));
}

export function ownerAt(l: Listing, i: number): Owner {
  return l.owners[l.ownerIndex ? l.ownerIndex[i] : 0] ?? EMPTY_OWNER;
}

const EMPTY_OWNER: Owner = { uid: null, gid: null, user: null, group: null };
