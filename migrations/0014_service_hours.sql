-- Business hours per service (docs/rules.md "Business hours"): JSON {timeZone, weeklyHours,
-- holidays}; null is always open.
ALTER TABLE services ADD COLUMN hours TEXT;

-- "Usually replies in" (docs/rules.md "First response"): when a conversation's first guest
-- message came and when the first agent message after it did (epoch ms). The conversation
-- actor writes them with the summary it writes anyway, so they cost no write of their own.
ALTER TABLE conversations ADD COLUMN first_asked_at INTEGER;
ALTER TABLE conversations ADD COLUMN first_answered_at INTEGER;
CREATE INDEX conversations_first_answers ON conversations (service_id, first_answered_at) WHERE first_answered_at IS NOT NULL;
