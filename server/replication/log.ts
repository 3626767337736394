/**
 * The primary's change log as the standby reads it: a batch after a position, and trimming.
 * Trimming keeps everything the paired standby has not acknowledged, up to a cap; a standby
 * that asks for a position the log no longer holds is told to bootstrap again.
 */
import type { ChangeEntry } from "../contract/replication.ts";
import { lastPosition } from "./capture.ts";
import type { SqlConn } from "./repo.ts";

export interface LogHead {
  position: number;
  at: number | null;
}

export function logHead(conn: SqlConn): LogHead {
  const position = lastPosition(conn);
  const row = conn.get<{ at: number }>(
    "SELECT at FROM replication_log WHERE position = ? AND op <> 'mark'",
    [
      position,
    ],
  );
  return { position, at: row ? Number(row.at) : null };
}

/** When the change at `position` was made (primary's clock), or null when not held. */
export function changeTime(conn: SqlConn, position: number): number | null {
  const row = conn.get<{ at: number }>(
    "SELECT at FROM replication_log WHERE position = ? AND op <> 'mark'",
    [
      position,
    ],
  );
  return row ? Number(row.at) : null;
}

/**
 * The lowest position after which the log holds every entry: the oldest entry's predecessor, or
 * a 'mark' row's own position (it stands for entries that are gone). Null when the log is empty.
 */
export function heldAfter(conn: SqlConn): number | null {
  const row = conn.get<{ position: number; op: string }>(
    "SELECT position, op FROM replication_log ORDER BY position LIMIT 1",
  );
  if (!row) return null;
  return row.op === "mark" ? Number(row.position) : Number(row.position) - 1;
}

/** True when every entry after `after` is still in the log. */
export function canServeAfter(conn: SqlConn, after: number): boolean {
  const head = lastPosition(conn);
  if (after > head) return false;
  if (after === head) return true;
  const held = heldAfter(conn);
  return held !== null && held <= after;
}

export function readChanges(conn: SqlConn, after: number, limit: number): ChangeEntry[] {
  return conn.all<{
    position: number;
    op: ChangeEntry["op"];
    tbl: string;
    pk: string | null;
    row_image: string | null;
    at: number;
  }>(
    "SELECT position, op, tbl, pk, row_image, at FROM replication_log WHERE position > ? " +
      "AND op <> 'mark' ORDER BY position LIMIT ?",
    [after, limit],
  ).map((r) => ({
    position: Number(r.position),
    op: r.op,
    table: r.tbl,
    key: r.pk,
    row: r.row_image,
    at: Number(r.at),
  }));
}

export interface TrimPolicy {
  /** Keep at most this many entries, acknowledged or not. */
  maxEntries: number;
  /** Drop entries older than this even when not acknowledged (ms). */
  maxAgeMs: number;
}

export const DEFAULT_TRIM: TrimPolicy = { maxEntries: 1_000_000, maxAgeMs: 7 * 86_400_000 };

/**
 * Deletes entries the standby acknowledged, and beyond the cap the oldest ones whatever it
 * acknowledged (that standby will bootstrap again), never the newest: it holds the last
 * position (see lastPosition). Returns how many went.
 */
export function trimLog(
  conn: SqlConn,
  opts: { acked: number; now: number; policy?: TrimPolicy },
): number {
  const policy = opts.policy ?? DEFAULT_TRIM;
  const head = lastPosition(conn);
  const capBelow = head - policy.maxEntries;
  const below = Math.min(Math.max(opts.acked, capBelow), head - 1);
  return conn.write(() => {
    let n = conn.run("DELETE FROM replication_log WHERE position <= ?", [below]).changes;
    n += conn.run("DELETE FROM replication_log WHERE at < ? AND position < ?", [
      opts.now - policy.maxAgeMs,
      head,
    ]).changes;
    return n;
  });
}
