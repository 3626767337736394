import { sql } from "kysely";
import type { AlertRule, AlertSeverity, AlertState, AlertView } from "../contract/alerts.ts";
import type { Db } from "../db/connect.ts";
import type { AlertsTable } from "../db/schema_alerts.ts";

export interface OpenAlert {
  id: string;
  subject: string;
  hostId: string | null;
  planId: string | null;
  jobId: string | null;
  title: string;
  message: string;
  link: string;
  details: string;
  lastSeenAt: number;
}

export interface NewAlert {
  id: string;
  rule: AlertRule;
  subject: string;
  severity: AlertSeverity;
  title: string;
  message: string;
  hostId: string | null;
  planId: string | null;
  repositoryId: string | null;
  jobId: string | null;
  link: string;
  details: string;
}

export interface AlertChange {
  id: string;
  title: string;
  message: string;
  jobId: string | null;
  link: string;
  details: string;
  bump: boolean;
}

/** One evaluation's writes, applied in one transaction. */
export interface AlertWrites {
  now: number;
  inserts: NewAlert[];
  /** Still true, nothing else changed. */
  seen: string[];
  changes: AlertChange[];
  resolve: string[];
}

export interface AlertFilter {
  states?: AlertState[];
  rule?: AlertRule;
  severity?: AlertSeverity;
  hostId?: string;
  since?: number;
  before?: string;
  limit: number;
}

