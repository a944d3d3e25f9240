// `npm start`: development secrets, local D1 migrations, the demo directory, then wrangler dev.
// PORT (default 8787) is the port served and the one in every link (devBaseUrl).
// `npm start -- --empty --persist-to DIR` leaves the demo directory out: a deployment to restore a backup into (docs/backups.md).
import { spawnSync, spawn } from 'node:child_process';
import { devBaseUrl, ensureDevVars } from './dev-env.mjs';

const port = process.env.PORT ?? '8787';
const empty = process.argv.includes('--empty');
const extra = process.argv.slice(2).filter((arg) => arg !== '--empty');
// `npm start -- --persist-to DIR` serves another state directory: migrate and seed that one.
const persist = extra.flatMap((arg, i) =>
  arg === '--persist-to' ? [arg, extra[i + 1]] : arg.startsWith('--persist-to=') ? [arg] : [],
);
const step = (label) => console.log(`\n[doorbell] ${label}`);
const run = (args) => {
  const result = spawnSync('wrangler', args, { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

ensureDevVars((what) => step(what));
const base = devBaseUrl(port);
step('1/3 applying D1 migrations to the local database');
run(['d1', 'migrations', 'apply', 'DB', '--local', ...persist]);
if (empty) step('2/3 no demo directory (--empty)');
else {
  step('2/3 seeding the demo directory (alice, bob, carol; sales, support, billing)');
  run(['d1', 'execute', 'DB', '--local', ...persist, '--file', 'scripts/demo-directory.sql']);
}
step(`3/3 serving on http://127.0.0.1:${port}, links to ${base} (agent tokens: npm run token -- alice)`);
const dev = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', port, '--var', `PUBLIC_BASE_URL:${base}`, ...extra], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
