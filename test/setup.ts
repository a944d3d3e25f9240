import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Storage is isolated per test file: every file starts from the migrated schema and the
// demo directory that `npm start` seeds.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const statements = env.TEST_DEMO_DIRECTORY.split(';')
  .map((sql) => sql.replace(/^\s*--.*$/gm, '').trim())
  .filter(Boolean);
await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));
