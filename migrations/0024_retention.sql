-- Retention (docs/privacy.md "Retention"): how long resolved conversations and past meetings
-- are kept before the daily cron deletes them with everything they hold. Null: kept for good,
-- the default.
CREATE TABLE org_settings (
  singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
  conversation_days  INTEGER CHECK (conversation_days BETWEEN 1 AND 3650),
  meeting_days       INTEGER CHECK (meeting_days BETWEEN 1 AND 3650)
);

-- A service's own period for its conversations, overriding the organisation's; null: the organisation's.
ALTER TABLE services ADD COLUMN retention_days INTEGER CHECK (retention_days BETWEEN 1 AND 3650);

-- When the conversation was last resolved (the time of its resolving status entry), written
-- with its summary; null while it is not resolved. Summaries written before this migration
-- have none: their last activity stands in for it (a resolved conversation's last entry is
-- usually the resolution).
ALTER TABLE conversations ADD COLUMN resolved_at TEXT;
CREATE INDEX conversations_by_resolution ON conversations (status, resolved_at);
