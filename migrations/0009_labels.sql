-- Labels: the organisation's tags (name, colour) that agents put on conversations. Managed
-- through the admin API; a conversation keeps the ids of its labels in its actor's state, and
-- what they look like is read from here when it is shown, so a renamed or deleted label
-- changes every conversation at once.

CREATE TABLE labels (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 40),
  -- The name as compared for uniqueness (JavaScript's Unicode lower case: SQLite's lower()
  -- folds only ASCII).
  name_key    TEXT NOT NULL UNIQUE,
  color       TEXT NOT NULL CHECK (color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
