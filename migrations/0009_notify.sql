-- Notifications (issue 5): channels (ntfy, webhook, email, Gotify, Discord, Slack), Web Push
-- subscriptions per user and device, the appliance's VAPID key pair, and deliveries. The
-- deliveries table is the notifier's queue as well as its log: a delivery is written before any
-- attempt and changed after each one, so a kill -9 loses no pending delivery (at worst one is
-- sent twice). Secrets (tokens, passwords, webhook URLs that carry a token, the VAPID private key)
-- are sealed with the appliance's secret box; only their names are kept in the clear.

CREATE TABLE channels (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('ntfy', 'webhook', 'smtp', 'gotify', 'discord', 'slack')),
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  rules TEXT NOT NULL DEFAULT '[]',         -- JSON array of alert rules; empty = all
  severities TEXT NOT NULL,                 -- JSON array
  events TEXT NOT NULL,                     -- JSON array: opened, resolved
  config TEXT NOT NULL DEFAULT '{}',        -- JSON, the non-secret settings of its kind
  secrets TEXT,                             -- sealed JSON object, or NULL when none is set
  secret_names TEXT NOT NULL DEFAULT '[]',  -- JSON array: which secrets are set
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE push_subscriptions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  endpoint TEXT NOT NULL UNIQUE,            -- a capability URL: never logged or shown whole
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  min_severity TEXT NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('critical', 'warning', 'info')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_success_at INTEGER,
  last_failure TEXT
) WITHOUT ROWID;
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- One row: the key pair every subscription is bound to (its public half is the browser's
-- applicationServerKey), so a standby that takes over can still reach every device.
CREATE TABLE vapid_keys (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  public_key TEXT NOT NULL,                 -- base64url, uncompressed P-256 point
  private_key TEXT NOT NULL,                -- sealed
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,                      -- time-sortable: newest first is id order
  channel_id TEXT REFERENCES channels (id) ON DELETE CASCADE,
  subscription_id TEXT REFERENCES push_subscriptions (id) ON DELETE CASCADE,
  alert_id TEXT,                            -- NULL for a test
  event TEXT NOT NULL CHECK (event IN ('opened', 'resolved', 'test')),
  payload TEXT NOT NULL,                    -- JSON: the alert as it was when the event happened
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'gave_up')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                  -- NULL once sent or given up
  last_status INTEGER,                      -- HTTP status or SMTP reply code of the last attempt
  last_reason TEXT,                         -- a short sentence; never a URL or a body
  created_at INTEGER NOT NULL,
  sent_at INTEGER,
  CHECK ((channel_id IS NULL) <> (subscription_id IS NULL))
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_channel ON deliveries (channel_id, id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
