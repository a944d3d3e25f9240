-- Outbound webhooks: the endpoints site owners register (admin API). Each endpoint's queue
-- and delivery log live in its own Durable Object (WebhookActor, keyed by the endpoint id);
-- this table is what the emitters read to know whom to tell, and what the actor reads to
-- know where to send and with which secret.

CREATE TABLE webhook_endpoints (
  id              TEXT PRIMARY KEY,
  url             TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
  description     TEXT,
  -- JSON array of event types, e.g. ["message.created","meeting.booked"].
  events          TEXT NOT NULL,
  -- The HMAC key of the signatures; shown once, at creation.
  secret          TEXT NOT NULL,
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  -- Why it is disabled: 'admin', or the automatic rule ('failing').
  disabled_reason TEXT,
  disabled_at     TEXT,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- "Which endpoints want this event", asked on every event.
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (enabled);
