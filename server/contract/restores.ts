/**
 * Restores through the browser API: start one (`POST /api/restores`), the restore history
 * (`GET /api/restores`), and a host's allowed restore roots (`PATCH /api/hosts/:id/restore-roots`).
 * Shared by server and PWA; the agent's side of a restore is `RestoreSpec` in jobs.ts.
 *
 * A restore names a snapshot by (repositoryId, snapshotId) as in the appliance's snapshot cache
 * (restic id, full or short, or borg archive name). Targets:
 * - `original`: every path back where it was, on the snapshot's own host; needs `confirm` equal
 *   to that host's name (a typed confirmation);
 * - `new`: below `path` on the snapshot's own host (`path` + the snapshot path);
 * - `host`: below `path` on another enrolled host, with `remap` moving snapshot path prefixes to
 *   other places below `path`.
 * `new` and `host` paths must lie inside the host's allowed restore roots.
 */
import * as v from "valibot";
import type { JobView } from "./backups.ts";
import { AbsolutePathSchema, OVERWRITE_POLICIES, type OverwritePolicy } from "./jobs.ts";

/** Where restores may go on a host that has no roots of its own. */
export const DEFAULT_RESTORE_ROOT = "/var/lib/cairn/restore";
export const MAX_RESTORE_ROOTS = 20;
export const MAX_RESTORE_PATHS = 1000;

/** An absolute path without `.` or `..` segments, `//`, or a trailing slash (except "/"). */
export const CleanPathSchema = v.pipe(
  AbsolutePathSchema,
  v.check(
    (p) => p === "/" || p.slice(1).split("/").every((s) => s !== "" && s !== "." && s !== ".."),
    "must not hold . or .. segments, // or a trailing /",
  ),
);

const HostId = v.pipe(v.string(), v.regex(/^hst_[0-9a-z]{10,40}$/, "must be a host id"));
const RepositoryId = v.pipe(
  v.string(),
  v.regex(/^rep_[0-9a-z]{10,40}$/, "must be a repository id"),
);
const SnapshotId = v.pipe(
  v.string("must be a string"),
  v.minLength(1, "must not be empty"),
  v.maxLength(300, "must be at most 300 characters"),
  v.check(
    (s) => ![...s].some((ch) => ch === "/" || ch.charCodeAt(0) < 32),
    "must be a snapshot id or archive name",
  ),
);

export const RemapSchema = v.strictObject({ from: CleanPathSchema, to: CleanPathSchema });
export type Remap = v.InferOutput<typeof RemapSchema>;

export const RestoreTargetSchema = v.variant("type", [
  v.strictObject({ type: v.literal("original") }),
  v.strictObject({ type: v.literal("new"), path: CleanPathSchema }),
  v.strictObject({
    type: v.literal("host"),
    hostId: HostId,
    path: CleanPathSchema,
    remap: v.optional(v.pipe(v.array(RemapSchema), v.maxLength(20, "must be at most 20"))),
  }),
]);
export type RestoreTarget = v.InferOutput<typeof RestoreTargetSchema>;

export const CreateRestoreSchema = v.strictObject({
  repositoryId: RepositoryId,
  snapshotId: SnapshotId,
  /** Absolute paths as in the snapshot; empty = the whole snapshot. */
  paths: v.pipe(
    v.array(CleanPathSchema),
    v.maxLength(MAX_RESTORE_PATHS, `must be at most ${MAX_RESTORE_PATHS} paths`),
  ),
  target: RestoreTargetSchema,
  overwrite: v.picklist(OVERWRITE_POLICIES, `must be one of ${OVERWRITE_POLICIES.join(", ")}`),
  /** For the original place: the host's name, typed by the person. */
  confirm: v.optional(v.pipe(v.string(), v.maxLength(300))),
});
export type CreateRestore = v.InferOutput<typeof CreateRestoreSchema>;

export const RestoresQuerySchema = v.strictObject({
  hostId: v.optional(HostId),
  repositoryId: v.optional(RepositoryId),
  snapshotId: v.optional(SnapshotId),
});
export type RestoresQuery = v.InferOutput<typeof RestoresQuerySchema>;

export const RestoreRootsSchema = v.strictObject({
  roots: v.pipe(
    v.array(v.pipe(CleanPathSchema, v.check((p) => p !== "/", "must not be / itself"))),
    v.maxLength(MAX_RESTORE_ROOTS, `must be at most ${MAX_RESTORE_ROOTS} roots`),
  ),
});
export type RestoreRoots = v.InferOutput<typeof RestoreRootsSchema>;

/** `PATCH /api/hosts/:id/restore-roots` and `GET` the same: the roots in force. */
export interface RestoreRootsView {
  hostId: string;
  /** The roots set by an admin; empty = the default root only. */
  roots: string[];
  /** What applies: `roots`, or [DEFAULT_RESTORE_ROOT] when none are set. */
  effective: string[];
}

/** `POST /api/restores` → 201. */
export interface CreatedRestore {
  jobs: JobView[];
}

/** One restore in the history. */
export interface RestoreView {
  job: JobView;
  repositoryId: string;
  snapshotId: string;
  /** The host whose backup the snapshot is. */
  sourceHostId: string | null;
  paths: string[];
  target: RestoreTarget;
  overwrite: OverwritePolicy;
  by: string;
  /** ISO time the restore was asked for. */
  at: string;
}

/** `GET /api/restores` */
export interface RestoresListView {
  restores: RestoreView[];
}

/** `result` of a finished restore job. */
export interface RestoreResult {
  /** Files, links and folders put in place where nothing was. */
  restored: number;
  /** Entries left as they were (policy never / if-newer / if-different, or the same). */
  skipped: number;
  /** Existing entries replaced. */
  replaced: number;
  /** Bytes of the regular files put in place. */
  bytes: number;
  /** The directory restored into ("/" for the original place). */
  target: string;
  /** Entries refused (a symlink in the way leading outside the target), at most 50 named. */
  refused?: string[];
}
