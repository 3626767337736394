/**
 * The drill rules' questions to the database. A drill's outcome is read from its job (status and
 * end time), not from the drill row's figures: the figures are written by the drills service
 * after the job ends, while the engine judges the job's rules at the same moment.
 */
import { sql } from "kysely";
import type { Db } from "../../db/connect.ts";

/** The newest ended drill of one subject (host + plan, or host + repository). */
export interface LatestDrillRow {
  subject: string;
  jobId: string;
  hostId: string;
  hostName: string;
  planId: string | null;
  planName: string | null;
  repositoryId: string;
  repositoryName: string;
  status: string;
  message: string | null;
  finishedAt: number;
}

/** One host an enabled drill schedule covers, with its newest passing drill. */
export interface DrillDutyRow {
  scheduleId: string;
  planId: string | null;
  planName: string | null;
  hostId: string;
  hostName: string;
  cron: string;
  timeZone: string;
  createdAt: number;
  updatedAt: number;
  lastSkipReason: string | null;
  /** created_at of the newest drill of this host (and plan) whose job passed. */
  lastOkAt: number | null;
}

/** drills' subject key: "hst_…/pln_…" or, for a drill without a plan, "hst_…/rep_…". */
const SUBJECT = sql`d.host_id || '/' || COALESCE(d.plan_id, d.repository_id)`;

export function createDrillRuleQueries(db: Db) {
  return {
    /**
     * The newest ended (ok, warning or failed) drill of each subject among the candidates:
     * drills that ended since `since`, the named jobs, and the given open subjects.
     */
    async latestDrills(
      c: { since: number; jobIds: string[]; subjects: string[] },
    ): Promise<LatestDrillRow[]> {
      const r = await sql<LatestDrillRow>`
        WITH cand AS (
          SELECT ${SUBJECT} AS subject FROM drills d JOIN jobs j ON j.id = d.job_id
          WHERE j.kind = 'drill' AND (j.finished_at >= ${c.since}
            OR d.job_id IN (SELECT value FROM json_each(${JSON.stringify(c.jobIds)})))
          UNION SELECT value FROM json_each(${JSON.stringify(c.subjects)})
        ), ranked AS (
          SELECT ${SUBJECT} AS subject, d.job_id AS jobId, d.host_id AS hostId,
            h.name AS hostName, d.plan_id AS planId, p.name AS planName,
            d.repository_id AS repositoryId, r.name AS repositoryName, j.status, j.message,
            j.finished_at AS finishedAt,
            ROW_NUMBER() OVER (PARTITION BY d.host_id, COALESCE(d.plan_id, d.repository_id)
              ORDER BY j.finished_at DESC, d.job_id DESC) AS rn
          FROM drills d JOIN jobs j ON j.id = d.job_id
          JOIN hosts h ON h.id = d.host_id
          JOIN repositories r ON r.id = d.repository_id
          LEFT JOIN plans p ON p.id = d.plan_id
          WHERE j.status IN ('ok', 'warning', 'failed') AND j.finished_at IS NOT NULL
            AND ${SUBJECT} IN (SELECT subject FROM cand)
        )
        SELECT subject, jobId, hostId, hostName, planId, planName, repositoryId, repositoryName,
          status, message, finishedAt
        FROM ranked WHERE rn = 1`.execute(db);
      return r.rows;
    },

    /**
     * Each host of each enabled drill schedule (plans enabled and not paused), with the newest
     * drill of that host (and plan) that passed.
     */
    async drillDuties(now: number): Promise<DrillDutyRow[]> {
      const r = await sql<DrillDutyRow>`
        SELECT s.id AS scheduleId, s.plan_id AS planId, p.name AS planName, h.id AS hostId,
          h.name AS hostName, s.cron, s.time_zone AS timeZone, s.created_at AS createdAt,
          s.updated_at AS updatedAt, s.last_skip_reason AS lastSkipReason,
          (SELECT MAX(d.created_at) FROM drills d JOIN jobs j ON j.id = d.job_id
            WHERE d.host_id = h.id AND (s.plan_id IS NULL OR d.plan_id = s.plan_id)
              AND j.status IN ('ok', 'warning')) AS lastOkAt
        FROM drill_schedules s
        LEFT JOIN plans p ON p.id = s.plan_id
        JOIN hosts h ON h.state = 'approved' AND (h.id = s.host_id OR h.id = p.target_host_id
          OR (p.target_tag IS NOT NULL AND EXISTS
            (SELECT 1 FROM json_each(h.tags) t WHERE t.value = p.target_tag)))
        WHERE s.enabled = 1 AND (s.plan_id IS NULL OR (p.enabled = 1
          AND (p.paused_until IS NULL OR p.paused_until <= ${now})))`.execute(db);
      return r.rows;
    },
  };
}

export type DrillRuleQueries = ReturnType<typeof createDrillRuleQueries>;
