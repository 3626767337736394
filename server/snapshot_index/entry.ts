/**
 * One entry of a snapshot listing, whichever tool listed it. Paths are absolute and
 * "/"-separated; a name may hold any character but "/" and NUL (newlines included). Times are
 * Unix ms; modes are the permission bits with setuid, setgid and sticky (0o7777); the type is
 * carried apart.
 */

export const ENTRY_TYPES = [
  "file",
  "dir",
  "symlink",
  "hardlink",
  "fifo",
  "socket",
  "chardev",
  "blockdev",
  "other",
] as const;

export type EntryType = typeof ENTRY_TYPES[number];

/** The type's number in packed listings: its index in ENTRY_TYPES. */
export const TYPE_CODE: Record<EntryType, number> = Object.fromEntries(
  ENTRY_TYPES.map((t, i) => [t, i]),
) as Record<EntryType, number>;
export const DIR_CODE = TYPE_CODE.dir;

export interface Owner {
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
}

export interface Entry extends Owner {
  path: string;
  type: EntryType;
  /** Bytes; for a directory the tools report 0 or nothing, and the index computes its total. */
  size: number;
  mtime: number | null;
  mode: number;
  /** Symlink target, or for a borg hard link the path of the entry it links to. */
  linkTarget: string | null;
}

/**
 * Splits an absolute path into its names, or returns undefined when it is not a clean path:
 * empty names, "." and "..", NUL. A trailing "/" is tolerated. The root itself has no names.
 */
export function splitPath(path: string): string[] | undefined {
  if (!path.startsWith("/")) return undefined;
  const body = path.endsWith("/") ? path.slice(1, -1) : path.slice(1);
  if (body === "") return [];
  const names = body.split("/");
  for (const n of names) {
    if (n === "" || n === "." || n === ".." || n.includes("\0")) return undefined;
  }
  return names;
}

/** Absolute, no empty, "." or ".." names, no NUL, no trailing "/": what the index stores. */
const CLEAN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[^/\0]+)+$/;

export function isCleanPath(path: string): boolean {
  return CLEAN_PATH.test(path);
}

export function joinPath(names: readonly string[]): string {
  return "/" + names.join("/");
}

/** Permission bits from a borg-style mode string ("-rwsr-xr-x", "drwxrwxrwt"). */
export function modeFromString(text: string): number | undefined {
  if (text.length !== 10) return undefined;
  let mode = 0;
  const bit = (i: number, ch: string, value: number) => (text[i] === ch ? value : 0);
  for (let g = 0; g < 3; g++) {
    const shift = 6 - 3 * g;
    const x = text[3 + 3 * g];
    mode |= bit(1 + 3 * g, "r", 4 << shift) | bit(2 + 3 * g, "w", 2 << shift);
    if (x === "x" || x === "s" || x === "t") mode |= 1 << shift;
  }
  if (text[3] === "s" || text[3] === "S") mode |= 0o4000;
  if (text[6] === "s" || text[6] === "S") mode |= 0o2000;
  if (text[9] === "t" || text[9] === "T") mode |= 0o1000;
  return mode;
}

/** Go's os.FileMode (what restic prints) to Unix permission bits. */
export function modeFromGo(mode: number): number {
  const hi = Math.floor(mode / 2 ** 20); // bits above 2^20, kept exact past 2^31
  let out = mode % 512;
  if (hi & 8) out |= 0o4000; // ModeSetuid, 1 << 23
  if (hi & 4) out |= 0o2000; // ModeSetgid, 1 << 22
  if (hi & 1) out |= 0o1000; // ModeSticky, 1 << 20
  return out;
}

/** Parses an RFC 3339 time (any fraction, zone or none; no zone means UTC) to Unix ms. */
export function parseTime(text: string): number | null {
  const zoned = /(?:[zZ]|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? null : ms;
}
