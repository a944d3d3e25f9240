// What every browser test file shares (`npm run test:browser` runs test/browser/*.test.mjs):
// the real Worker under `wrangler dev` with its own state directory, a host site on another
// origin, headless Debian Chromium driven by playwright-core, agent tokens and sockets.
// Screenshots go to test-results/screenshots/ (git-ignored).
import { after, before } from 'node:test';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import { chromium } from 'playwright-core';

const root = new URL('../..', import.meta.url).pathname;
process.chdir(root);
const shots = `${root}test-results/screenshots`;
export const log = (msg) => console.log(`[browser] ${msg}`);
const wrangler = `${root}node_modules/.bin/wrangler`;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

let server; // the wrangler dev child
let hostServer;
/** Filled in by useBrowserSuite's `before` hook: the Worker's and the host site's origins, the browser. */
export const suite = { BASE: '', HOST: '', browser: null };

/** The project's own config; development secrets come from .dev.vars, made as `npm start` makes it. */
function testConfig() {
  if (!existsSync('.dev.vars')) copyFileSync('.dev.vars.example', '.dev.vars');
  return 'wrangler.toml';
}

function runWrangler(args) {
  const r = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

async function startServer(work, hostPages) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(shots, { recursive: true });
  const config = testConfig();
  const state = `${work}/state`;
  log('applying migrations and seeding the demo directory');
  runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--config', config, '--persist-to', state]);
  runWrangler(['d1', 'execute', 'DB', '--local', '--config', config, '--persist-to', state, '--file', 'scripts/demo-directory.sql']);
  const [port, hostPort, inspector] = [await freePort(), await freePort(), await freePort()];
  const BASE = (suite.BASE = `http://127.0.0.1:${port}`);
  const HOST = (suite.HOST = `http://127.0.0.1:${hostPort}`);
  log(`starting wrangler dev on ${BASE} (host page on ${HOST})`);
  server = spawn(
    wrangler,
    ['dev', '--config', config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
      '--persist-to', state, '--var', `GUEST_ORIGINS:${HOST}`, '--var', `PUBLIC_BASE_URL:${BASE}`, '--show-interactive-dev-session=false'],
    { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } },
  );
  let output = '';
  server.stdout.on('data', (d) => (output += d));
  server.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    const ok = await fetch(`${BASE}/healthz`).then((r) => r.ok, () => false);
    if (ok) return startHost(hostPort, hostPages(BASE));
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer /healthz within 60 s:\n${output}`);
}

/** The host site: pages on another origin, each file its own. */
function startHost(port, pages) {
  hostServer = createServer((req, res) => {
    const page = pages[new URL(req.url, suite.HOST).pathname];
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  return new Promise((resolve) => hostServer.listen(port, '127.0.0.1', resolve));
}

async function stopAll() {
  await suite.browser?.close().catch(() => {});
  hostServer?.close();
  if (server && server.exitCode === null) {
    // wrangler dev runs workerd as a child: end the whole process group we started.
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {}
    await new Promise((r) => {
      const t = setTimeout(() => {
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {}
        r();
      }, 5000);
      server.once('exit', () => (clearTimeout(t), r()));
    });
  }
  log('servers stopped');
}

export async function agentToken(email) {
  const vars = Object.fromEntries(
    readFileSync(existsSync('.dev.vars') ? '.dev.vars' : '.dev.vars.example', 'utf8')
      .split('\n')
      .map((l) => /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  const toml = readFileSync('wrangler.toml', 'utf8');
  const get = (name) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml)[1];
  return new SignJWT({ email })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(get('AGENT_JWT_ISSUER'))
    .setAudience(get('AGENT_JWT_AUDIENCE'))
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(vars.AGENT_JWT_SECRET));
}

/** An agent's conversation socket from Node, recording frames. */
export function agentSocket(conversationId, token) {
  const ws = new WebSocket(`${suite.BASE.replace('http', 'ws')}/api/conversations/${conversationId}/socket?token=${token}&since=0`);
  const frames = [];
  const waiters = new Set();
  ws.addEventListener('message', (e) => {
    frames.push(JSON.parse(e.data));
    for (const w of waiters) w();
  });
  const waitFor = (match, what) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`agent socket: no ${what} within 10 s`)), 10_000);
      const check = () => {
        const f = frames.find(match);
        if (f) (clearTimeout(t), waiters.delete(check), resolve(f));
      };
      waiters.add(check);
      check();
    });
  return { ws, frames, waitFor, send: (f) => ws.send(JSON.stringify(f)), opened: new Promise((r) => ws.addEventListener('open', r)) };
}

export const shot = (page, name) => page.screenshot({ path: `${shots}/${name}.png` });

const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Debian's Chromium is the browser; a machine without it gets it installed (as root), or is told how. */
function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  if (process.getuid?.() !== 0) throw new Error(`No browser at ${chromiumPath}: run "sudo apt-get install -y chromium" (or set CHROMIUM).`);
  log('chromium is missing: apt-get install -y chromium (once per machine)');
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

/**
 * Registers the file's before/after hooks: a fresh state directory named after the file,
 * migrations and the demo directory, `wrangler dev`, the host site and Chromium.
 * `hostPages(BASE)` maps host-site paths to HTML.
 */
export function useBrowserSuite(name, hostPages = () => ({})) {
  before(async () => {
    ensureChromium();
    await startServer(`${root}test-results/browser/${name}`, hostPages);
    suite.browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  after(stopAll);
  return suite;
}
