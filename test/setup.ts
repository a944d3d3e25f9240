import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Storage is isolated per test file: every file starts from the migrated schema and the
// demo directory that `npm start` seeds.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
const statements = env.TEST_DEMO_DIRECTORY.split(';')
  .map((sql) => sql.replace(/^\s*--.*$/gm, '').trim())
  .filter(Boolean);
await env.DB.batch(statements.map((sql) => env.DB.prepare(sql)));

// The Worker's JSON log lines (src/actor/log.ts: one per request and per job) go nowhere in the
// suite: sent to vitest they would bury what tests print, and a burst of them as a file ends can
// outlast the worker's RPC (EnvironmentTeardownError: "Closing rpc while onUserConsoleLog was
// pending"). test/api/logs.test.ts reads them through its own spy, which replaces this.
const print = console.log.bind(console);
console.log = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('{"type":"')) return;
  print(...args);
};
