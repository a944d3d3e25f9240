-- The audit log (docs/privacy.md "Audit log"): one row per change an admin or an agent made
-- through the API, written after the change and before its answer. `seq` orders the log and
-- is the pages' cursor; before/after are the item as the API shows it, secrets redacted.
CREATE TABLE audit_log (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  actor_kind   TEXT NOT NULL,   -- admin | agent
  actor_id     TEXT NOT NULL,   -- 'admin', or the agent's id
  entity       TEXT NOT NULL,   -- agent, service, membership, webhook, label…
  entity_id    TEXT NOT NULL,
  action       TEXT NOT NULL,   -- create | update | delete, or the operation's own verb
  route        TEXT NOT NULL,   -- METHOD /path/pattern
  request_id   TEXT NOT NULL,   -- the x-request-id of the call, to find its log line
  before       TEXT,            -- JSON, null for a create
  after        TEXT             -- JSON, null for a delete
);
CREATE INDEX audit_log_entity ON audit_log (entity, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
