-- Whether a resolved conversation of the service emails its guests a transcript (docs/rules.md,
-- "Transcript and rating"). Off unless an admin turns it on: the guest did not ask for it.

ALTER TABLE services ADD COLUMN transcripts INTEGER NOT NULL DEFAULT 0;
