/**
 * The snapshot file index over HTTP: index a snapshot (`POST /api/index`), the indexed snapshots
 * (`GET /api/index/snapshots`), browse a directory (`GET /api/index/browse`), search across
 * snapshots (`GET /api/index/search`), diff two snapshots (`GET /api/index/diff`), and the
 * agent's listing upload (`POST /api/agent/v1/jobs/:jobId/listing`, the tool's output lines as
 * the body, `x-cairn-format: restic|borg`). Imported by the server routes, the agent and the PWA.
 * JSON is camelCase; times are ISO 8601 strings; sizes are bytes.
 *
 * A snapshot is named by (repositoryId, snapshotId): restic's snapshot id (full, or short as the
 * snapshot cache has it) or borg's archive name. A browse of a snapshot that is not indexed
 * answers 404 with the code `not_indexed`, so a screen can offer "Index now".
 */
import * as v from "valibot";
import type { JobView } from "./backups.ts";

const Id = (prefix: string) =>
  v.pipe(
    v.string("must be a string"),
    v.regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), "must be an id"),
  );
const RepositoryId = Id("rep");
const HostId = Id("hst");

/** restic's snapshot id (hex, 8 to 64) or a borg archive name (no "/", no control character). */
export const SnapshotRefSchema = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(300, "must be at most 300 characters"),
  v.check(
    (s) => ![...s].some((ch) => ch === "/" || ch.charCodeAt(0) < 32) && s !== "." && s !== "..",
    "must be a snapshot id",
  ),
);

/** "/" or "/a/b" (a trailing "/" tolerated) with no empty, "." or ".." name and no NUL. */
export function isCleanSnapshotPath(p: string): boolean {
  if (!p.startsWith("/") || p.includes("\0")) return false;
  if (p === "/") return true;
  const names = (p.endsWith("/") ? p.slice(1, -1) : p.slice(1)).split("/");
  return names.every((n) => n !== "" && n !== "." && n !== "..");
}

/**
 * A clean absolute path inside a snapshot. Names may hold any character but "/" and NUL
 * (newlines too: files have such names); a trailing "/" is dropped.
 */
export const SnapshotPathSchema = v.pipe(
  v.string("must be a string"),
  v.maxLength(4096, "must be at most 4096 characters"),
  v.check(isCleanSnapshotPath, "must be a clean absolute path (no empty, . or .. names)"),
  v.transform((p) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p)),
);

const intQuery = (min: number, max: number, fallback: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,7}$/, `must be a whole number from ${min} to ${max}`),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    fallback,
  );

/** `POST /api/index` (operator): queue an index job; hostId defaults to the snapshot's host. */
export const IndexRequestSchema = v.strictObject({
  repositoryId: RepositoryId,
  snapshotId: SnapshotRefSchema,
  hostId: v.optional(HostId),
});
export type IndexRequest = v.InferOutput<typeof IndexRequestSchema>;
export interface IndexQueuedView {
  jobs: JobView[];
}

export const IndexSnapshotsQuerySchema = v.strictObject({
  hostId: v.optional(HostId),
  repositoryId: v.optional(RepositoryId),
});

export interface IndexedSnapshotView {
  repositoryId: string;
  /** The snapshot as the repository names it (restic full id, borg archive name). */
  snapshotId: string;
  hostId: string;
  time: string;
  entries: number;
  directories: number;
  totalSize: number;
  skipped: number;
  indexedAt: string | null;
}

export const SORT_KEYS = ["name", "size", "mtime"] as const;
export const BrowseQuerySchema = v.strictObject({
  repositoryId: RepositoryId,
  snapshotId: SnapshotRefSchema,
  path: v.optional(SnapshotPathSchema, "/"),
  sort: v.optional(v.picklist(SORT_KEYS, "must be name, size or mtime"), "name"),
  order: v.optional(v.picklist(["asc", "desc"], "must be asc or desc"), "asc"),
  offset: intQuery(0, 10_000_000, "0"),
  limit: intQuery(1, 1000, "200"),
});
export type BrowseQuery = v.InferOutput<typeof BrowseQuerySchema>;

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
export type EntryType = (typeof ENTRY_TYPES)[number];

