/** The tables of migrations/0008_alerts.sql, as Kysely sees them (see schema.ts). */

export interface AlertsTable {
  id: string;
  rule: string;
  subject: string;
  severity: string;
  state: string;
  title: string;
  message: string;
  host_id: string | null;
  plan_id: string | null;
  repository_id: string | null;
  job_id: string | null;
  link: string;
  details: string;
  count: number;
  opened_at: number;
  last_seen_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
}

export interface AlertRulesTable {
  rule: string;
  enabled: number;
  severity: string;
  params: string;
  updated_at: number;
  updated_by: string | null;
}

export interface AlertTables {
  alerts: AlertsTable;
  alert_rules: AlertRulesTable;
}
