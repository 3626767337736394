-- Agents: hosts and their enrollment, one-time enrollment tokens, the challenge-response
-- sessions, the command queue to each host and the reports each host sends. Times are Unix ms.

CREATE TABLE hosts (
  id TEXT PRIMARY KEY,                -- hst_<ulid>
  name TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,    -- Ed25519, 32 bytes base64
  box_public_key TEXT NOT NULL,       -- X25519 for sealed secrets, 32 bytes base64
  fingerprint TEXT NOT NULL UNIQUE,   -- SHA-256 of the public key, hex
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'revoked')),
  tags TEXT NOT NULL DEFAULT '[]',    -- JSON array of strings
  facts TEXT NOT NULL DEFAULT '{}',   -- JSON, as the agent last reported them
  lock_ip TEXT,                       -- an address or CIDR the host must connect from
  enrolled_ip TEXT NOT NULL,
  protocol_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  decided_at INTEGER,                 -- approved, rejected or revoked
  decided_by TEXT                     -- user name, or 'token:<id>'
) WITHOUT ROWID;
CREATE INDEX hosts_state ON hosts (state);

-- Contact state, rewritten about every 30 s per host. Kept apart from hosts so that a change
-- capture of hosts sees only real changes; replication may copy this table coarsely.
CREATE TABLE host_contacts (
  host_id TEXT PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
  last_seen_at INTEGER NOT NULL,
  last_ip TEXT NOT NULL,
  clock_skew_ms INTEGER,
  outbox_depth INTEGER NOT NULL DEFAULT 0,
  dropped_logs INTEGER NOT NULL DEFAULT 0,
  last_heartbeat_at INTEGER
) WITHOUT ROWID;

CREATE TABLE enrollment_tokens (
  id TEXT PRIMARY KEY,                -- ent_<ulid>
  token_hash TEXT NOT NULL UNIQUE,    -- SHA-256 of the token, hex; the token is shown once
  name TEXT,                          -- display name for the host it enrolls
  tags TEXT NOT NULL DEFAULT '[]',
  lock_ip TEXT,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by_host TEXT,
  revoked_at INTEGER
) WITHOUT ROWID;

-- Not replicated: a challenge is single-use and lives under a minute on the appliance that made it.
CREATE TABLE agent_challenges (
  nonce TEXT PRIMARY KEY,             -- 32 random bytes, base64
  public_key TEXT NOT NULL,
  ip TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_challenges_expiry ON agent_challenges (expires_at);

-- Not replicated: an agent session belongs to the appliance that issued it.
CREATE TABLE agent_sessions (
  id TEXT PRIMARY KEY,                -- SHA-256 of the session token, hex
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  ip TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_sessions_host ON agent_sessions (host_id);
CREATE INDEX agent_sessions_expiry ON agent_sessions (expires_at);

-- Commands for a host, delivered at least once until the agent acknowledges them (the agent
-- runs each id once). job_id names the job a command starts: reports about that job are
-- accepted from that host only.
CREATE TABLE agent_commands (
  id TEXT PRIMARY KEY,                -- cmd_<ulid>, time-sortable: the delivery order
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  job_id TEXT,
  args TEXT NOT NULL DEFAULT '{}',    -- JSON; secrets in it are sealed to the agent
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  deliveries INTEGER NOT NULL DEFAULT 0,
  acked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX agent_commands_pending ON agent_commands (host_id, acked_at, id);
CREATE INDEX agent_commands_job ON agent_commands (job_id, host_id);

-- Every report an agent sent, stored once by the id the agent made.
CREATE TABLE agent_reports (
  id TEXT PRIMARY KEY,                -- the agent's ULID
  host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  job_id TEXT,
  kind TEXT NOT NULL,
  seq INTEGER NOT NULL,               -- the agent's outbox order
  at INTEGER NOT NULL,                -- agent clock
  body TEXT NOT NULL,                 -- JSON
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX agent_reports_host ON agent_reports (host_id, seq);
CREATE INDEX agent_reports_job ON agent_reports (job_id, seq);
