-- Schedules (issue 5): when a plan's backup and its maintenance run, and where each host stands
-- with the schedule document the appliance pushed to it. Agents fire the runs on their own clock;
-- a run they fired becomes a job row (trigger 'schedule') when its job.scheduled report arrives.

-- A plan's pause keeps its schedules as they are: no run before this instant (ms);
-- PAUSED_INDEFINITELY (8.64e15) for "until resumed"; NULL when not paused.
ALTER TABLE plans ADD COLUMN paused_until INTEGER;

-- One schedule per plan and kind (backup, forget, prune, check, compact).
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,                  -- sch_<ulid>
  plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,                   -- ScheduleKind
  rule TEXT NOT NULL,                   -- JSON ScheduleRule, as the user said it
  cron TEXT NOT NULL,                   -- the five-field expression the rule stands for
  time_zone TEXT NOT NULL,              -- IANA zone the cron's wall-clock times are in
  jitter_minutes INTEGER NOT NULL DEFAULT 0,
  catch_up TEXT NOT NULL DEFAULT 'once', -- once | skip
  enabled INTEGER NOT NULL DEFAULT 1,
  runner_host_id TEXT REFERENCES hosts (id) ON DELETE SET NULL, -- prune/check/compact: the one host
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (plan_id, kind)
) WITHOUT ROWID;
CREATE INDEX schedules_runner ON schedules (runner_host_id);

-- Per host: the schedule document version the appliance made (and the hash of its content, so an
-- unchanged document is not pushed again) and the version the agent said it applied.
CREATE TABLE host_schedules (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  pushed_version INTEGER NOT NULL DEFAULT 0,
  content_hash TEXT,
  pushed_at INTEGER,
  applied_version INTEGER NOT NULL DEFAULT 0,
  applied_at INTEGER
) WITHOUT ROWID;

-- A job an agent fired from its schedule: which schedule, and the run time it stands for.
ALTER TABLE jobs ADD COLUMN schedule_id TEXT;
ALTER TABLE jobs ADD COLUMN scheduled_for INTEGER;
CREATE INDEX jobs_schedule ON jobs (schedule_id, id);
