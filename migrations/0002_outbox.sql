-- The development outbox: with EMAIL_TRANSPORT = "outbox", every email is stored here
-- instead of being sent, and shown at /dev/outbox.

CREATE TABLE outbox (
  id            TEXT PRIMARY KEY,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  from_address  TEXT NOT NULL,                -- JSON {name?, email}
  to_addresses  TEXT NOT NULL,                -- JSON [{name?, email}]
  subject       TEXT NOT NULL,
  text          TEXT NOT NULL,
  html          TEXT NOT NULL,
  raw           TEXT NOT NULL,                -- the MIME message as the send_email binding would get it
  attachments   TEXT NOT NULL DEFAULT '[]'    -- JSON [{filename, contentType, content}]
);
CREATE INDEX outbox_by_time ON outbox (created_at);
