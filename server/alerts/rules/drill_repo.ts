/**
 * The drill rules' questions to the database. drill_failed reads a drill's outcome from its job
 * (status and end time), not from the drill row's figures: the drills service writes those after
 * the job ends, at the moment the engine judges the job's rules. drill_overdue, judged on ticks
 * with hours of grace, reads the row's outcome, newest first through the host index.
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
  /** created_at of the newest drill of this host (and plan) that passed. */
  lastOkAt: number | null;
}

export function createDrillRuleQueries(db: Db) {
  return {
    /**
     * The newest ended (ok, warning or failed) drill of each subject among the candidates:
     * drills that ended since `since`, the named jobs, and the given open subjects.
     */
    async latestDrills(
      c: { since: number; jobIds: string[]; subjects: string[] },
    ): Promise<LatestDrillRow[]> {
      // Candidates as (host, plan or repository) pairs; each one's newest ended drill is one
      // seek down the (host, plan, time) index, whatever the length of the history.
      const r = await sql<LatestDrillRow>`
        WITH cand AS (
          SELECT d.host_id AS host_id, COALESCE(d.plan_id, d.repository_id) AS k
          FROM jobs j JOIN drills d ON d.job_id = j.id
          WHERE j.kind = 'drill' AND j.finished_at >= ${c.since}
          UNION SELECT d.host_id, COALESCE(d.plan_id, d.repository_id) FROM drills d
          WHERE d.job_id IN (SELECT value FROM json_each(${JSON.stringify(c.jobIds)}))
          UNION SELECT substr(value, 1, instr(value, '/') - 1), substr(value, instr(value, '/') + 1)
          FROM json_each(${JSON.stringify(c.subjects)}) WHERE instr(value, '/') > 0
        ), newest AS (
          SELECT c.host_id || '/' || c.k AS subject, (
            SELECT d.job_id FROM drills d JOIN jobs j ON j.id = d.job_id
            WHERE d.host_id = c.host_id
              AND d.plan_id IS (CASE WHEN substr(c.k, 1, 4) = 'pln_' THEN c.k END)
              AND (substr(c.k, 1, 4) = 'pln_' OR d.repository_id = c.k)
              AND j.status IN ('ok', 'warning', 'failed') AND j.finished_at IS NOT NULL
            ORDER BY d.created_at DESC LIMIT 1
          ) AS job_id
          FROM cand c
        )
        SELECT n.subject, d.job_id AS jobId, d.host_id AS hostId, h.name AS hostName,
          d.plan_id AS planId, p.name AS planName, d.repository_id AS repositoryId,
          r.name AS repositoryName, j.status, j.message, j.finished_at AS finishedAt
        FROM newest n JOIN drills d ON d.job_id = n.job_id
        JOIN jobs j ON j.id = d.job_id
        JOIN hosts h ON h.id = d.host_id
        JOIN repositories r ON r.id = d.repository_id
        LEFT JOIN plans p ON p.id = d.plan_id`.execute(db);
      return r.rows;
    },

    /**
     * Each host of each enabled drill schedule (plans enabled and not paused), with the newest
     * drill of that host (and plan) that passed.
     */
    async drillDuties(now: number): Promise<DrillDutyRow[]> {
      // Each schedule's hosts by three seeks (the host; the plan's host; the plan's tag among
      // the hosts' tags, listed once), not a comparison of every schedule with every host.
      const r = await sql<DrillDutyRow>`
        WITH active AS (
          SELECT s.*, p.name AS plan_name, p.target_host_id AS plan_host_id,
            p.target_tag AS plan_tag
          FROM drill_schedules s LEFT JOIN plans p ON p.id = s.plan_id
          WHERE s.enabled = 1 AND (s.plan_id IS NULL OR (p.enabled = 1
            AND (p.paused_until IS NULL OR p.paused_until <= ${now})))
        ), tagged AS (
          SELECT h.id, t.value AS tag FROM hosts h, json_each(h.tags) t
          WHERE h.state = 'approved' AND EXISTS
            (SELECT 1 FROM plans p WHERE p.target_tag = t.value)
        ), duty AS (
          SELECT a.*, a.host_id AS hid FROM active a WHERE a.host_id IS NOT NULL
          UNION ALL SELECT a.*, a.plan_host_id FROM active a WHERE a.plan_host_id IS NOT NULL
          UNION ALL SELECT a.*, t.id FROM active a JOIN tagged t ON t.tag = a.plan_tag
        )
        SELECT u.id AS scheduleId, u.plan_id AS planId, u.plan_name AS planName, h.id AS hostId,
          h.name AS hostName, u.cron, u.time_zone AS timeZone, u.created_at AS createdAt,
          u.updated_at AS updatedAt, u.last_skip_reason AS lastSkipReason,
          (SELECT d.created_at FROM drills d
            WHERE d.host_id = h.id AND (u.plan_id IS NULL OR d.plan_id = u.plan_id)
              AND d.outcome = 'ok' ORDER BY d.created_at DESC LIMIT 1) AS lastOkAt
        FROM duty u JOIN hosts h ON h.id = u.hid AND h.state = 'approved'`.execute(db);
      return r.rows;
    },
  };
}

export type DrillRuleQueries = ReturnType<typeof createDrillRuleQueries>;
