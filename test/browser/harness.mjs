// What every browser test file shares (`npm run test:browser` runs test/browser/*.test.mjs):
// the real Worker under `wrangler dev` with its own state directory, a host site on another
// origin, headless Debian Chromium driven by playwright-core, agent tokens and sockets.
// Screenshots go to test-results/screenshots/ (git-ignored).
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { agentToken, freePort, startDevServer } from '../support/dev-server.mjs';

export { agentToken };

/** An agent's HTTP call (`email` signs the token); a refusal fails the test. */
export async function agentCall(email, method, path, body) {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${await agentToken(email)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const root = new URL('../..', import.meta.url).pathname;
process.chdir(root);
const shots = `${root}test-results/screenshots`;
export const log = (msg) => console.log(`[browser] ${msg}`);

let server; // the wrangler dev server (test/support/dev-server.mjs)
let hostServer;
/** Filled in by useBrowserSuite's `before` hook: the Worker's and the host site's origins, the browser. */
export const suite = { BASE: '', HOST: '', browser: null };

async function startServer(work, hostPages, vars) {
  mkdirSync(shots, { recursive: true });
  const hostPort = await freePort();
  const HOST = (suite.HOST = `http://127.0.0.1:${hostPort}`);
  server = await startDevServer({ work, vars: { GUEST_ORIGINS: HOST, ...vars }, log });
  suite.BASE = server.base;
  log(`host page on ${HOST}`);
  return startHost(hostPort, hostPages(server.base));
}

/**
 * The host site: pages on another origin, each file its own. A page is its HTML, or
 * `{ body, headers }` for one sent with headers of its own (a Content-Security-Policy).
 */
function startHost(port, pages) {
  hostServer = createServer((req, res) => {
    const page = pages[new URL(req.url, suite.HOST).pathname];
    const { body, headers } = typeof page === 'object' ? page : { body: page, headers: {} };
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body ?? 'not found');
  });
  return new Promise((resolve) => hostServer.listen(port, '127.0.0.1', resolve));
}

async function stopAll() {
  await suite.browser?.close().catch(() => {});
  hostServer?.close();
  await server?.stop();
  log('servers stopped');
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

/**
 * Routes a browser context's WebSockets whose URL matches `pattern` through the test, which
 * can `cut()` them all (close 1006, as a lost network) and refuse new ones until `restore()`.
 */
export async function cuttableSockets(context, pattern) {
  let cut = false;
  const open = [];
  await context.routeWebSocket(pattern, (ws) => {
    if (cut) return ws.close({ code: 1006, reason: 'network lost (test)' });
    ws.connectToServer();
    open.push(ws);
  });
  return {
    cut() {
      cut = true;
      for (const ws of open.splice(0)) ws.close({ code: 1006, reason: 'network lost (test)' });
    },
    restore() {
      cut = false;
    },
  };
}

/**
 * Asserts what the page shows once the state behind it arrived: reads `read()` (a locator's
 * text, attribute, value…) until it equals `expected` (deeply) or matches it (a RegExp), for
 * up to `timeoutMs`, then asserts the last reading. For a reading right after an action whose
 * result comes with a card, a frame or an answer: a single read could see the state before.
 */
export async function expectSoon(read, expected, message, timeoutMs = 10_000) {
  const ok = (value) => (expected instanceof RegExp ? typeof value === 'string' && expected.test(value) : isDeepStrictEqual(value, expected));
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  if (expected instanceof RegExp) assert.match(value, expected, message);
  else assert.deepEqual(value, expected, message);
}

/**
 * The first row of the agent's inbox that `match`es, once there is one: the inbox follows the
 * conversation by about 100 ms (docs/architecture.md, "Inboxes").
 */
export async function inboxItemSoon(token, match, message) {
  let item;
  const read = async () => (item = (await (await fetch(`${suite.BASE}/api/inbox`, { headers: { authorization: `Bearer ${token}` } })).json()).items.find(match));
  await expectSoon(async () => (await read()) !== undefined, true, message);
  return item;
}

/**
 * Clicks the `n`th day with times on a booking page's month grid (those without are
 * aria-disabled) and waits until it is the selected one: until then the list of times may
 * still be the day shown before. Answers the day's date.
 */
export async function chooseDay(page, n) {
  const day = page.locator('.days button.day:not([aria-disabled])').nth(n);
  const date = await day.getAttribute('data-date');
  await day.click();
  await page.locator(`.days td[aria-selected="true"] button[data-date="${date}"]`).waitFor();
  return date;
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
 * `hostPages(BASE)` maps host-site paths to HTML; `vars` are the Worker's, over the dev ones.
 */
export function useBrowserSuite(name, hostPages = () => ({}), vars = {}) {
  before(async () => {
    ensureChromium();
    await startServer(`${root}test-results/browser/${name}`, hostPages, vars);
    suite.browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  });
  after(stopAll);
  return suite;
}

/** A new browser context whose console is signed in as the agent `email` and live; page errors are collected. */
export async function consoleSignedIn(email, viewport = { width: 1280, height: 800 }) {
  const context = await suite.browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken(email));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
  return { context, page, errors };
}

const axeScript = `${root}node_modules/axe-core/axe.min.js`;
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core in the page (WCAG 2.0/2.1 A and AA rules, open shadow roots included) and fails
 * with one line per violation: rule id, impact, the offending elements' selectors, the help text.
 * `context` is an axe context (a selector) to check only part of the page; `disable` lists rule
 * ids to skip, each of which the caller must say why.
 */
export async function expectAccessible(page, { context, disable = [], where = page.url() } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: axeScript });
  const violations = await page.evaluate(
    async ({ context, disable, tags }) => {
      const rules = Object.fromEntries(disable.map((id) => [id, { enabled: false }]));
      const result = await window.axe.run(context ?? document, { runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => `${n.target.flat().join(' >> ')}: ${(n.any[0] ?? n.all[0] ?? n.none[0])?.message ?? ''}`) }));
    },
    { context, disable, tags: wcagTags },
  );
  const lines = violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.targets.join('\n    ')}`);
  if (lines.length) throw new Error(`accessibility violations (${where}):\n${lines.join('\n')}`);
  log(`axe: no WCAG 2 A/AA violations (${where})`);
}

/** A PNG of `width`×`height` pixels: coloured squares, so a picture is recognisable in screenshots. */
export function png(width, height) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * (width * 3 + 1) + 1 + x * 3;
      const square = (Math.floor((x * 8) / width) + Math.floor((y * 4) / height)) % 3;
      raw.set(square === 0 ? [47, 111, 237] : square === 1 ? [255, 196, 0] : [18, 183, 106], i);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
