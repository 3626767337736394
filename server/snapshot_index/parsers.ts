/**
 * Pure parsers for the two listing formats the agent streams: `restic ls --json` (a snapshot
 * line, then one node per line) and `borg list --json-lines` (one item per line, paths without
 * the leading "/", times without a zone, which the agent makes UTC). Each line is validated with
 * valibot; unknown fields are ignored, and a line that is not a usable entry comes back as
 * "skipped" with a reason, never as an exception: a listing with a few odd lines still indexes.
 */
import * as v from "valibot";
import { isCleanPath, modeFromGo, modeFromString, parseTime, splitPath } from "./entry.ts";
import type { Entry, EntryType } from "./entry.ts";

export type ListingFormat = "restic" | "borg";

export interface ListingSnapshotLine {
  id: string;
  time: number | null;
  hostname: string | null;
  paths: string[];
}

export type ParsedLine =
  | { kind: "entry"; entry: Entry }
  | { kind: "snapshot"; snapshot: ListingSnapshotLine }
  | { kind: "skipped"; reason: string };

// Numbers are range-checked by hand (see `uints`): valibot pipes doubled the cost per line.
const num = v.optional(v.number());
const optionalText = v.optional(v.string());
const FAST = { abortEarly: true } as const;

const ResticSnapshotLineSchema = v.object({
  struct_type: v.literal("snapshot"),
  id: v.string(),
  time: optionalText,
  hostname: optionalText,
  paths: v.optional(v.array(v.string())),
});

const ResticNodeLineSchema = v.object({
  struct_type: v.literal("node"),
  name: v.string(),
  type: v.string(),
  path: v.string(),
  uid: num,
  gid: num,
  user: optionalText,
  group: optionalText,
  size: num,
  mode: num,
  mtime: optionalText,
  linktarget: optionalText,
});

const BorgItemLineSchema = v.object({
  type: v.string(),
  mode: v.optional(v.string()),
  path: v.string(),
  uid: num,
  gid: num,
  user: optionalText,
  group: optionalText,
  size: num,
  mtime: optionalText,
  source: optionalText,
  linktarget: optionalText,
});

const RESTIC_TYPES: Record<string, EntryType> = {
  file: "file",
  dir: "dir",
  symlink: "symlink",
  fifo: "fifo",
  socket: "socket",
  chardev: "chardev",
  dev: "blockdev",
};

const BORG_TYPES: Record<string, EntryType> = {
  "-": "file",
  d: "dir",
  l: "symlink",
  p: "fifo",
  s: "socket",
  c: "chardev",
  b: "blockdev",
};

function skipped(reason: string): ParsedLine {
  return { kind: "skipped", reason };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // not JSON: the caller counts the line as skipped
  }
}

/** An absolute, clean path from what the tool printed, or undefined. */
function cleanPath(raw: string): string | undefined {
  const abs = raw.startsWith("/") ? raw : `/${raw}`;
  if (isCleanPath(abs)) return abs;
  const names = splitPath(abs); // a trailing "/" is fine; anything else is not
  return names && names.length > 0 ? `/${names.join("/")}` : undefined;
}

const isUint = (x: number | undefined) => x === undefined || (Number.isSafeInteger(x) && x >= 0);
/** Whether every number the line has is a whole, non-negative one. */
const uints = (o: { uid?: number; gid?: number; size?: number }) =>
  isUint(o.uid) && isUint(o.gid) && isUint(o.size);

function owner(o: { uid?: number; gid?: number; user?: string; group?: string }) {
  return { uid: o.uid ?? null, gid: o.gid ?? null, user: o.user || null, group: o.group || null };
}

export function parseResticLsLine(line: string): ParsedLine {
  const json = parseJson(line);
  if (json === undefined) return skipped("not JSON");
  const kind = (json as { struct_type?: unknown })?.struct_type;
  if (kind === "snapshot") {
    const s = v.safeParse(ResticSnapshotLineSchema, json, FAST);
    if (!s.success) return skipped("snapshot line without an id");
    const { id, time, hostname, paths } = s.output;
    return {
      kind: "snapshot",
      snapshot: {
        id,
        time: time ? parseTime(time) : null,
        hostname: hostname ?? null,
        paths: paths ?? [],
      },
    };
  }
  const n = v.safeParse(ResticNodeLineSchema, json, FAST);
  if (!n.success) return skipped("not a node line");
  if (!uints(n.output) || !isUint(n.output.mode)) {
    return skipped("a number is not a whole number of at least 0");
  }
  const node = n.output;
  const path = cleanPath(node.path);
  if (!path) return skipped("unusable path");
  const type = RESTIC_TYPES[node.type] ?? "other";
  return {
    kind: "entry",
    entry: {
      path,
      type,
      size: type === "dir" ? 0 : node.size ?? 0,
      mtime: node.mtime ? parseTime(node.mtime) : null,
      mode: node.mode === undefined ? 0 : modeFromGo(node.mode),
      ...owner(node),
      linkTarget: type === "symlink" ? node.linktarget ?? null : null,
    },
  };
}

export function parseBorgListLine(line: string): ParsedLine {
  const json = parseJson(line);
  if (json === undefined) return skipped("not JSON");
  const r = v.safeParse(BorgItemLineSchema, json, FAST);
  if (!r.success) return skipped("not an item line");
  if (!uints(r.output)) return skipped("a number is not a whole number of at least 0");
  const item = r.output;
  const path = cleanPath(item.path);
  if (!path) return skipped("unusable path");
  // borg 1.2 marks a hard link to an earlier item with "h" in the mode and its path in source.
  const hardlink = item.mode?.startsWith("h") ?? false;
  const type: EntryType = hardlink ? "hardlink" : BORG_TYPES[item.type] ?? "other";
  const target = item.linktarget || item.source || null;
  return {
    kind: "entry",
    entry: {
      path,
      type,
      size: type === "dir" ? 0 : item.size ?? 0,
      mtime: item.mtime ? parseTime(item.mtime) : null,
      mode: item.mode ? modeFromString(item.mode) ?? 0 : 0,
      ...owner(item),
      linkTarget: type === "symlink"
        ? target
        : hardlink && target
        ? cleanPath(target) ?? null
        : null,
    },
  };
}

export interface LineStats {
  lines: number;
  entries: number;
  skipped: number;
  snapshot: ListingSnapshotLine | null;
}

export function newLineStats(): LineStats {
  return { lines: 0, entries: 0, skipped: 0, snapshot: null };
}

/**
 * A line handler for one listing: blank lines are ignored; every other line that is not an
 * entry is counted in `stats.skipped` (restic's snapshot line is kept in `stats.snapshot`).
 */
export function lineReader(format: ListingFormat, stats: LineStats) {
  const parse = format === "restic" ? parseResticLsLine : parseBorgListLine;
  return (line: string): Entry | undefined => {
    if (line.trim() === "") return undefined;
    stats.lines++;
    const p = parse(line);
    if (p.kind === "entry") {
      stats.entries++;
      return p.entry;
    }
    if (p.kind === "snapshot" && stats.snapshot === null) stats.snapshot = p.snapshot;
    else stats.skipped++;
    return undefined;
  };
}

/** The entries of a streamed listing (see lineReader). */
export async function* entriesFromLines(
  lines: AsyncIterable<string> | Iterable<string>,
  format: ListingFormat,
  stats: LineStats,
): AsyncGenerator<Entry> {
  const read = lineReader(format, stats);
  for await (const line of lines) {
    const e = read(line);
    if (e) yield e;
  }
}
