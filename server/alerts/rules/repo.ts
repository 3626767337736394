/**
 * The alert rules' questions to the database, each one set-based query over the whole fleet
 * (never a query per host). The job rules look only at candidates: jobs that ended since the
 * last look, the jobs a caller names (a report that just arrived, perhaps late from an agent
 * that was offline), and the subjects of the rule's open alerts, so a tick costs the same with
 * a year of job history as with a day of it.
 */
import { sql } from "kysely";
import type { Db } from "../../db/connect.ts";
import { createDrillRuleQueries } from "./drill_repo.ts";

/** Job kinds whose failure is an alert of its own (check has check_failed, drill drill_failed). */
export const JOB_FAILED_KINDS = ["backup", "forget", "prune", "compact", "restore"];

export interface FailedJobRow {
  id: string;
  hostId: string;
  hostName: string;
  planId: string | null;
  planName: string | null;
  repositoryId: string;
  repositoryName: string;
  kind: string;
  message: string | null;
  failureCode: string | null;
  finishedAt: number;
}

export interface FailureRunRow {
  hostId: string;
  hostName: string;
  planId: string;
  planName: string;
  repositoryId: string;
  failures: number;
  lastJobId: string;
  lastMessage: string | null;
}

/** A host+plan with no successful backup within its window (only stale ones are returned). */
export interface StalePairRow {
  hostId: string;
  hostName: string;
  planId: string;
  planName: string;
  repositoryId: string;
  lastOkAt: number | null;
  windowMs: number;
  /** The backup schedule's usual interval; null for a plan without one. */
  intervalMs: number | null;
}

export interface StaleJudging {
  now: number;
  factor: number;
  graceMs: number;
  /** The window of a plan without any backup schedule; null = not judged. */
  unscheduledMs: number | null;
  /** [cron, timeZone, usual interval ms] of the enabled backup schedules' expressions. */
  intervals: Array<[string, string, number]>;
}

export interface SnapshotPairRow {
  hostId: string;
  hostName: string;
  planId: string;
  planName: string | null;
  repositoryId: string;
  snapshotId: string;
  time: number;
  sizeBytes: number;
  rn: number;
}

const json = (x: unknown) => JSON.stringify(x);

