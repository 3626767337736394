/** The figures /metrics shows, each one aggregate query over the fleet. */
import { sql } from "kysely";
import type { Db } from "../db/connect.ts";

/** Upper bounds of the job duration histogram, in seconds. */
export const DURATION_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 86400];

export interface DurationRow {
  kind: string;
  count: number;
  sum: number;
  /** Cumulative counts, one per DURATION_BUCKETS entry. */
  buckets: number[];
}

export function createMetricsRepo(db: Db) {
  return {
    async hosts() {
      const r = await sql<{ id: string; name: string; lastSeenAt: number | null }>`
        SELECT h.id, h.name, c.last_seen_at AS lastSeenAt
        FROM hosts h LEFT JOIN host_contacts c ON c.host_id = h.id
        WHERE h.state = 'approved' ORDER BY h.name, h.id`.execute(db);
      return r.rows;
    },

    /** The last ended backup of each host and plan, and the last successful one. */
    async lastBackups() {
      const r = await sql<{
        hostName: string;
        planName: string;
        lastAt: number;
        lastStatus: string;
        lastOkAt: number | null;
      }>`
        WITH ended AS (
          SELECT host_id, plan_id, MAX(finished_at) AS last_at FROM jobs
          WHERE kind = 'backup' AND plan_id IS NOT NULL
            AND status IN ('ok', 'warning', 'failed') AND finished_at IS NOT NULL
          GROUP BY host_id, plan_id
        )
        SELECT h.name AS hostName, p.name AS planName, e.last_at AS lastAt,
          (SELECT j.status FROM jobs j WHERE j.plan_id = e.plan_id AND j.host_id = e.host_id
            AND j.kind = 'backup' AND j.finished_at = e.last_at
            AND j.status IN ('ok', 'warning', 'failed') LIMIT 1) AS lastStatus,
          (SELECT MAX(k.finished_at) FROM jobs k WHERE k.plan_id = e.plan_id
            AND k.host_id = e.host_id AND k.kind = 'backup'
            AND k.status IN ('ok', 'warning')) AS lastOkAt
        FROM ended e JOIN hosts h ON h.id = e.host_id JOIN plans p ON p.id = e.plan_id
        WHERE h.state = 'approved' ORDER BY h.name, p.name`.execute(db);
      return r.rows;
    },

    async repositories() {
      const r = await sql<{ name: string; stats: string; snapshots: number }>`
        SELECT r.name, r.stats,
          (SELECT COUNT(*) FROM snapshots s WHERE s.repository_id = r.id) AS snapshots
        FROM repositories r ORDER BY r.name`.execute(db);
      return r.rows;
    },

    async jobTotals() {
      const r = await sql<{ kind: string; status: string; n: number }>`
        SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status
        ORDER BY kind, status`.execute(db);
      return r.rows;
    },

    async durations(): Promise<DurationRow[]> {
      const cols = DURATION_BUCKETS.map((b, i) =>
        sql`SUM(CASE WHEN d <= ${b} THEN 1 ELSE 0 END) AS ${sql.ref(`b${i}`)}`
      );
      const r = await sql<Record<string, number | string>>`
        SELECT kind, COUNT(*) AS n, SUM(d) AS total, ${sql.join(cols)}
        FROM (SELECT kind, (finished_at - started_at) / 1000.0 AS d FROM jobs
          WHERE finished_at IS NOT NULL AND started_at IS NOT NULL
            AND status IN ('ok', 'warning', 'failed'))
        GROUP BY kind ORDER BY kind`.execute(db);
      return r.rows.map((row) => ({
        kind: String(row.kind),
        count: Number(row.n),
        sum: Number(row.total ?? 0),
        buckets: DURATION_BUCKETS.map((_, i) => Number(row[`b${i}`] ?? 0)),
      }));
    },

    async openAlerts() {
      const r = await sql<{ severity: string; rule: string; n: number }>`
        SELECT severity, rule, COUNT(*) AS n FROM alerts WHERE state <> 'resolved'
        GROUP BY severity, rule ORDER BY rule, severity`.execute(db);
      return r.rows;
    },

    async rules() {
      const r = await sql<{ rule: string; severity: string }>`
        SELECT rule, severity FROM alert_rules ORDER BY rule`.execute(db);
      return r.rows;
    },
  };
}

export type MetricsRepo = ReturnType<typeof createMetricsRepo>;
