-- Inbox views beyond "my conversations" (docs/rules.md "Inbox views"): Unassigned and All
-- open list conversations the agent takes no part in, which their inbox actor never hears
-- of. So each conversation keeps a summary on its directory row, written by its actor's
-- index job (with the search index, in one batch) and ordered by `summary_revision`, so a
-- job run late or twice never puts an older summary back. Rows of conversations that have
-- not changed since this migration have no summary (summary_revision 0) and are in no view
-- until their next change.

ALTER TABLE conversations ADD COLUMN summary_revision INTEGER NOT NULL DEFAULT 0;
-- As agents see them (C3): the same for every agent.
ALTER TABLE conversations ADD COLUMN title TEXT;
ALTER TABLE conversations ADD COLUMN avatar_url TEXT;
ALTER TABLE conversations ADD COLUMN status TEXT CHECK (status IN ('open', 'snoozed', 'resolved'));
ALTER TABLE conversations ADD COLUMN snoozed_until TEXT;
ALTER TABLE conversations ADD COLUMN visibility TEXT CHECK (visibility IN ('public', 'private'));
ALTER TABLE conversations ADD COLUMN service_id TEXT;
ALTER TABLE conversations ADD COLUMN service_slug TEXT;
-- The one agent it is assigned to (C5), or the personal link's agent; null: nobody.
ALTER TABLE conversations ADD COLUMN assignee_id TEXT;
ALTER TABLE conversations ADD COLUMN assignee_slug TEXT;
-- JSON arrays of ids: the agent participants (who may open a private one, C8) and the labels.
ALTER TABLE conversations ADD COLUMN agent_ids TEXT;
ALTER TABLE conversations ADD COLUMN label_ids TEXT;
-- JSON: the inbox row's last message ({text, authorName, authorKind, at, seq}), or null.
ALTER TABLE conversations ADD COLUMN last_message TEXT;
-- ISO instant of the latest timeline entry: views are sorted by it.
ALTER TABLE conversations ADD COLUMN last_activity_at TEXT;

CREATE INDEX conversations_by_activity ON conversations (status, last_activity_at) WHERE summary_revision > 0;
CREATE INDEX conversations_by_service ON conversations (service_id, assignee_id) WHERE summary_revision > 0;