export function createRuleQueries(db: Db) {
  return {
    ...createDrillRuleQueries(db),
    /** Failed jobs among the candidates with no later success of the same subject. */
    async failedJobs(c: { since: number; jobIds: string[] }): Promise<FailedJobRow[]> {
      const kinds = json(JOB_FAILED_KINDS);
      const r = await sql<FailedJobRow>`
        WITH cand(id) AS (
          SELECT id FROM jobs WHERE finished_at >= ${c.since} AND status = 'failed'
          UNION SELECT value FROM json_each(${json(c.jobIds)})
        )
        SELECT j.id, j.host_id AS hostId, h.name AS hostName, j.plan_id AS planId,
          p.name AS planName, j.repository_id AS repositoryId, r.name AS repositoryName,
          j.kind, j.message, j.failure_code AS failureCode, j.finished_at AS finishedAt
        FROM cand JOIN jobs j ON j.id = cand.id
        JOIN hosts h ON h.id = j.host_id
        JOIN repositories r ON r.id = j.repository_id
        LEFT JOIN plans p ON p.id = j.plan_id
        WHERE j.status = 'failed' AND j.finished_at IS NOT NULL
          AND j.kind IN (SELECT value FROM json_each(${kinds}))
          AND (j.plan_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM jobs k WHERE k.plan_id = j.plan_id AND k.host_id = j.host_id
              AND k.kind = j.kind AND k.status IN ('ok', 'warning')
              AND k.finished_at > j.finished_at))
          AND (j.plan_id IS NOT NULL OR NOT EXISTS (
            SELECT 1 FROM jobs k WHERE k.host_id = j.host_id AND k.repository_id = j.repository_id
              AND k.plan_id IS NULL AND k.kind = j.kind AND k.status IN ('ok', 'warning')
              AND k.finished_at > j.finished_at))`.execute(db);
      return r.rows;
    },

    /** Host+plan pairs whose backups failed at least `count` times since their last success. */
    async failureRuns(
      c: { since: number; jobIds: string[]; pairs: Array<[string, string]>; count: number },
    ): Promise<FailureRunRow[]> {
      const r = await sql<FailureRunRow>`
        WITH cand(host_id, plan_id) AS (
          SELECT host_id, plan_id FROM jobs
            WHERE finished_at >= ${c.since} AND status = 'failed' AND kind = 'backup'
              AND plan_id IS NOT NULL
          UNION SELECT host_id, plan_id FROM jobs
            WHERE id IN (SELECT value FROM json_each(${json(c.jobIds)})) AND kind = 'backup'
              AND plan_id IS NOT NULL
          UNION SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
            FROM json_each(${json(c.pairs)})
        ),
        last_ok AS (
          SELECT host_id, plan_id, COALESCE((SELECT MAX(k.finished_at) FROM jobs k
            WHERE k.plan_id = cand.plan_id AND k.host_id = cand.host_id AND k.kind = 'backup'
              AND k.status IN ('ok', 'warning')), -1) AS ok_at
          FROM cand
        ),
        runs AS (
          SELECT l.host_id, l.plan_id, COUNT(*) AS failures, MAX(j.finished_at) AS last_at
          FROM last_ok l JOIN jobs j ON j.plan_id = l.plan_id AND j.host_id = l.host_id
            AND j.kind = 'backup' AND j.status = 'failed' AND j.finished_at > l.ok_at
          GROUP BY l.host_id, l.plan_id HAVING COUNT(*) >= ${c.count}
        )
        SELECT runs.host_id AS hostId, h.name AS hostName, runs.plan_id AS planId,
          p.name AS planName, p.repository_id AS repositoryId, runs.failures,
          j.id AS lastJobId, j.message AS lastMessage
        FROM runs JOIN hosts h ON h.id = runs.host_id JOIN plans p ON p.id = runs.plan_id
        JOIN jobs j ON j.id = (SELECT k.id FROM jobs k WHERE k.plan_id = runs.plan_id
          AND k.host_id = runs.host_id AND k.kind = 'backup' AND k.status = 'failed'
          AND k.finished_at = runs.last_at LIMIT 1)`.execute(db);
      return r.rows;
    },

    /** Repositories whose last check failed, with that check job. */
    async failedChecks() {
      const r = await sql<{
        id: string;
        name: string;
        lastCheckAt: number | null;
        jobId: string | null;
        hostId: string | null;
        message: string | null;
      }>`
        SELECT r.id, r.name, r.last_check_at AS lastCheckAt, j.id AS jobId,
          j.host_id AS hostId, j.message
        FROM repositories r LEFT JOIN jobs j ON j.id = (SELECT k.id FROM jobs k
          WHERE k.repository_id = r.id AND k.status = 'failed' AND k.kind = 'check'
          ORDER BY k.finished_at DESC LIMIT 1)
        WHERE r.last_check_status = 'failed'`.execute(db);
      return r.rows;
    },

    /** Repositories whose last lock look found a lock. */
    async lockedRepositories() {
      const r = await sql<{ id: string; name: string; lockState: string }>`
        SELECT id, name, lock_state AS lockState FROM repositories
        WHERE json_valid(lock_state) AND json_extract(lock_state, '$.locked') = 1`.execute(db);
      return r.rows;
    },

    /** Approved, always-online hosts not seen since `before`. */
    async silentHosts(before: number) {
      const r = await sql<{ id: string; name: string; lastSeenAt: number | null }>`
        SELECT h.id, h.name, c.last_seen_at AS lastSeenAt
        FROM hosts h LEFT JOIN host_contacts c ON c.host_id = h.id
        WHERE h.state = 'approved' AND h.always_online = 1
          AND COALESCE(c.last_seen_at, h.decided_at, h.created_at) < ${before}`.execute(db);
      return r.rows;
    },

    async pendingHosts() {
      const r = await sql<{ id: string; name: string; enrolledIp: string; createdAt: number }>`
        SELECT id, name, enrolled_ip AS enrolledIp, created_at AS createdAt
        FROM hosts WHERE state = 'pending'`.execute(db);
      return r.rows;
    },

    /** The two newest sized snapshots of each candidate host+plan. */
    async latestSnapshotPairs(
      c: { since: number; jobIds: string[]; pairs: Array<[string, string]> },
    ): Promise<SnapshotPairRow[]> {
      const r = await sql<SnapshotPairRow>`
        WITH cand(host_id, plan_id) AS (
          SELECT host_id, plan_id FROM snapshots
            WHERE repository_id IN (SELECT id FROM repositories) AND time >= ${c.since}
              AND host_id IS NOT NULL AND plan_id IS NOT NULL
          UNION SELECT host_id, plan_id FROM jobs
            WHERE id IN (SELECT value FROM json_each(${json(c.jobIds)})) AND kind = 'backup'
              AND plan_id IS NOT NULL
          UNION SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')
            FROM json_each(${json(c.pairs)})
        ),
        -- CROSS JOIN keeps SQLite from scanning every snapshot for a few candidates.
        ranked AS (
          SELECT s.host_id, s.plan_id, s.repository_id, s.snapshot_id, s.time, s.size_bytes,
            ROW_NUMBER() OVER (PARTITION BY s.host_id, s.plan_id ORDER BY s.time DESC) AS rn
          FROM cand CROSS JOIN snapshots s
            ON s.host_id = cand.host_id AND s.plan_id = cand.plan_id
          WHERE s.size_bytes IS NOT NULL
        )
        SELECT ranked.host_id AS hostId, h.name AS hostName, ranked.plan_id AS planId,
          p.name AS planName, ranked.repository_id AS repositoryId,
          ranked.snapshot_id AS snapshotId, ranked.time, ranked.size_bytes AS sizeBytes, rn
        FROM ranked JOIN hosts h ON h.id = ranked.host_id
        LEFT JOIN plans p ON p.id = ranked.plan_id
        WHERE rn <= 2`.execute(db);
      return r.rows;
    },

    /** The distinct expressions of enabled backup schedules (a few dozen, not one per plan). */
    async backupCrons(): Promise<Array<{ cron: string; timeZone: string }>> {
      const r = await sql<{ cron: string; timeZone: string }>`
        SELECT DISTINCT cron, time_zone AS timeZone FROM schedules
        WHERE kind = 'backup' AND enabled = 1`.execute(db);
      return r.rows;
    },

    /**
     * Every approved host with each enabled, unpaused plan that targets it (by host or by tag),
     * judged in SQL: the window is factor × the shortest usual interval of the plan's enabled
     * backup schedules + grace (a plan whose schedules are all disabled is not judged, one with
     * none only with unscheduledMs), counted from the latest of the last successful backup, the
     * host's approval, the plan's creation and the schedule's. Only stale pairs come back.
     */
    async stalePairs(j: StaleJudging): Promise<StalePairRow[]> {
      // The intervals go in as one JSON object looked up by key: cheaper than joining a table
      // of them once per schedule.
      const intervals = json(
        Object.fromEntries(j.intervals.map(([c, z, ms]) => [`${c}|${z}`, ms])),
      );
      const r = await sql<StalePairRow>`
        WITH pairs AS (
          SELECT h.id AS host_id, h.decided_at, p.id AS plan_id, p.created_at AS plan_created_at
          FROM plans p JOIN hosts h ON h.id = p.target_host_id
          WHERE p.enabled = 1 AND h.state = 'approved'
            AND (p.paused_until IS NULL OR p.paused_until <= ${j.now})
          UNION ALL
          SELECT h.id, h.decided_at, p.id, p.created_at
          FROM hosts h JOIN plans p ON p.target_tag IN (SELECT value FROM json_each(h.tags))
          WHERE p.enabled = 1 AND h.state = 'approved'
            AND (p.paused_until IS NULL OR p.paused_until <= ${j.now})
        ),
        sched AS (
          SELECT plan_id, SUM(enabled = 1) AS enabled,
            MIN(CASE WHEN enabled = 1 THEN json_extract(${intervals},
              '$."' || cron || '|' || time_zone || '"') END) AS interval_ms,
            MAX(CASE WHEN enabled = 1 THEN created_at ELSE 0 END) AS created_at
          FROM schedules WHERE kind = 'backup' GROUP BY plan_id
        ),
        judged AS MATERIALIZED (
          SELECT pairs.host_id, pairs.plan_id, sched.interval_ms,
            CASE WHEN sched.plan_id IS NULL THEN ${j.unscheduledMs}
              WHEN sched.enabled > 0 THEN ${j.factor} * sched.interval_ms + ${j.graceMs}
            END AS window_ms,
            MAX(COALESCE(pairs.decided_at, 0), pairs.plan_created_at,
              COALESCE(sched.created_at, 0)) AS started_at
          FROM pairs LEFT JOIN sched ON sched.plan_id = pairs.plan_id
        ),
        -- Stale: judged long enough, and no success within the window (a seek that stops at
        -- the first hit, cheaper than each pair's last success).
        stale AS MATERIALIZED (
          SELECT * FROM judged
          WHERE window_ms IS NOT NULL AND ${j.now} - started_at > window_ms
            AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.plan_id = judged.plan_id
              AND k.host_id = judged.host_id AND k.kind = 'backup'
              AND k.status IN ('ok', 'warning') AND k.finished_at >= ${j.now} - judged.window_ms)
        )
        SELECT stale.host_id AS hostId, h.name AS hostName, stale.plan_id AS planId,
          p.name AS planName, p.repository_id AS repositoryId,
          (SELECT MAX(k.finished_at) FROM jobs k WHERE k.plan_id = stale.plan_id
            AND k.host_id = stale.host_id AND k.kind = 'backup'
            AND k.status IN ('ok', 'warning')) AS lastOkAt,
          stale.window_ms AS windowMs, stale.interval_ms AS intervalMs
        FROM stale JOIN hosts h ON h.id = stale.host_id JOIN plans p ON p.id = stale.plan_id`
        .execute(db);
      return r.rows;
    },
  };
}

export type RuleQueries = ReturnType<typeof createRuleQueries>;
