-- Per service, the sites allowed to embed its widget (origins such as https://shop.example.com):
-- their pages get CORS on the API and may start and follow the service's guest conversations.
-- GUEST_ORIGINS (a var) stays the organisation-wide list, good for every service and agent.

CREATE TABLE embed_origins (
  service_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  origin      TEXT NOT NULL CHECK (length(origin) BETWEEN 8 AND 300),
  PRIMARY KEY (service_id, origin)
);
-- "Does any service let this site embed it" (CORS), asked on cross-site requests.
CREATE INDEX embed_origins_by_origin ON embed_origins (origin);
