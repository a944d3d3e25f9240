-- Full-text search over conversations (docs/architecture.md "Search"). The conversation
-- actor is the source of truth; these tables are a copy its `search` jobs keep up to date,
-- so they may lag a message by the job's short delay, never lose or double one.

-- What search filters and checks access on, one row per conversation: written from the
-- actor's state on every search job, so a rename, a move or a change of visibility reaches
-- it with the entries committed together.
CREATE TABLE search_conversations (
  conversation_id TEXT PRIMARY KEY,
  title           TEXT NOT NULL,
  service_slug    TEXT,
  visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
  -- The last seq written to search_entries: the next job starts after it.
  indexed_seq     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX search_conversations_by_service ON search_conversations (service_slug);

-- The agent participants of each conversation: who may open a private one (C8), and the
-- assignee filter.
CREATE TABLE search_participants (
  conversation_id TEXT NOT NULL,
  agent_id        TEXT NOT NULL,
  agent_slug      TEXT NOT NULL,
  PRIMARY KEY (conversation_id, agent_id)
);
CREATE INDEX search_participants_by_agent ON search_participants (agent_id);
CREATE INDEX search_participants_by_slug ON search_participants (agent_slug);

-- One row per timeline entry with text. (conversation_id, seq) is unique, so a job run
-- twice inserts nothing the second time. `agents_only` marks what guests never see (CRM
-- results, agents' notes): such rows may only ever be returned to agents.
CREATE TABLE search_entries (
  id              INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  author_kind     TEXT NOT NULL CHECK (author_kind IN ('guest', 'agent', 'system')),
  author_name     TEXT NOT NULL,
  at              TEXT NOT NULL,
  text            TEXT NOT NULL,
  agents_only     INTEGER NOT NULL DEFAULT 0 CHECK (agents_only IN (0, 1)),
  UNIQUE (conversation_id, seq)
);
CREATE INDEX search_entries_by_at ON search_entries (at);

-- External-content FTS5 index over search_entries.text: the text is stored once (in
-- search_entries) and snippet() can still read it; rowid is search_entries.id. Prefix
-- indexes of 2 and 3 characters keep the quoted prefix terms the API builds cheap.
CREATE VIRTUAL TABLE search_index USING fts5(
  text,
  content = 'search_entries',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

-- Entries are only ever inserted (INSERT OR IGNORE inserts nothing on a repeat, so this
-- does not fire twice) or deleted with their conversation.
CREATE TRIGGER search_entries_indexed AFTER INSERT ON search_entries BEGIN
  INSERT INTO search_index (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER search_entries_unindexed AFTER DELETE ON search_entries BEGIN
  INSERT INTO search_index (search_index, rowid, text) VALUES ('delete', old.id, old.text);
END;
