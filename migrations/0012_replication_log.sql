-- Standby replication: the change log's position becomes the plain rowid (INTEGER PRIMARY KEY
-- without AUTOINCREMENT). AUTOINCREMENT rewrote its counter row in sqlite_sequence for every
-- captured change, a second write per change on the primary's hottest path.
--
-- Positions must still never go back. The newest entry is never trimmed, so the highest rowid
-- is always the last position handed out; a log emptied on purpose (a promoted standby
-- continuing its primary's numbering) keeps one 'mark' row at that position. Marks are never
-- sent to a standby; one that is the oldest row says the entries up to it are gone.
--
-- Runs with the capture triggers dropped (they are built again after migrations).
CREATE TABLE replication_log_v2 (
  position INTEGER PRIMARY KEY,
  op TEXT NOT NULL,                 -- insert, update, delete, migration, mark (no CHECK: it
                                    -- cost a tenth of a bulk write's throughput, and only
                                    -- Cairn's triggers and code write here)
  tbl TEXT NOT NULL,
  pk TEXT,                          -- JSON object of the primary key columns (rows only)
  row_image TEXT,                   -- JSON array: schema tag, then every column; or an object
                                    -- by name (wide tables, and entries from before this file);
                                    -- SQL (migration)
  at INTEGER NOT NULL               -- Unix ms of the change (the primary's clock)
);
INSERT INTO replication_log_v2 (position, op, tbl, pk, row_image, at)
  SELECT position, op, tbl, pk, row_image, at FROM replication_log;
-- The last position handed out, when the trimmed log no longer holds it.
INSERT INTO replication_log_v2 (position, op, tbl, pk, row_image, at)
  SELECT seq, 'mark', '', NULL, NULL, 0 FROM sqlite_sequence
  WHERE name = 'replication_log'
    AND seq > (SELECT coalesce(max(position), 0) FROM replication_log);
DROP TABLE replication_log;
ALTER TABLE replication_log_v2 RENAME TO replication_log;
