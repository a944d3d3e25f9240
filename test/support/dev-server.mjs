// The product as `npm start` runs it, for tests and benchmarks that talk to it from Node:
// `wrangler dev` on free ports with its own state directory, migrations applied and the demo
// directory seeded. It can be killed hard and started again on the same state (fault suite).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

/**
 * A state directory with the migrations applied and the demo directory seeded, made once for
 * each content of what goes into it and then copied: the two `wrangler d1` runs take about 8 s,
 * a copy a few milliseconds, and every server still starts from a fresh state of its own.
 * Made under a temporary name and renamed, so files of a suite running at once never see
 * half of one.
 */
function seededState(seeded = true) {
  const hash = createHash('sha256');
  for (const f of readdirSync(`${root}migrations`).sort()) hash.update(f).update(readFileSync(`${root}migrations/${f}`));
  for (const f of ['scripts/demo-directory.sql', 'wrangler.toml', 'node_modules/wrangler/package.json']) hash.update(readFileSync(`${root}${f}`));
  const dir = `${root}test-results/seeded-state/${hash.digest('hex').slice(0, 16)}${seeded ? '' : '-empty'}`;
  if (existsSync(dir)) return dir;
  const making = `${dir}.${process.pid}`;
  rmSync(making, { recursive: true, force: true });
  runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', making]);
  if (seeded) runWrangler(['d1', 'execute', 'DB', '--local', '--persist-to', making, '--file', 'scripts/demo-directory.sql']);
  try {
    renameSync(making, dir);
  } catch (e) {
    // Another process made it meanwhile: theirs is the same.
    rmSync(making, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
  return dir;
}

/** The admin token of the development secrets. */
export const adminToken = () => devVars().ADMIN_TOKEN;

/**
 * Starts `wrangler dev` on a fresh state directory `work/state` (migrated and seeded: a copy of
 * seededState()) and
 * answers once /healthz does. `vars` are passed as `--var NAME:value`; the rate limits are off
 * (RATE_LIMITS=off: thousands of requests from one address are the point of the tests and
 * benchmarks) unless `vars` has RATE_LIMITS: 'on'. The returned server
 * can be `kill`ed (SIGKILL to the whole process group: a crash, not a shutdown) and
 * `restart`ed on the same state and port. `config` runs another Worker (a wrangler.toml path,
 * e.g. a benchmark's reference peer) instead of Doorbell, with no database to prepare.
 * `seeded: false` leaves the demo directory out (migrations only: an empty deployment).
 */
export async function startDevServer({ work, vars = {}, log = () => {}, config = null, seeded = true }) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  ensureDevVars(log);
  const state = `${work}/state`;
  if (!config) {
    log('copying the migrated and seeded state');
    cpSync(seededState(seeded), state, { recursive: true });
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
