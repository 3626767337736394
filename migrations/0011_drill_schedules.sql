-- Scheduled restore drills (issue 6, item 7): when the appliance starts a drill by itself, and
-- the two alert rules that watch drills. Drills are scheduled on the appliance, not on agents: a
-- drill's sample is picked from the appliance's snapshot index. Times are Unix ms.

-- One schedule per plan (every host of the plan is drilled, each in its plan's repository) or
-- per host (its newest snapshot in any repository). last_run_at is written before a drill
-- starts, so a crash never runs a slot twice and a long gap runs once.
CREATE TABLE drill_schedules (
  id TEXT PRIMARY KEY,                  -- drs_<ulid>
  scope TEXT NOT NULL CHECK (scope IN ('plan', 'host')),
  plan_id TEXT UNIQUE REFERENCES plans (id) ON DELETE CASCADE,
  host_id TEXT UNIQUE REFERENCES hosts (id) ON DELETE CASCADE,
  rule TEXT NOT NULL,                   -- JSON ScheduleRule, as the user said it
  cron TEXT NOT NULL,                   -- the five-field expression the rule stands for
  time_zone TEXT NOT NULL,              -- IANA zone of the cron's wall-clock times
  sample_size INTEGER NOT NULL,
  -- Where the files are restored and checked; NULL = the drilled host itself.
  target_host_id TEXT REFERENCES hosts (id) ON DELETE SET NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  last_run_at INTEGER,                  -- the last attempt (started or skipped)
  last_drill_id TEXT,                   -- the last drill job it started
  last_skip_reason TEXT,                -- why the last attempt started nothing (or some hosts)
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((scope = 'plan') = (plan_id IS NOT NULL) AND (scope = 'host') = (host_id IS NOT NULL))
) WITHOUT ROWID;

-- The rules' reads: the newest drill of a host (and plan), and drills by their job.
CREATE INDEX drills_host_plan ON drills (host_id, plan_id, created_at);

-- drill_failed: the newest drill of a host and plan (or host and repository) failed; a drill
-- that passes resolves it. Critical: a backup that cannot be restored is no backup.
-- drill_overdue: an enabled drill schedule's run was due more than graceHours ago and no drill
-- of its host has passed since.
INSERT OR IGNORE INTO alert_rules (rule, enabled, severity, params) VALUES
  ('drill_failed', 1, 'critical', '{}'),
  ('drill_overdue', 1, 'warning', '{"graceHours":24}');
