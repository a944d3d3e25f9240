-- Which conversations exist, so the Worker answers 404 for any other id without asking (and so
-- creating) a Durable Object. Written by the conversation actor before it creates itself; a
-- conversation is never deleted, so a row is never removed.

CREATE TABLE conversations (
  id          TEXT PRIMARY KEY CHECK (id GLOB 'cv_*'),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
