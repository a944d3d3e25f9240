-- The addresses of guests who followed the unsubscribe link of a continuity digest
-- (docs/email-continuity.md "Unsubscribing"): no digest of any conversation is emailed to
-- them any more, whichever guest record they come back as. Agents turn the same emails off
-- with their inbox setting emailWhenOffline, which the link sets.
CREATE TABLE digest_unsubscribes (
  email             TEXT PRIMARY KEY COLLATE NOCASE,
  unsubscribed_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The extra headers of an outbox email (List-Unsubscribe, Auto-Submitted…), as the provider gets them.
ALTER TABLE outbox ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';  -- JSON {name: value}
