/**
 * valibot schemas for borg 1.2's `--log-json` lines (stderr) and `--json` documents (stdout),
 * written from captured output (see testdata/). Loose objects: extra fields from a newer borg
 * do not make a known line unknown.
 *
 * borg prints times without a zone, in the zone of the borg process. The driver runs borg with
 * TZ=UTC, so `borgTime` reads them as UTC. `time` fields in log lines are Unix seconds.
 */
import * as v from "valibot";

export const LogMessageSchema = v.looseObject({
  type: v.literal("log_message"),
  time: v.optional(v.number()),
  message: v.string(),
  levelname: v.string(),
  name: v.optional(v.string()),
  msgid: v.optional(v.nullable(v.string())),
});
export type LogMessage = v.InferOutput<typeof LogMessageSchema>;

export const ArchiveProgressSchema = v.looseObject({
  type: v.literal("archive_progress"),
  time: v.number(),
  finished: v.optional(v.boolean()),
  original_size: v.optional(v.number()),
  compressed_size: v.optional(v.number()),
  deduplicated_size: v.optional(v.number()),
  nfiles: v.optional(v.number()),
  path: v.optional(v.string()),
});
export type ArchiveProgress = v.InferOutput<typeof ArchiveProgressSchema>;

export const ProgressMessageSchema = v.looseObject({
  type: v.literal("progress_message"),
  message: v.optional(v.nullable(v.string())),
  msgid: v.optional(v.nullable(v.string())),
  finished: v.optional(v.boolean()),
});

export const ProgressPercentSchema = v.looseObject({
  type: v.literal("progress_percent"),
  message: v.optional(v.nullable(v.string())),
  msgid: v.optional(v.nullable(v.string())),
  current: v.optional(v.nullable(v.number())),
  total: v.optional(v.nullable(v.number())),
  finished: v.optional(v.boolean()),
});

export const FileStatusSchema = v.looseObject({
  type: v.literal("file_status"),
  status: v.string(),
  path: v.string(),
});

const ArchiveStatsSchema = v.looseObject({
  original_size: v.number(),
  compressed_size: v.number(),
  deduplicated_size: v.number(),
  nfiles: v.number(),
});

/** `borg create --json` on stdout. */
export const CreateOutputSchema = v.looseObject({
  archive: v.looseObject({
    name: v.string(),
    id: v.string(),
    start: v.string(),
    end: v.optional(v.string()),
    duration: v.number(),
    stats: ArchiveStatsSchema,
  }),
});

/** `borg list --json REPO` on stdout. */
export const ListOutputSchema = v.looseObject({
  archives: v.array(v.looseObject({
    name: v.string(),
    id: v.string(),
    start: v.optional(v.string()),
    time: v.string(),
  })),
});

/** `borg info --json REPO` on stdout. */
export const InfoOutputSchema = v.looseObject({
  cache: v.looseObject({
    stats: v.looseObject({
      total_chunks: v.number(),
      total_csize: v.number(),
      total_size: v.number(),
      total_unique_chunks: v.number(),
      unique_csize: v.number(),
      unique_size: v.number(),
    }),
  }),
});

/** One line of `borg list --json-lines REPO::ARCHIVE`. */
export const ItemLineSchema = v.looseObject({
  type: v.string(),
  path: v.string(),
  size: v.optional(v.number()),
  mtime: v.optional(v.string()),
});

/** A borg time ("2026-11-23T02:56:13.000000", no zone, UTC under our TZ) as ISO 8601 with Z. */
export function borgTime(text: string): string {
  const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}
