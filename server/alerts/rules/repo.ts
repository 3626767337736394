/**
 * The alert rules' questions to the database, each one set-based query over the whole fleet
 * (never a query per host). The job rules look only at candidates: jobs that ended since the
 * last look, the jobs a caller names (a report that just arrived, perhaps late from an agent
 * that was offline), and the subjects of the rule's open alerts, so a tick costs the same with
 * a year of job history as with a day of it.
 */
import { sql } from "kysely";
import type { Db } from "../../db/connect.ts";

/** Job kinds whose failure is an alert of its own (check has check_failed). */
export const JOB_FAILED_KINDS = ["backup", "forget", "prune", "compact", "restore", "drill"];

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

export interface StalePairRow {
  hostId: string;
  hostName: string;
  planId: string;
  planName: string;
  repositoryId: string;
  /** When judging may start: the later of the host's approval and the plan's creation. */
  startedAt: number;
  lastOkAt: number | null;
  lastOkJobId: string | null;
  /** null when the plan has no backup schedule at all. */
  cron: string | null;
  timeZone: string | null;
  scheduleEnabled: number | null;
  scheduleCreatedAt: number | null;
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

    /**
     * Every approved host with each enabled, unpaused plan that targets it (by host or by tag),
     * its backup schedules and its last successful backup. One row per pair and schedule.
     */
    async stalePairs(now: number): Promise<StalePairRow[]> {
      const r = await sql<StalePairRow>`
        WITH pairs AS (
          SELECT h.id AS host_id, h.name AS host_name, h.decided_at, p.id AS plan_id,
            p.name AS plan_name, p.repository_id, p.created_at AS plan_created_at
          FROM plans p JOIN hosts h ON h.id = p.target_host_id
          WHERE p.enabled = 1 AND h.state = 'approved'
            AND (p.paused_until IS NULL OR p.paused_until <= ${now})
          UNION
          SELECT h.id, h.name, h.decided_at, p.id, p.name, p.repository_id, p.created_at
          FROM hosts h JOIN json_each(h.tags) t JOIN plans p ON p.target_tag = t.value
          WHERE p.enabled = 1 AND h.state = 'approved'
            AND (p.paused_until IS NULL OR p.paused_until <= ${now})
        )
        SELECT pairs.host_id AS hostId, pairs.host_name AS hostName, pairs.plan_id AS planId,
          pairs.plan_name AS planName, pairs.repository_id AS repositoryId,
          MAX(COALESCE(pairs.decided_at, 0), pairs.plan_created_at) AS startedAt,
          (SELECT MAX(k.finished_at) FROM jobs k WHERE k.plan_id = pairs.plan_id
            AND k.host_id = pairs.host_id AND k.kind = 'backup'
            AND k.status IN ('ok', 'warning')) AS lastOkAt,
          NULL AS lastOkJobId,
          s.cron, s.time_zone AS timeZone, s.enabled AS scheduleEnabled,
          s.created_at AS scheduleCreatedAt
        FROM pairs LEFT JOIN schedules s ON s.plan_id = pairs.plan_id AND s.kind = 'backup'`
        .execute(db);
      return r.rows;
    },
  };
}

export type RuleQueries = ReturnType<typeof createRuleQueries>;
