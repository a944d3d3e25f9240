-- The demo directory that `npm start` seeds and the tests rely on. Idempotent.
INSERT OR IGNORE INTO agents (id, slug, name, email, avatar_url, license, time_zone) VALUES
  ('ag_demoAlice00000001', 'alice', 'Alice Martin', 'alice@doorbell.example', '/avatars/alice.svg', 'standard', 'Europe/Paris'),
  ('ag_demoBob0000000001', 'bob',   'Bob Stone',    'bob@doorbell.example',   '/avatars/bob.svg',   'basic',    'America/New_York'),
  ('ag_demoCarol00000001', 'carol', 'Carol Diaz',   'carol@doorbell.example', '/avatars/carol.svg', 'premium',  'Asia/Tokyo');

INSERT OR IGNORE INTO services (id, slug, name, avatar_url) VALUES
  ('sv_demoSales00000001',   'sales',   'Sales',   '/avatars/sales.svg'),
  ('sv_demoSupport000001',   'support', 'Support', '/avatars/support.svg'),
  ('sv_demoBilling000001',   'billing', 'Billing', '/avatars/billing.svg');

INSERT OR IGNORE INTO memberships (service_id, agent_id) VALUES
  ('sv_demoSales00000001', 'ag_demoAlice00000001'),
  ('sv_demoSales00000001', 'ag_demoBob0000000001'),
  ('sv_demoSales00000001', 'ag_demoCarol00000001'),
  ('sv_demoSupport000001', 'ag_demoCarol00000001'),
  ('sv_demoBilling000001', 'ag_demoBob0000000001');
