// The product as `npm start` runs it, for tests and benchmarks that talk to it from Node:
// `wrangler dev` on free ports with its own state directory, migrations applied and the demo
// directory seeded. It can be killed hard and started again on the same state (fault suite).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { agentToken, developmentVars, devVars, ensureDevVars } from '../../scripts/dev-env.mjs';

export { agentToken };

export const root = new URL('../..', import.meta.url).pathname;
const wrangler = `${root}node_modules/.bin/wrangler`;
const quiet = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' };

export const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

function runWrangler(args) {
  const r = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8', env: quiet });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

/** The admin token of the development secrets. */
export const adminToken = () => devVars().ADMIN_TOKEN;

/**
 * Starts `wrangler dev` on a fresh state directory `work/state` (migrated and seeded) and
 * answers once /healthz does. `vars` are passed as `--var NAME:value`; the rate limits are off
 * (RATE_LIMITS=off: thousands of requests from one address are the point of the tests and
 * benchmarks) unless `vars` has RATE_LIMITS: 'on'. The returned server
 * can be `kill`ed (SIGKILL to the whole process group: a crash, not a shutdown) and
 * `restart`ed on the same state and port. `config` runs another Worker (a wrangler.toml path,
 * e.g. a benchmark's reference peer) instead of Doorbell, with no database to prepare.
 */
export async function startDevServer({ work, vars = {}, log = () => {}, config = null }) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  ensureDevVars(log);
  const state = `${work}/state`;
  if (!config) {
    log('applying migrations and seeding the demo directory');
    runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state]);
    runWrangler(['d1', 'execute', 'DB', '--local', '--persist-to', state, '--file', 'scripts/demo-directory.sql']);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const varArgs = Object.entries({ ...developmentVars(), PUBLIC_BASE_URL: base, RATE_LIMITS: 'off', ...vars }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  let child = null;
  let output = '';
  let inspector = null;

  const launch = async () => {
    inspector = await freePort();
    log(`starting wrangler dev on ${base}`);
    output = '';
    child = spawn(
      wrangler,
      [...(config ? ['-c', config] : []), 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', state,
        '--show-interactive-dev-session=false', ...varArgs],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: quiet },
    );
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`wrangler dev did not answer /healthz within 60 s:\n${output}`);
  };

  /** Ends the process group we started: SIGTERM for a shutdown, SIGKILL for a crash. */
  const kill = (signal = 'SIGKILL') =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      const done = child;
      const t = setTimeout(() => {
        try {
          process.kill(-done.pid, 'SIGKILL');
        } catch {}
        resolve();
      }, 5000);
      done.once('exit', () => (clearTimeout(t), resolve()));
      try {
        process.kill(-done.pid, signal);
      } catch {
        clearTimeout(t);
        resolve();
      }
    });

  await launch();
  return {
    base,
    port,
    state,
    /** The Chrome DevTools Protocol port of the Worker (benchmarks record CPU profiles). */
    get inspectorPort() {
      return inspector;
    },
    /** The process whose memory benchmarks read: wrangler dev's group leader. */
    get pid() {
      return child?.pid;
    },
    output: () => output,
    kill,
    stop: () => kill('SIGTERM'),
    restart: async () => {
      await kill('SIGKILL');
      await launch();
    },
  };
}
