-- Restores of a backup (docs/backups.md): one row per backup being restored. Its pages are
-- accepted while it runs (finished_at null), so a restore cut off half-way can be run again
-- from the start into the directory it already half filled; once finished, no more pages.
-- Not itself part of any backup.
CREATE TABLE backup_restores (
  backup_id   TEXT PRIMARY KEY,
  started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT
);
