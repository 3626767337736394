-- Alerts (issue 5): what the alert engine raised, with its history, and the per-rule settings.
-- One open alert per rule and subject is enforced here (the partial unique index), so two
-- evaluations racing (a tick and a job that just ended) cannot open the same alert twice.
-- Times are Unix ms.

CREATE TABLE alerts (
  id TEXT PRIMARY KEY,                  -- alr_<ulid>
  rule TEXT NOT NULL,                   -- AlertRule
  subject TEXT NOT NULL,                -- "hst_…", "hst_…/pln_…", "rep_…", "hst_…/pln_…/backup"
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  state TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  host_id TEXT,                         -- no foreign keys: an alert outlives what it was about
  plan_id TEXT,
  repository_id TEXT,
  job_id TEXT,
  link TEXT NOT NULL,                   -- the PWA path that shows the cause
  details TEXT NOT NULL DEFAULT '{}',   -- JSON, figures of the rule (sizes, counts, ages)
  count INTEGER NOT NULL DEFAULT 1,
  opened_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT,
  resolved_at INTEGER
) WITHOUT ROWID;
CREATE UNIQUE INDEX alerts_one_open ON alerts (rule, subject) WHERE state <> 'resolved';
CREATE INDEX alerts_state ON alerts (state, id);
CREATE INDEX alerts_host ON alerts (host_id, id);

CREATE TABLE alert_rules (
  rule TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL DEFAULT 1,
  severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  params TEXT NOT NULL DEFAULT '{}',    -- JSON, checked per rule by the API
  updated_at INTEGER NOT NULL DEFAULT 0,
  updated_by TEXT
) WITHOUT ROWID;

-- backup_stale: no successful backup within factor × the backup schedule's usual interval +
-- graceMinutes; a plan without an enabled backup schedule is judged only when
-- unscheduledHours is set (off by default: Cairn has no expectation of a plan run by hand).
INSERT INTO alert_rules (rule, enabled, severity, params) VALUES
  ('job_failed', 1, 'warning', '{}'),
  ('failures_in_row', 1, 'critical', '{"count":3}'),
  ('backup_stale', 1, 'critical', '{"factor":2,"graceMinutes":60,"unscheduledHours":null}'),
  ('host_offline', 1, 'warning', '{"minutes":30}'),
  ('check_failed', 1, 'critical', '{}'),
  ('lock_held', 1, 'warning', '{"hours":6}'),
  ('size_changed', 1, 'warning', '{"percent":50}'),
  ('host_pending', 1, 'info', '{}'),
  ('appliance_key_changed', 1, 'critical', '{}'),
  ('standby_lag', 1, 'warning', '{"seconds":60}');

-- Laptops and other machines that sleep: 0 = judged by backup staleness only, never "offline".
ALTER TABLE hosts ADD COLUMN always_online INTEGER NOT NULL DEFAULT 1;

-- The engine's queries: the newest ended jobs (a tick looks at what ended lately), the last
-- success of a host and plan (staleness, failures in a row), and plans by tag.
CREATE INDEX jobs_ended ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_plan_host_ok ON jobs (plan_id, host_id, kind, finished_at)
  WHERE status IN ('ok', 'warning');
CREATE INDEX jobs_plan_host_status ON jobs (plan_id, host_id, kind, status, finished_at);
CREATE INDEX plans_tag ON plans (target_tag) WHERE target_tag IS NOT NULL;
CREATE INDEX snapshots_host_plan ON snapshots (host_id, plan_id, time);