export interface AlertRuleRow {
  rule: string;
  enabled: boolean;
  severity: AlertSeverity;
  params: Record<string, unknown>;
  updatedAt: number;
  updatedBy: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const ids = (list: string[]) => JSON.stringify(list);

type ViewRow = AlertsTable & { host_name: string | null; plan_name: string | null };

function toView(r: ViewRow): AlertView {
  return {
    id: r.id,
    rule: r.rule as AlertRule,
    subject: r.subject,
    severity: r.severity as AlertSeverity,
    state: r.state as AlertState,
    title: r.title,
    message: r.message,
    hostId: r.host_id,
    hostName: r.host_name,
    planId: r.plan_id,
    planName: r.plan_name,
    repositoryId: r.repository_id,
    jobId: r.job_id,
    link: r.link,
    openedAt: iso(r.opened_at),
    lastSeenAt: iso(r.last_seen_at),
    acknowledgedAt: isoOrNull(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: isoOrNull(r.resolved_at),
    count: r.count,
  };
}

function parseParams(text: string): Record<string, unknown> {
  try {
    const p = JSON.parse(text);
    return p && typeof p === "object" ? p : {};
  } catch {
    return {}; // written by this code only; a damaged cell falls back to the rule's defaults
  }
}

export function createAlertsRepo(db: Db) {
  const views = () =>
    db.selectFrom("alerts").leftJoin("hosts", "hosts.id", "alerts.host_id")
      .leftJoin("plans", "plans.id", "alerts.plan_id").selectAll("alerts")
      .select(["hosts.name as host_name", "plans.name as plan_name"]);

  return {
    async listOpen(rule: AlertRule): Promise<OpenAlert[]> {
      const rows = await db.selectFrom("alerts")
        .select([
          "id",
          "subject",
          "host_id",
          "plan_id",
          "job_id",
          "title",
          "message",
          "link",
          "details",
          "last_seen_at",
        ])
        .where("rule", "=", rule).where("state", "<>", "resolved").execute();
      return rows.map((r) => ({
        id: r.id,
        subject: r.subject,
        hostId: r.host_id,
        planId: r.plan_id,
        jobId: r.job_id,
        title: r.title,
        message: r.message,
        link: r.link,
        details: r.details,
        lastSeenAt: r.last_seen_at,
      }));
    },

    /** Applies one evaluation; returns the ids it opened and the ids it resolved. */
    apply(w: AlertWrites): Promise<{ opened: string[]; resolved: string[] }> {
      return db.transaction().execute(async (trx) => {
        const opened: string[] = [];
        for (let i = 0; i < w.inserts.length; i += 200) {
          const rows = w.inserts.slice(i, i + 200).map((a) => ({
            id: a.id,
            rule: a.rule,
            subject: a.subject,
            severity: a.severity,
            state: "open",
            title: a.title,
            message: a.message,
            host_id: a.hostId,
            plan_id: a.planId,
            repository_id: a.repositoryId,
            job_id: a.jobId,
            link: a.link,
            details: a.details,
            count: 1,
            opened_at: w.now,
            last_seen_at: w.now,
          }));
          // A racing evaluation that opened the same rule and subject wins; this one skips it.
          const got = await trx.insertInto("alerts").values(rows)
            .onConflict((oc) =>
              oc.columns(["rule", "subject"]).where(sql<boolean>`state <> 'resolved'`).doNothing()
            )
            .returning("id").execute();
          opened.push(...got.map((g) => g.id));
        }
        if (w.seen.length > 0) {
          await trx.updateTable("alerts").set({ last_seen_at: w.now })
            .where(sql<boolean>`id IN (SELECT value FROM json_each(${ids(w.seen)}))`).execute();
        }
        for (const c of w.changes) {
          await trx.updateTable("alerts").set((eb) => ({
            last_seen_at: w.now,
            title: c.title,
            message: c.message,
            job_id: c.jobId,
            link: c.link,
            details: c.details,
            count: c.bump ? eb("count", "+", 1) : eb.ref("count"),
          })).where("id", "=", c.id).where("state", "<>", "resolved").execute();
        }
        const resolved: string[] = [];
        for (let i = 0; i < w.resolve.length; i += 500) {
          const got = await trx.updateTable("alerts")
            .set({ state: "resolved", resolved_at: w.now })
            .where("id", "in", w.resolve.slice(i, i + 500)).where("state", "<>", "resolved")
            .returning("id").execute();
          resolved.push(...got.map((g) => g.id));
        }
        return { opened, resolved };
      });
    },

    async findViews(list: string[]): Promise<AlertView[]> {
      if (list.length === 0) return [];
      const rows = await views().where("alerts.id", "in", list).execute();
      return rows.map(toView);
    },

    async findView(id: string): Promise<AlertView | undefined> {
      const row = await views().where("alerts.id", "=", id).executeTakeFirst();
      return row && toView(row);
    },

    async list(f: AlertFilter): Promise<AlertView[]> {
      let q = views();
      if (f.states) q = q.where("alerts.state", "in", f.states);
      if (f.rule) q = q.where("alerts.rule", "=", f.rule);
      if (f.severity) q = q.where("alerts.severity", "=", f.severity);
      if (f.hostId) q = q.where("alerts.host_id", "=", f.hostId);
      if (f.since !== undefined) q = q.where("alerts.last_seen_at", ">=", f.since);
      if (f.before) q = q.where("alerts.id", "<", f.before);
      const rows = await q.orderBy("alerts.id", "desc").limit(f.limit).execute();
      return rows.map(toView);
    },

    async countActive(): Promise<Record<AlertSeverity, number>> {
      const rows = await db.selectFrom("alerts").select("severity")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("state", "<>", "resolved").groupBy("severity").execute();
      const out: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
      for (const r of rows) out[r.severity as AlertSeverity] = Number(r.n);
      return out;
    },

    /** open → acknowledged; false when the alert is not open. */
    async acknowledge(id: string, by: string, now: number): Promise<boolean> {
      const r = await db.updateTable("alerts")
        .set({ state: "acknowledged", acknowledged_at: now, acknowledged_by: by })
        .where("id", "=", id).where("state", "=", "open").executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Resolves every open alert of a rule (the rule was turned off), without a notice. */
    async resolveRule(rule: AlertRule, now: number): Promise<number> {
      const r = await db.updateTable("alerts").set({ state: "resolved", resolved_at: now })
        .where("rule", "=", rule).where("state", "<>", "resolved").executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async setOpenSeverity(rule: AlertRule, severity: AlertSeverity) {
      await db.updateTable("alerts").set({ severity }).where("rule", "=", rule)
        .where("state", "<>", "resolved").execute();
    },

    async listRules(): Promise<AlertRuleRow[]> {
      const rows = await db.selectFrom("alert_rules").selectAll().execute();
      return rows.map((r) => ({
        rule: r.rule,
        enabled: r.enabled === 1,
        severity: r.severity as AlertSeverity,
        params: parseParams(r.params),
        updatedAt: r.updated_at,
        updatedBy: r.updated_by,
      }));
    },

    async updateRule(
      rule: AlertRule,
      u: {
        enabled?: boolean;
        severity?: AlertSeverity;
        params?: Record<string, unknown>;
        by: string;
        now: number;
      },
    ) {
      await db.updateTable("alert_rules").set({
        updated_at: u.now,
        updated_by: u.by,
        ...(u.enabled !== undefined ? { enabled: u.enabled ? 1 : 0 } : {}),
        ...(u.severity !== undefined ? { severity: u.severity } : {}),
        ...(u.params !== undefined ? { params: JSON.stringify(u.params) } : {}),
      }).where("rule", "=", rule).execute();
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;