/** What an entry is, without its name (search versions and diff sides). */
export interface EntryFactsView {
  type: EntryType;
  /** Bytes; for a directory, everything under it. */
  size: number;
  mtime: string | null;
  /** Permission bits with setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number | null;
  gid: number | null;
  user: string | null;
  group: string | null;
  /** Symlink target, or for a borg hard link the path it links to. */
  linkTarget: string | null;
  /** Direct children, for directories; null for the rest. */
  itemCount: number | null;
}

export interface IndexEntryView extends EntryFactsView {
  name: string;
  path: string;
}

export interface BreadcrumbView {
  name: string;
  path: string;
}

export interface DirectoryPageView {
  repositoryId: string;
  snapshotId: string;
  hostId: string;
  snapshotTime: string;
  path: string;
  breadcrumbs: BreadcrumbView[];
  /** Direct children of the directory, all pages. */
  itemCount: number;
  totalSize: number;
  offset: number;
  limit: number;
  entries: IndexEntryView[];
}

export const SEARCH_MODES = ["name", "glob", "path"] as const;
export const SearchQuerySchema = v.strictObject({
  q: v.pipe(
    v.string(),
    v.minLength(1, "must not be empty"),
    v.maxLength(1000, "must be at most 1000 characters"),
    v.check((q) => !/[\0\n\r]/.test(q), "must not hold control characters"),
  ),
  /** name: the name holds q; glob: * ? [..] and ** over the path; path: this exact path. */
  mode: v.optional(v.picklist(SEARCH_MODES, "must be name, glob or path"), "name"),
  hostId: v.optional(HostId),
  repositoryId: v.optional(RepositoryId),
  limit: intQuery(1, 1000, "100"),
});
export type SearchQuery = v.InferOutput<typeof SearchQuerySchema>;

export interface SearchVersionView extends EntryFactsView {
  repositoryId: string;
  snapshotId: string;
  hostId: string;
  snapshotTime: string;
}

export interface SearchMatchView {
  path: string;
  name: string;
  /** Newest snapshot first. */
  versions: SearchVersionView[];
}

export interface SearchView {
  mode: (typeof SEARCH_MODES)[number];
  matches: SearchMatchView[];
  /** More paths match than were returned. */
  truncated: boolean;
}

export const DiffQuerySchema = v.strictObject({
  repositoryId: RepositoryId,
  from: SnapshotRefSchema,
  to: SnapshotRefSchema,
  path: v.optional(SnapshotPathSchema, "/"),
  limit: intQuery(1, 10_000, "1000"),
});
export type DiffQuery = v.InferOutput<typeof DiffQuerySchema>;

export type ChangeField = "type" | "size" | "mtime" | "mode" | "owner" | "target";

export interface DiffEntryView {
  path: string;
  change: "added" | "removed" | "changed";
  fields: ChangeField[];
  from: EntryFactsView | null;
  to: EntryFactsView | null;
}

export interface DiffView {
  repositoryId: string;
  from: string;
  to: string;
  path: string;
  summary: {
    added: number;
    removed: number;
    changed: number;
    bytesAdded: number;
    bytesRemoved: number;
    fromSize: number;
    toSize: number;
    /** (toSize − fromSize) / fromSize × 100; null when fromSize is 0. */
    sizeChangePercent: number | null;
  };
  entries: DiffEntryView[];
  truncated: boolean;
}

// ---- the agent's listing upload ----

/** Header naming the listing's format on `POST /api/agent/v1/jobs/:jobId/listing`. */
export const LISTING_FORMAT_HEADER = "x-cairn-format";
export const LISTING_FORMATS = ["restic", "borg"] as const;
export type ListingFormat = (typeof LISTING_FORMATS)[number];
/** The upload's body limit: a listing of several million entries fits. */
export const LISTING_BODY_LIMIT = 4 * 1024 ** 3;

/** The appliance's answer to a listing upload, and (the first four) an index job's result. */
export const IngestResultSchema = v.object({
  snapshotId: v.string(),
  entries: v.number(),
  directories: v.number(),
  totalSize: v.number(),
  skipped: v.number(),
  listingsAdded: v.number(),
  listingsReused: v.number(),
  replaced: v.number(),
});
export type IngestResultView = v.InferOutput<typeof IngestResultSchema>;

/** `result` of an `index` job. */
export interface IndexJobResult {
  entries: number;
  directories: number;
  totalSize: number;
  skipped: number;
}
