-- Restores (issue 6): where a host may receive restores, and the restore history.
--
-- hosts.restore_roots: a JSON array of absolute directories below which restores to a new
-- location (or from another host) may write on this host; '[]' means the safe default root
-- only (DEFAULT_RESTORE_ROOT in server/contract/restores.ts). Restores to the original place
-- are not bound by it: they need a typed confirmation instead.
ALTER TABLE hosts ADD COLUMN restore_roots TEXT NOT NULL DEFAULT '[]';

-- One row per restore job: what was asked, beside the job row that says how it went. The job
-- runs on the target host; source_host_id is the host whose backup the snapshot is.
CREATE TABLE restores (
  job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  snapshot_id TEXT NOT NULL,            -- as the snapshot cache names it (restic id, borg archive)
  source_host_id TEXT,                  -- snapshots.host_id at the time of the request
  target_host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  target TEXT NOT NULL,                 -- JSON RestoreTarget as asked
  target_dir TEXT NOT NULL,             -- the directory restored into ("/" = original place)
  paths TEXT NOT NULL DEFAULT '[]',     -- JSON array of snapshot paths; [] = everything
  overwrite TEXT NOT NULL CHECK (overwrite IN ('always', 'if-newer', 'if-different', 'never')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX restores_snapshot ON restores (repository_id, snapshot_id, created_at);
CREATE INDEX restores_target_host ON restores (target_host_id, created_at);
CREATE INDEX restores_source_host ON restores (source_host_id, created_at);
