-- Identified visitors (docs/widget.md "Identified visitors").
-- A service's HS256 secret for its site's user tokens. HMAC verification needs the secret
-- itself, so it is stored as given out (never logged, never answered again after creation),
-- in a table of its own so that no `SELECT * FROM services` can carry it anywhere.
CREATE TABLE identity_secrets (
  service_id  TEXT PRIMARY KEY REFERENCES services (id) ON DELETE CASCADE,
  secret      TEXT NOT NULL CHECK (length(secret) >= 32),
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A guest who came with a verified user token: `identity_scope` is whose keys signed it
-- (`service:<id>` for a service's secret, `organisation` for IDENTITY_JWKS_URL) and
-- `external_id` the token's `sub`. One guest per (scope, sub), so the same user is the same
-- guest on every device; anonymous guests have neither.
ALTER TABLE guests ADD COLUMN identity_scope TEXT;
ALTER TABLE guests ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX guests_by_identity ON guests (identity_scope, external_id) WHERE external_id IS NOT NULL;
