-- Standby replication (issue 7): the change log the primary's capture triggers write, the
-- appliance's own replication state, its epoch history and one-time pairing codes.
--
-- The capture triggers themselves are not in any migration: they are built from the live schema
-- after migrations run (server/replication/capture.ts), so a table added by a later migration is
-- captured without anyone remembering to list it. None of the tables below is replicated
-- (server/replication/tables.ts says why for each).

-- One row per change on the primary, written by the capture triggers in the same transaction as
-- the change, or one row per migration the primary applied (op 'migration': tbl is the file
-- name, row_image its SQL). position is never reused (AUTOINCREMENT), so a standby can ask for
-- "everything after N" and find a gap when rows were trimmed.
CREATE TABLE replication_log (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'migration')),
  tbl TEXT NOT NULL,
  pk TEXT,                          -- JSON object of the primary key columns (rows only)
  row_image TEXT,                   -- JSON object of every column after the change; SQL (migration)
  at INTEGER NOT NULL               -- Unix ms of the change (the primary's clock)
);

-- The appliance's role, as one row. A primary has a paired standby (peer_*) once pairing ran; a
-- standby names its primary. applied_position is what a standby applied (in the same
-- transaction as the batch); acked_position is what the primary's standby acknowledged.
CREATE TABLE replication_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  role TEXT NOT NULL CHECK (role IN ('primary', 'standby')),
  epoch INTEGER NOT NULL,
  primary_url TEXT,
  peer_id TEXT,                     -- the paired appliance's id
  peer_key TEXT,                    -- its Ed25519 public key, base64
  peer_url TEXT,                    -- where it answers (a standby tells the primary at pairing)
  paired_at INTEGER,
  applied_position INTEGER NOT NULL DEFAULT 0,
  applied_change_at INTEGER,        -- the primary's time of the last applied change
  applied_at INTEGER,               -- when this appliance applied it
  acked_position INTEGER NOT NULL DEFAULT 0,
  acked_at INTEGER,
  bootstrapped_at INTEGER,
  last_error TEXT,
  migrations_logged TEXT NOT NULL DEFAULT '[]', -- JSON names the log carried (a primary)
  -- 1 only inside the applier's own write transaction: a standby's guard triggers let through
  -- the writes made while it is 1 and silently drop every other write to a replicated table.
  applying INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
INSERT INTO replication_state (id, role, epoch, updated_at) VALUES (1, 'primary', 1, 0);

-- Each epoch and the last log position of the epoch before it: a former primary may follow the
-- new one without a new bootstrap only when its own log ended exactly there.
CREATE TABLE replication_epochs (
  epoch INTEGER PRIMARY KEY,
  after_position INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  appliance_id TEXT NOT NULL
);

CREATE TABLE replication_pairing_codes (
  id TEXT PRIMARY KEY,              -- rpc_<ulid>
  code_hash TEXT NOT NULL UNIQUE,   -- SHA-256 of the code, hex; the code is shown once
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
