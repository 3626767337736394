-- Snapshot file index (issue 6): what every indexed snapshot contains, for browsing, search and
-- diff without asking the agent. Similar snapshots share almost everything:
--   * names are interned once (index_names) and directories once as (parent, name) nodes
--     (index_dirs; the root is id 0 and has no row);
--   * a directory's listing (its direct children with type, mode, size, mtime, owner, link
--     target) is one packed blob in index_listings, keyed by a hash of its content, so an
--     unchanged directory costs one small row per snapshot (index_snapshot_dirs) whatever its
--     size; that row also holds the directory's item count and recursive size in that snapshot,
--     which change with anything below and so stay out of the shared listing;
--   * index_children says which names occur in which directory in any snapshot: search scans
--     the distinct names (far fewer than entries), then reads only those directories' listings.
-- The packed format is server/snapshot_index/listing_codec.ts; docs/decisions.md has the reasons.
--
-- NOT REPLICATED. These tables are a cache derived from the repositories: a standby that is
-- promoted re-indexes a snapshot the first time it is browsed (the agent lists it again), so a
-- lost index costs minutes of work, never data. Capturing their changes would put a million
-- change-log rows behind every backup of a large host and hold up the replication of the state
-- that cannot be rebuilt (hosts, plans, jobs). The replication engineer must not add change
-- triggers to the tables of this file. Every table still has an explicit primary key.

CREATE TABLE indexed_snapshots (
  seq INTEGER PRIMARY KEY,               -- internal number the other index tables use
  snapshot_id TEXT NOT NULL,             -- Cairn's id of the snapshot
  host_id TEXT NOT NULL,
  repository_id TEXT NOT NULL,
  tool TEXT NOT NULL CHECK (tool IN ('restic', 'borg')),
  tool_snapshot_id TEXT NOT NULL,        -- restic snapshot id or borg archive name
  snapshot_time INTEGER NOT NULL,
  -- loading: being written, invisible; ready: served; dropping: being removed, invisible.
  -- A re-index writes a new seq and swaps it in, so readers see the old or the new, never half.
  state TEXT NOT NULL CHECK (state IN ('loading', 'ready', 'dropping')),
  entry_count INTEGER NOT NULL DEFAULT 0,
  dir_count INTEGER NOT NULL DEFAULT 0,
  total_size INTEGER NOT NULL DEFAULT 0,  -- sum of the sizes of all non-directory entries
  skipped_lines INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  indexed_at INTEGER
);
CREATE UNIQUE INDEX indexed_snapshots_ready ON indexed_snapshots (snapshot_id)
  WHERE state = 'ready';
CREATE INDEX indexed_snapshots_host ON indexed_snapshots (host_id, snapshot_time);

CREATE TABLE index_names (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE index_dirs (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER NOT NULL,
  name_id INTEGER NOT NULL,
  UNIQUE (parent_id, name_id)
);

CREATE TABLE index_children (
  name_id INTEGER NOT NULL,
  dir_id INTEGER NOT NULL,
  PRIMARY KEY (name_id, dir_id)
) WITHOUT ROWID;

CREATE TABLE index_listings (
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,             -- 16 bytes of SHA-256 over the listing's content
  entry_count INTEGER NOT NULL,
  data BLOB NOT NULL
);

CREATE TABLE index_snapshot_dirs (
  snapshot_seq INTEGER NOT NULL,
  dir_id INTEGER NOT NULL,
  listing_id INTEGER NOT NULL,
  item_count INTEGER NOT NULL,            -- direct children
  total_size INTEGER NOT NULL,            -- bytes of every non-directory entry under it
  PRIMARY KEY (snapshot_seq, dir_id)
) WITHOUT ROWID;
CREATE INDEX index_snapshot_dirs_dir ON index_snapshot_dirs (dir_id, listing_id);
CREATE INDEX index_snapshot_dirs_listing ON index_snapshot_dirs (listing_id);
