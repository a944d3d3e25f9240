-- The directory: agents, services and their members, guests and the phonebook.
-- Ids are opaque text (prefix + random); slugs are the human names used in links.

CREATE TABLE agents (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  email       TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (email LIKE '%_@_%'),
  avatar_url  TEXT,
  license     TEXT NOT NULL CHECK (license IN ('basic', 'standard', 'premium')),
  time_zone   TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE services (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  avatar_url  TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE memberships (
  service_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  agent_id    TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (service_id, agent_id)
);
-- "Which services is this agent in" (the primary key serves the other direction).
CREATE INDEX memberships_by_agent ON memberships (agent_id);

CREATE TABLE guests (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  email       TEXT COLLATE NOCASE CHECK (email IS NULL OR email LIKE '%_@_%'),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX guests_by_email ON guests (email) WHERE email IS NOT NULL;

-- The organisation's phonebook. A contact may come from a guest; email and phone are each
-- unique so that duplicates are merged rather than stored twice.
CREATE TABLE contacts (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  email       TEXT UNIQUE COLLATE NOCASE CHECK (email IS NULL OR email LIKE '%_@_%'),
  phone       TEXT UNIQUE,
  company     TEXT,
  notes       TEXT,
  guest_id    TEXT REFERENCES guests (id) ON DELETE SET NULL,
  created_by  TEXT REFERENCES agents (id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE INDEX contacts_by_guest ON contacts (guest_id) WHERE guest_id IS NOT NULL;
CREATE INDEX contacts_by_name ON contacts (name COLLATE NOCASE);
