-- Foundation: accounts, sessions, API tokens, the audit log, settings and lockout counters.
-- Every table has an explicit primary key and no rowid tricks, so the change capture of the
-- standby replication can name any row by its key. Times are Unix milliseconds.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  last_login_at INTEGER
) WITHOUT ROWID;

-- Not replicated: a session belongs to the appliance that issued it.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,             -- SHA-256 of the cookie value, hex
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,  -- SHA-256 of the token, hex
  prefix TEXT NOT NULL,             -- the first characters, to recognise a token in a list
  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  created_by TEXT NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at INTEGER
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,              -- time-sortable id
  at INTEGER NOT NULL,
  actor_type TEXT NOT NULL,         -- user, token, system, agent
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  ip TEXT,
  details TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,              -- JSON
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Not replicated: lockout counters are local to the appliance that saw the failures.
CREATE TABLE auth_failures (
  key TEXT PRIMARY KEY,             -- 'user:<name>' or 'ip:<address>'
  failures INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  locked_until INTEGER
) WITHOUT ROWID;
