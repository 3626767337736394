/**
 * valibot schemas for the JSON restic 0.14 prints, written from captured output (see
 * testdata/). Fields restic leaves out when zero are optional. Objects are loose: a newer
 * restic adding fields must not turn a known line into an unknown one.
 */
import * as v from "valibot";

const count = v.optional(v.number(), 0);

export const StatusLineSchema = v.looseObject({
  message_type: v.literal("status"),
  percent_done: v.number(),
  seconds_elapsed: v.optional(v.number()),
  seconds_remaining: v.optional(v.number()),
  total_files: count,
  files_done: count,
  total_bytes: count,
  bytes_done: count,
  error_count: count,
  current_files: v.optional(v.array(v.string())),
});
export type StatusLine = v.InferOutput<typeof StatusLineSchema>;

export const SummaryLineSchema = v.looseObject({
  message_type: v.literal("summary"),
  files_new: count,
  files_changed: count,
  files_unmodified: count,
  dirs_new: count,
  dirs_changed: count,
  dirs_unmodified: count,
  data_added: count,
  total_files_processed: count,
  total_bytes_processed: count,
  total_duration: count,
  snapshot_id: v.optional(v.string()),
});
export type SummaryLine = v.InferOutput<typeof SummaryLineSchema>;

/** A file-level error during backup, on stderr; 0.14 marshals the Go error as an object. */
export const ErrorLineSchema = v.looseObject({
  message_type: v.literal("error"),
  error: v.optional(v.unknown()),
  during: v.optional(v.string()),
  item: v.optional(v.string()),
});
export type ErrorLine = v.InferOutput<typeof ErrorLineSchema>;

export const VerboseStatusLineSchema = v.looseObject({
  message_type: v.literal("verbose_status"),
  action: v.string(),
  item: v.optional(v.string()),
});

export const SnapshotSchema = v.looseObject({
  time: v.string(),
  tree: v.optional(v.string()),
  paths: v.array(v.string()),
  hostname: v.optional(v.string()),
  username: v.optional(v.string()),
  tags: v.nullish(v.array(v.string())),
  parent: v.optional(v.string()),
  id: v.string(),
  short_id: v.optional(v.string()),
});
export type SnapshotJson = v.InferOutput<typeof SnapshotSchema>;

export const SnapshotListSchema = v.array(SnapshotSchema);

/** The first line of `ls --json`. */
export const LsSnapshotLineSchema = v.looseObject({
  struct_type: v.literal("snapshot"),
  id: v.string(),
});

export const LsNodeLineSchema = v.looseObject({
  struct_type: v.literal("node"),
  name: v.string(),
  type: v.string(),
  path: v.string(),
  size: v.optional(v.number()),
  mtime: v.optional(v.string()),
});

export const ForgetGroupSchema = v.looseObject({
  tags: v.nullish(v.array(v.string())),
  host: v.optional(v.string()),
  paths: v.nullish(v.array(v.string())),
  keep: v.nullish(v.array(SnapshotSchema)),
  remove: v.nullish(v.array(SnapshotSchema)),
});
export const ForgetOutputSchema = v.array(ForgetGroupSchema);

export const StatsSchema = v.looseObject({
  total_size: v.number(),
  total_file_count: count,
  total_blob_count: v.optional(v.number()),
  snapshots_count: v.optional(v.number()),
});

/** `restic cat lock <id>`: the lock file's JSON (pretty-printed over several lines). */
export const LockSchema = v.looseObject({
  time: v.optional(v.string()),
  exclusive: v.optional(v.boolean()),
  hostname: v.optional(v.string()),
  username: v.optional(v.string()),
  pid: v.optional(v.number()),
});
