-- Erasing a guest (docs/privacy.md "Erasing a guest"). The guest row stays, renamed "Deleted
-- guest" with no email, so the ids other records hold still resolve; `erased_at` makes every
-- guest token of it refused from then on.
ALTER TABLE guests ADD COLUMN erased_at TEXT;

-- One erasure per guest: asking again answers the same one. The work is one step per actor
-- holding the guest's data (each conversation they started, each agent's calendar), run one
-- after the other as jobs of those actors; `done` is set by the step's own job.
CREATE TABLE erasures (
  id           TEXT PRIMARY KEY,
  guest_id     TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT
);

CREATE TABLE erasure_steps (
  erasure_id TEXT NOT NULL REFERENCES erasures (id) ON DELETE CASCADE,
  -- `conversation:<id>` or `calendar:<agent id>`.
  target     TEXT NOT NULL,
  done       INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
  PRIMARY KEY (erasure_id, target)
);
CREATE INDEX erasure_steps_pending ON erasure_steps (erasure_id) WHERE done = 0;

-- The organisation's privacy settings (docs/privacy.md): whether agents, and not only admins,
-- may export a guest. One row, made on the first change; none means the defaults.
CREATE TABLE privacy_settings (
  singleton         INTEGER PRIMARY KEY CHECK (singleton = 1),
  agents_may_export INTEGER NOT NULL DEFAULT 0 CHECK (agents_may_export IN (0, 1))
);
