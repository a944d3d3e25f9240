// Browser tests (`npm run test:browser`): the real Worker under `wrangler dev`, a host page on
// another origin embedding the widget, and headless Chromium driven by playwright-core.
// Screenshots go to test-results/screenshots/ (git-ignored).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { chromium } from 'playwright-core';

const root = new URL('../..', import.meta.url).pathname;
process.chdir(root);
const work = `${root}test-results/browser`;
const shots = `${root}test-results/screenshots`;
const log = (msg) => console.log(`[browser] ${msg}`);
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
let browser;
let BASE;
let HOST;

/** The project's own config; development secrets come from .dev.vars, made as `npm start` makes it. */
function testConfig() {
  if (!existsSync('.dev.vars')) copyFileSync('.dev.vars.example', '.dev.vars');
  return 'wrangler.toml';
}

function runWrangler(args) {
  const r = spawnSync(wrangler, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' } });
  if (r.status !== 0) throw new Error(`wrangler ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

async function startServer() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(shots, { recursive: true });
  const config = testConfig();
  const state = `${work}/state`;
  log('applying migrations and seeding the demo directory');
  runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--config', config, '--persist-to', state]);
  runWrangler(['d1', 'execute', 'DB', '--local', '--config', config, '--persist-to', state, '--file', 'scripts/demo-directory.sql']);
  const [port, hostPort, inspector] = [await freePort(), await freePort(), await freePort()];
  BASE = `http://127.0.0.1:${port}`;
  HOST = `http://127.0.0.1:${hostPort}`;
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
    if (ok) return startHost(hostPort);
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer /healthz within 60 s:\n${output}`);
}

// The host site: pages with aggressive CSS of their own, on another origin.
const HOST_CSS = `
* { font-family: "Comic Sans MS", cursive !important; color: rgb(200, 0, 0) !important; letter-spacing: 2px !important; }
button { background: rgb(0, 128, 0) !important; border-radius: 0 !important; padding: 40px !important; }
div, li, p, ol, section, header, form { margin: 33px !important; font-size: 30px !important; }
doorbell-widget { display: none !important; }
.db, .db-msg, .l, .p { background: yellow !important; }
`;
const hostPage = (css, tag) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
${css ? `<style>${css}</style>` : ''}</head><body>
<h1 class="host-title">Acme shop</h1><button class="host-btn" type="button">Buy now</button>
<p class="db-msg host-p">A paragraph of the host page that reuses a widget class name.</p>
${tag}</body></html>`;

function startHost(port) {
  const tag = (attrs) => `<script src="${BASE}/widget.js" ${attrs} async></script>`;
  const pages = {
    '/shop.html': hostPage(HOST_CSS, tag('data-service="sales" data-color="#0a7d5a" data-greeting="Hello from Acme Sales!"')),
    '/plain-widget.html': hostPage('', tag('data-service="sales" data-color="#0a7d5a" data-greeting="Hello from Acme Sales!"')),
    '/shop-no-widget.html': hostPage(HOST_CSS, ''),
    '/fr.html': hostPage('', tag('data-agent="alice" data-lang="fr" data-position="left"')),
  };
  hostServer = createServer((req, res) => {
    const page = pages[new URL(req.url, HOST).pathname];
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not found');
  });
  return new Promise((resolve) => hostServer.listen(port, '127.0.0.1', resolve));
}

async function stopAll() {
  await browser?.close().catch(() => {});
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

async function agentToken(email) {
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
function agentSocket(conversationId, token) {
  const ws = new WebSocket(`${BASE.replace('http', 'ws')}/api/conversations/${conversationId}/socket?token=${token}&since=0`);
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

const shot = (page, name) => page.screenshot({ path: `${shots}/${name}.png` });

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

before(async () => {
  ensureChromium();
  await startServer();
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
});
after(stopAll);

test('widget.js stays under 20 KB gzipped', () => {
  const size = gzipSync(readFileSync('static/widget.js')).length;
  log(`widget.js: ${readFileSync('static/widget.js').length} bytes, ${size} gzipped`);
  assert.ok(size < 20 * 1024, `widget.js is ${size} bytes gzipped`);
});

test('the guest page, the contact-me page and the meet link are served', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/u/alice`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Book a meeting' }).getAttribute('href'), '/u/alice/meet');
  assert.match(await page.locator('img.avatar').getAttribute('src'), /\/avatars\/alice\.svg$/);
  await shot(page, 'contact-me-alice');
  await page.getByRole('button', { name: 'Start a conversation' }).click();
  await page.getByLabel('Your name').fill('Bo Chen');
  await page.getByLabel('Message').last().fill('Hello Alice, from your contact page');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'from your contact page' }).waitFor();
  assert.equal(await page.locator('.db-title').textContent(), 'Alice Martin');
  log('contact-me page: conversation started with Alice');
  await page.reload();
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'from your contact page' }).waitFor();
  assert.ok(await page.getByLabel('Your name').isHidden(), 'a returning guest is not asked their name again');
  await shot(page, 'contact-me-alice-chat');

  await page.goto(`${BASE}/u/alice/meet`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  await page.goto(`${BASE}/s/nobody-here`);
  await page.getByText('This page does not exist.').waitFor();

  await page.goto(`${BASE}/s/support`);
  await page.locator('.db-title', { hasText: 'Support' }).waitFor();
  await page.getByLabel('Message').last().fill('Need help');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'Need help' }).waitFor();
  await page.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });
  await shot(page, 'service-page-support');
  log('service page: a returning guest writes to Support without giving their name again');
  await context.close();
});

test('a guest chats through the widget on another site; Alice answers live; history survives a reload', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  let drop = false;
  const routed = [];
  await context.routeWebSocket(/\/socket/, (ws) => {
    if (drop) return ws.close({ code: 1006, reason: 'network lost (test)' });
    ws.connectToServer();
    routed.push(ws);
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${HOST}/shop.html`);
  const launcher = page.locator('doorbell-widget .l');
  await launcher.waitFor();
  await launcher.click();
  await page.locator('doorbell-widget .db-hello', { hasText: 'Hello from Acme Sales!' }).waitFor();
  await page.locator('doorbell-widget').getByLabel('Your name').fill('Ann Lee');
  await page.locator('doorbell-widget').getByLabel('Email (optional)').fill('ann.lee@example.com');
  const text = `Hi, pricing? ${Date.now()}`;
  await page.locator('doorbell-widget textarea').fill(text);
  await page.locator('doorbell-widget textarea').press('Enter');
  await page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log('guest sent a message through the widget');

  // Alice sees it in her inbox and on the conversation socket.
  const alice = await agentToken('alice@doorbell.example');
  const inbox = await (await fetch(`${BASE}/api/inbox`, { headers: { authorization: `Bearer ${alice}` } })).json();
  const item = inbox.items.find((i) => i.lastMessage?.text === text);
  assert.ok(item, `Alice's inbox lists the conversation: ${JSON.stringify(inbox)}`);
  assert.equal(item.title, 'Ann Lee');
  const socket = agentSocket(item.conversationId, alice);
  await socket.waitFor((f) => f.type === 'entry' && f.entry.text === text, 'guest message');
  log('Alice received the message over her socket');

  socket.send({ type: 'typing', typing: true });
  await page.locator('doorbell-widget .db-typing', { hasText: 'Alice Martin is typing' }).waitFor();
  socket.send({ type: 'send', clientId: 'a-1', text: 'Hello Ann! Which plan?' });
  await page.locator('doorbell-widget .db-msg:not(.db-mine)', { hasText: 'Hello Ann! Which plan?' }).waitFor();
  assert.equal(await page.locator('doorbell-widget .db-typing').textContent(), '');
  log('the guest saw the typing indicator and the reply without reloading');
  await shot(page, 'widget-open');

  // Closed panel: a new reply shows an unread badge on the launcher.
  await page.locator('doorbell-widget').getByRole('button', { name: 'Close chat' }).first().click();
  socket.send({ type: 'send', clientId: 'a-2', text: 'Are you still there?' });
  await page.locator('doorbell-widget .b:not([hidden])', { hasText: '1' }).waitFor();
  await shot(page, 'widget-unread-badge');
  await launcher.click();
  await page.locator('doorbell-widget .b[hidden]').waitFor({ state: 'attached' });
  log('unread badge shown while closed, cleared on open');

  // The network drops: the state is shown, and a reply sent meanwhile arrives on reconnect
  // (catch-up with ?since=). Sockets go through a route the test can cut.
  drop = true;
  for (const ws of routed) ws.close({ code: 1006, reason: 'network lost (test)' });
  await page.locator('doorbell-widget .db-status[data-state=offline]', { hasText: 'Offline, retrying' }).waitFor();
  socket.send({ type: 'send', clientId: 'a-3', text: 'Sent while you were offline' });
  await socket.waitFor((f) => f.type === 'ack' && f.clientId === 'a-3', 'ack');
  await shot(page, 'widget-offline');
  drop = false;
  await page.evaluate(() => dispatchEvent(new Event('online')));
  await page.locator('doorbell-widget .db-msg', { hasText: 'Sent while you were offline' }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log('"Offline, retrying" shown while cut off; the reconnect caught up with the missed reply');

  // A reload shows the history, and the guest is not asked their name again.
  await page.reload();
  await launcher.waitFor();
  await launcher.click();
  for (const t of [text, 'Hello Ann! Which plan?', 'Are you still there?', 'Sent while you were offline']) {
    await page.locator('doorbell-widget .db-msg', { hasText: t }).waitFor();
  }
  assert.ok(await page.locator('doorbell-widget').getByLabel('Your name').isHidden());
  const seqs = await page.locator('doorbell-widget .db-msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length, 'no message shown twice');
  log('after a reload the guest sees the whole history');
  socket.ws.close();
  await context.close();
});

test('host CSS and widget CSS do not leak into each other', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const props = ['color', 'font-family', 'font-size', 'letter-spacing', 'background-color', 'border-radius', 'padding-top', 'margin-top', 'display', 'width', 'height'];
  const widgetStyles = async (url) => {
    await page.goto(url);
    await page.locator('doorbell-widget .l').click();
    await page.locator('doorbell-widget textarea').waitFor();
    return page.evaluate((props) => {
      const shadow = document.querySelector('doorbell-widget').shadowRoot;
      const pick = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      return Object.fromEntries(['.l', '.p', '.db', '.db-head', '.db-title', '.db-log', '.db-hello', 'textarea', '.db-send'].map((s) => [s, pick(shadow.querySelector(s))]));
    }, props);
  };
  const hostStyles = async (url) => {
    await page.goto(url);
    if (!url.includes('no-widget')) await page.locator('doorbell-widget .l').waitFor();
    else await page.waitForTimeout(300);
    return page.evaluate((props) => {
      const pick = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      return Object.fromEntries(['body', '.host-title', '.host-btn', '.host-p'].map((s) => [s, pick(document.querySelector(s))]));
    }, props);
  };
  const clean = await widgetStyles(`${HOST}/plain-widget.html`);
  const hostile = await widgetStyles(`${HOST}/shop.html`);
  await shot(page, 'widget-on-hostile-css');
  assert.deepEqual(hostile, clean, 'the host page’s CSS changed the widget');
  assert.notEqual(hostile['.db-title'].color, 'rgb(200, 0, 0)');
  assert.equal(await page.locator('doorbell-widget').evaluate((el) => getComputedStyle(el).display), 'block');
  log('widget styles are the same on a hostile host page as on a plain one');

  const without = await hostStyles(`${HOST}/shop-no-widget.html`);
  const withWidget = await hostStyles(`${HOST}/shop.html`);
  assert.deepEqual(withWidget, without, 'the widget changed the host page’s styles');
  log('host page styles are the same with and without the widget');
  await context.close();
});

test('an agent widget in French, on the left, offers to book a meeting', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${HOST}/fr.html`);
  const launcher = page.locator('doorbell-widget .l');
  await launcher.waitFor();
  assert.equal(await launcher.getAttribute('aria-label'), 'Ouvrir le chat');
  const box = await launcher.boundingBox();
  assert.ok(box.x < 100, `launcher on the left (x=${box.x})`);
  await launcher.click();
  const book = page.locator('doorbell-widget a.k');
  assert.equal(await book.textContent(), 'Prendre rendez-vous');
  assert.equal(await book.getAttribute('href'), `${BASE}/u/alice/meet`);
  await page.locator('doorbell-widget .db-title', { hasText: 'Alice Martin' }).waitFor();
  await shot(page, 'widget-agent-fr');
  await context.close();
});
