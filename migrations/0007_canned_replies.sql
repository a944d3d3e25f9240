-- Canned replies: texts an agent inserts by typing /shortcut in the console's composer.
-- The organisation's (owner_id NULL, managed through the admin API) are offered to every
-- agent; an agent's personal ones (owner_id = the agent) only to that agent.

CREATE TABLE canned_replies (
  id          TEXT PRIMARY KEY,
  owner_id    TEXT REFERENCES agents (id) ON DELETE CASCADE,
  shortcut    TEXT NOT NULL CHECK (length(shortcut) BETWEEN 1 AND 32),
  text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- One shortcut per owner. NULLs are distinct in a UNIQUE index, so the organisation is keyed
-- as ''; the index also answers "this owner's replies" (the list and the per-owner count).
CREATE UNIQUE INDEX canned_replies_by_owner ON canned_replies (coalesce(owner_id, ''), shortcut);
