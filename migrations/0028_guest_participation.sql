-- Every conversation a guest took part in (docs/privacy.md): `conversations.guest_id` names
-- only the guest who started one, so a guest who joined by an invite link is recorded here,
-- by the conversation actor before it adds them. Export and erasure read both. Guests who
-- joined before this migration are not listed (their conversations' actors hold them, and
-- nothing in the directory says which ones): see docs/privacy.md "What is not erased".
CREATE TABLE conversation_guests (
  guest_id        TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  PRIMARY KEY (guest_id, conversation_id)
);
CREATE INDEX conversation_guests_by_conversation ON conversation_guests (conversation_id);

-- A guest's own export sent by email (docs/privacy.md "The guest themself"): when the last
-- one was sent, so that at most one goes out per guest per hour.
CREATE TABLE guest_export_emails (
  guest_id TEXT PRIMARY KEY,
  sent_at  INTEGER NOT NULL
);
