-- Each agent's availability as guests see it (docs/rules.md "Availability"). The agent's
-- InboxActor is the source of truth (its open console sockets and the state the agent chose);
-- it writes its effective availability here when it changes and refreshes `updated_at` while
-- it is not offline, so a public card reads one query and a row left 'online' by an object
-- that died without closing its sockets goes stale (read as offline) instead of lying.
CREATE TABLE agent_presence (
  -- No foreign key: an inbox writing for an agent deleted meanwhile must not fail its job forever.
  agent_id     TEXT PRIMARY KEY,
  availability TEXT NOT NULL CHECK (availability IN ('online', 'away', 'offline')),
  -- ms since the epoch.
  updated_at   INTEGER NOT NULL
);
