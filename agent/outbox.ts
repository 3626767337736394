/**
 * The durable outbox: every report waits in a SQLite-format (libSQL) file in the state dir (WAL,
 * synchronous=FULL, so a report that `add` returned survives `kill -9` and power loss) until the
 * appliance acknowledges its id; only acknowledged or refused ids are deleted. Order is the
 * insertion order (`seq`), which keeps the order per job.
 *
 * While reports cannot be delivered the queue stays bounded where it may: progress is kept at
 * its latest value per job (a new one replaces the one waiting, and goes to the end), logs are
 * capped per job with the oldest dropped first and the drop counted in a `log.dropped` report
 * that carries the running total; everything else (results, events, acks) is never dropped.
 */
import { reportClass } from "../server/contract/agent.ts";
import type { Report } from "../server/contract/agent.ts";
import { chmodIfExists } from "./platform/files.ts";
import { inTransaction, openSqlite } from "./platform/sqlite.ts";
import type { SqliteDriver } from "./platform/sqlite.ts";
import { createUlidFactory } from "./ulid.ts";

export interface NewReport {
  kind: string;
  jobId?: string | null;
  body: Record<string, unknown>;
}

export interface Outbox {
  /** Queues reports in one transaction; returns their ids once they are on disk. */
  add(reports: NewReport[]): string[];
  /** The oldest reports, in order. */
  take(limit: number): Report[];
  /** Deletes delivered (or permanently refused) ids. */
  remove(ids: string[]): void;
  depth(): number;
  droppedLogs(): number;
  /** Records a command id; false when it was seen before (it must not run again). */
  acceptCommand(commandId: string, ack: NewReport): boolean;
  /** A number that changes whenever any process changed the file (cheap change detection). */
  dataVersion(): number;
  /** Calls `listener` after each add of this process commits (the channel's flush wakes). */
  onAdd(listener: () => void): void;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS reports (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  job_id TEXT,
  job_key TEXT NOT NULL,
  class TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_group ON reports (class, job_key, kind, seq);
CREATE TABLE IF NOT EXISTS log_drops (job_key TEXT PRIMARY KEY, total INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS commands_seen (id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL);
`;

export const DEFAULT_LOG_CAP = 1000;

// deno-lint-ignore no-explicit-any
type Row = any;

export async function openOutbox(
  file: string,
  opts: { logCap?: number; now?: () => number; driver?: SqliteDriver } = {},
): Promise<Outbox> {
  const db = await openSqlite(file, opts.driver);
  db.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;" + SCHEMA,
  );
  for (const f of [file, `${file}-wal`, `${file}-shm`]) await chmodIfExists(f, 0o600);
  const now = opts.now ?? Date.now;
  const logCap = opts.logCap ?? DEFAULT_LOG_CAP;
  const nextId = createUlidFactory(now);
  const insert = db.prepare(
    "INSERT INTO reports (id, kind, job_id, job_key, class, at, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const dropLatest = db.prepare(
    "DELETE FROM reports WHERE class = 'latest' AND job_key = ? AND kind = ?",
  );
  const countCapped = db.prepare(
    "SELECT COUNT(*) AS n FROM reports WHERE class = 'capped' AND job_key = ?",
  );
  const trimCapped = db.prepare(
    "DELETE FROM reports WHERE seq IN (SELECT seq FROM reports WHERE class = 'capped' AND job_key = ? ORDER BY seq LIMIT ?)",
  );
  const addDrops = db.prepare(
    "INSERT INTO log_drops (job_key, total) VALUES (?, ?) ON CONFLICT (job_key) DO UPDATE SET total = total + excluded.total RETURNING total",
  );
  const dropPendingDropReport = db.prepare(
    "DELETE FROM reports WHERE kind = 'log.dropped' AND job_key = ?",
  );
  const takeStmt = db.prepare(
    "SELECT seq, id, kind, job_id, at, body FROM reports ORDER BY seq LIMIT ?",
  );
  const removeStmt = db.prepare("DELETE FROM reports WHERE id = ?");
  const depthStmt = db.prepare("SELECT COUNT(*) AS n FROM reports");
  const droppedStmt = db.prepare("SELECT COALESCE(SUM(total), 0) AS n FROM log_drops");
  const seenStmt = db.prepare("INSERT OR IGNORE INTO commands_seen (id, seen_at) VALUES (?, ?)");
  const versionStmt = db.prepare("PRAGMA data_version");

  function put(r: NewReport): string {
    const id = nextId();
    const jobKey = r.jobId ?? "";
    const cls = reportClass(r.kind);
    if (cls === "latest") dropLatest.run(jobKey, r.kind);
    insert.run(id, r.kind, r.jobId ?? null, jobKey, cls, now(), JSON.stringify(r.body));
    if (cls === "capped") {
      const over = (countCapped.get(jobKey) as Row).n - logCap;
      if (over > 0) {
        trimCapped.run(jobKey, over);
        const total = (addDrops.get(jobKey, over) as Row).total as number;
        dropPendingDropReport.run(jobKey);
        insert.run(
          nextId(),
          "log.dropped",
          r.jobId ?? null,
          jobKey,
          "keep",
          now(),
          JSON.stringify({ dropped: total }),
        );
      }
    }
    return id;
  }

  const addTx = (reports: NewReport[]) => inTransaction(db, () => reports.map(put));
  const removeTx = (ids: string[]) =>
    inTransaction(db, () => {
      for (const id of ids) removeStmt.run(id);
    });
  const acceptTx = (commandId: string, ack: NewReport) =>
    inTransaction(db, () => {
      if (seenStmt.run(commandId, now()).changes !== 1) return false;
      put(ack);
      return true;
    });

  const listeners: Array<() => void> = [];
  const added = <T>(result: T): T => {
    for (const l of listeners) l();
    return result;
  };

  return {
    add: (reports) => (reports.length === 0 ? [] : added(addTx(reports))),
    take(limit) {
      return (takeStmt.all(limit) as Row[]).map((r) => ({
        id: r.id,
        seq: Number(r.seq),
        kind: r.kind,
        jobId: r.job_id,
        at: Number(r.at),
        body: JSON.parse(r.body),
      }));
    },
    remove(ids) {
      if (ids.length > 0) removeTx(ids);
    },
    depth: () => Number((depthStmt.get() as Row).n),
    droppedLogs: () => Number((droppedStmt.get() as Row).n),
    acceptCommand: (commandId, ack) => acceptTx(commandId, ack),
    dataVersion: () => Number((versionStmt.get() as Row).data_version),
    onAdd: (listener) => void listeners.push(listener),
    close: () => db.close(),
  };
}
