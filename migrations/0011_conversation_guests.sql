-- Who started each conversation, so an agent sees a guest's other conversations (docs/rules.md,
-- "What agents know about the guest"). Written with the row by the conversation actor; rows
-- recorded before this migration have none and are not listed.

ALTER TABLE conversations ADD COLUMN guest_id TEXT;
CREATE INDEX conversations_by_guest ON conversations (guest_id, created_at);
