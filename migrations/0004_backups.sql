-- Backups (issue 4): repositories, SSH keys, plans, jobs and the snapshot cache. Times are Unix
-- ms. Every secret is sealed at rest with the appliance's secret key (server/secrets/box.ts,
-- values start "sb1:"): repository passphrases, backend credentials, private keys and their
-- passphrases, and plan hooks. They are opened only to seal them again to the agent that runs a
-- job (NaCl box to its key), never returned by the API after creation.

CREATE TABLE ssh_keys (
  id TEXT PRIMARY KEY,                  -- key_<ulid>
  name TEXT NOT NULL UNIQUE,
  algorithm TEXT NOT NULL,              -- ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256…
  public_key TEXT NOT NULL,             -- one OpenSSH line: "<algorithm> <base64> <comment>"
  fingerprint TEXT NOT NULL,            -- "SHA256:…", as ssh-keygen -l prints it
  private_key_sealed TEXT NOT NULL,     -- the private key as imported or generated (OpenSSH PEM)
  passphrase_sealed TEXT,               -- for a passphrase-protected private key
  origin TEXT NOT NULL CHECK (origin IN ('generated', 'imported')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE repositories (
  id TEXT PRIMARY KEY,                  -- rep_<ulid>
  name TEXT NOT NULL UNIQUE,
  engine TEXT NOT NULL CHECK (engine IN ('restic', 'borg')),
  location TEXT NOT NULL,               -- JSON RepositoryLocation, no secret in it
  passphrase_sealed TEXT NOT NULL,
  credentials_sealed TEXT,              -- JSON BackendCredentials (REST password, S3 secret, rclone env)
  ssh_key_id TEXT REFERENCES ssh_keys (id),
  known_hosts TEXT,                     -- pinned SSH host key lines; null = trust on first use
  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'ready', 'error')),
  append_only INTEGER,                  -- 1/0 once seen (REST server refuses deletes), null = unknown
  stats TEXT NOT NULL DEFAULT '{}',     -- JSON RepositoryStats, from the last stats job
  lock_state TEXT NOT NULL DEFAULT '{}',-- JSON: the last lock look (holders, when seen)
  last_check_at INTEGER,
  last_check_status TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE plans (
  id TEXT PRIMARY KEY,                  -- pln_<ulid>
  name TEXT NOT NULL UNIQUE,
  repository_id TEXT NOT NULL REFERENCES repositories (id),
  target_host_id TEXT REFERENCES hosts (id) ON DELETE CASCADE,
  target_tag TEXT,                      -- exactly one of target_host_id and target_tag is set
  sources TEXT NOT NULL,                -- JSON array of absolute paths
  excludes TEXT NOT NULL DEFAULT '[]',
  exclude_if_present TEXT NOT NULL DEFAULT '[]',
  one_file_system INTEGER NOT NULL DEFAULT 0,
  compression TEXT,                     -- borg -C spec; null = the tool's default
  tags TEXT NOT NULL DEFAULT '[]',      -- user tags, added to every snapshot
  limits TEXT NOT NULL DEFAULT '{}',    -- JSON {uploadKiB?, downloadKiB?}
  retention TEXT NOT NULL DEFAULT '{}', -- JSON Retention; {} = keep everything
  hooks_sealed TEXT,                    -- JSON {pre?, post?}, sealed; admins only
  enabled INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((target_host_id IS NULL) <> (target_tag IS NULL))
) WITHOUT ROWID;
CREATE INDEX plans_repository ON plans (repository_id);
CREATE INDEX plans_host ON plans (target_host_id);

-- One row per job: one operation of one host on one repository. The job's log and progress
-- history are the agent's reports (agent_reports, by job_id); this row holds the latest state.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,                  -- job_<ulid>, time-sortable
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  plan_id TEXT REFERENCES plans (id) ON DELETE SET NULL,
  kind TEXT NOT NULL,                   -- JobKind
  exclusive INTEGER NOT NULL,           -- 1: no other job may use the repository meanwhile
  status TEXT NOT NULL CHECK (status IN
    ('queued', 'sent', 'running', 'ok', 'warning', 'failed', 'cancelled')),
  options TEXT NOT NULL DEFAULT '{}',   -- JSON, no secret: readDataSubset, snapshotTime…
  trigger TEXT NOT NULL DEFAULT 'manual', -- manual | schedule | api
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  cancel_requested_at INTEGER,
  progress TEXT,                        -- JSON JobProgress, the latest
  command_line TEXT,                    -- redacted, as the agent ran it
  exit_code INTEGER,
  failure_code TEXT,
  message TEXT,                         -- plain-words failure or warning
  tail TEXT,                            -- the tool's last output, redacted
  result TEXT,                          -- JSON: backup summary, stats, locks, test findings
  snapshot_id TEXT,                     -- what a backup made
  log_lines INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX jobs_host ON jobs (host_id, id);
CREATE INDEX jobs_active ON jobs (status, id);
CREATE INDEX jobs_repository ON jobs (repository_id, status);
CREATE INDEX jobs_plan ON jobs (plan_id, id);

-- The snapshots of each repository as the last listing showed them.
CREATE TABLE snapshots (
  repository_id TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  snapshot_id TEXT NOT NULL,            -- restic's full id, or borg's archive name
  short_id TEXT NOT NULL,
  time INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  host_id TEXT,                         -- the Cairn host, from the cairn tags or archive name
  plan_id TEXT,
  paths TEXT NOT NULL DEFAULT '[]',
  tags TEXT NOT NULL DEFAULT '[]',
  size_bytes INTEGER,
  file_count INTEGER,
  refresh_id TEXT NOT NULL,             -- the job whose listing last saw it
  PRIMARY KEY (repository_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX snapshots_host ON snapshots (host_id, time);
CREATE INDEX snapshots_time ON snapshots (repository_id, time);
