// `npm start`: development secrets, local D1 migrations, the demo directory, then wrangler dev.
import { spawnSync, spawn } from 'node:child_process';
import { ensureDevVars } from './dev-env.mjs';

const port = process.env.PORT ?? '8787';
const step = (label) => console.log(`\n[doorbell] ${label}`);
const run = (args) => {
  const result = spawnSync('wrangler', args, { stdio: 'inherit', env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

ensureDevVars((what) => step(what));
step('1/3 applying D1 migrations to the local database');
run(['d1', 'migrations', 'apply', 'DB', '--local']);
step('2/3 seeding the demo directory (alice, bob, carol; sales, support, billing)');
run(['d1', 'execute', 'DB', '--local', '--file', 'scripts/demo-directory.sql']);
step(`3/3 serving on http://127.0.0.1:${port} (agent tokens: npm run token -- alice)`);
const dev = spawn('wrangler', ['dev', '--ip', '127.0.0.1', '--port', port, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => process.exit(code ?? 0));
