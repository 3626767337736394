-- Restore drills (issue 6, item 7): one row per drill job. What was asked is written with the
-- job; the figures are written when the job ends (from the agent's DrillResult), so the host's
-- "last verified restore" and its trend are one indexed read.
CREATE TABLE drills (
  job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,   -- whose backup is drilled
  target_host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE, -- where it ran
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  plan_id TEXT,
  snapshot_id TEXT NOT NULL,            -- as the snapshot cache names it
  sample_size INTEGER NOT NULL,         -- files sampled (canary included)
  canary TEXT,                          -- the plan's canary path, when checked
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Set when the job ends:
  finished_at INTEGER,
  outcome TEXT CHECK (outcome IN ('ok', 'failed', 'cancelled')),
  checked INTEGER,
  mismatches INTEGER,
  bytes INTEGER,
  duration_ms INTEGER,
  throughput INTEGER,
  message TEXT
) WITHOUT ROWID;
CREATE INDEX drills_host ON drills (host_id, created_at);
CREATE INDEX drills_target_host ON drills (target_host_id, created_at);
