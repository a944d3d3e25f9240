// Console notifications in headless Chromium against `wrangler dev`: the unread count in the
// tab title, desktop notifications for guests' messages while the tab is hidden (asked for
// only from the settings button), the optional tone, and the preferences kept on the server.
// Playwright cannot see the operating system's notifications, so an init script records the
// calls made through the real API surface (`new Notification`, `requestPermission`, an
// oscillator's `start`) and lets the test hide the tab (`document.visibilityState`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('notifications');
const ALICE = 'alice@doorbell.example';

const api = async (method, path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};

let sent = 0;
/** A new guest writes to Sales (Alice and Carol): `{token, conversationId}`. */
async function guestWrites(name, text) {
  const made = await (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json();
  const started = await api('POST', '/api/conversations', made.token, { target: { kind: 'service', slug: 'sales' }, clientId: `g-${++sent}`, text });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return { token: made.token, conversationId: started.body.conversation.id };
}
async function writes(token, conversationId, text) {
  const r = await api('POST', `/api/conversations/${conversationId}/messages`, token, { clientId: `m-${++sent}`, text });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

function recordAlerts() {
  const Real = window.Notification;
  window.__notes = [];
  window.__asks = 0;
  window.Notification = class {
    constructor(title, options = {}) {
      Object.assign(this, { title, body: options.body, tag: options.tag, closed: false });
      window.__notes.push(this);
    }
    close() {
      this.closed = true;
    }
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      window.__asks++;
      return Real.requestPermission();
    }
  };
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  window.__tones = 0;
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones++;
    return start.apply(this, args);
  };
}

async function consoleContext() {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['notifications'], { origin: suite.BASE });
  await context.addInitScript(recordAlerts);
  return context;
}

async function signIn(page, token) {
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
}

const notes = (page) => page.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag })));
const hide = (page, hidden) => page.evaluate((h) => window.__setHidden(h), hidden);
/** Waits until the inbox row shows `text` as the last message: by then any alert for it was made. */
const rowShows = (page, text) => page.locator('.inbox-list a .item-last', { hasText: text }).waitFor();
const waitTitle = (page, pattern) => page.waitForFunction((source) => new RegExp(source).test(document.title), pattern.source);

test('desktop notifications: asked only from the button, made for a guest’s message while hidden, one per conversation, opening it on click; kept on the server', async () => {
  const token = await agentToken(ALICE);
  const carol = await agentToken('carol@doorbell.example');
  const context = await consoleContext();
  const page = await context.newPage();
  await signIn(page, token);
  assert.equal(await page.title(), 'Doorbell console', 'no unread: the plain title');

  // Off until the agent turns it on: a hidden tab gets nothing, and nothing was asked on load.
  await hide(page, true);
  const first = await guestWrites('Ann Lee', 'First question');
  await rowShows(page, 'First question');
  await waitTitle(page, /^\(1\) Doorbell console$/);
  assert.deepEqual(await notes(page), []);
  assert.equal(await page.evaluate(() => window.__asks), 0, 'permission is not asked on page load');
  log('title (1), no notification while the preference is off, no permission prompt on load');

  await hide(page, false);
  await shot(page, 'notifications-header');
  await page.getByRole('button', { name: 'Notifications' }).click();
  const dialog = page.getByRole('dialog', { name: 'Notifications' });
  const enable = dialog.getByRole('button', { name: 'Enable desktop notifications' });
  await enable.waitFor();
  await shot(page, 'notifications-enable');
  await enable.click();
  await dialog.getByText('On: a notification for each new guest message').waitFor();
  const saved = await api('GET', '/api/inbox/settings', token);
  assert.deepEqual(saved.body.notifications, { guestMessages: { desktop: true, sound: false } });
  await dialog.getByRole('button', { name: 'Close' }).click();
  log('enabled from the settings dialog, saved on the server');

  // Visible: no notification.
  await writes(first.token, first.conversationId, 'While you look');
  await rowShows(page, 'While you look');
  assert.deepEqual(await notes(page), []);

  // Hidden: one for the guest's message, with their name and the text cut short.
  await hide(page, true);
  const long = `Do you ship to Canada? ${'We would need a pallet of the blue ones every month. '.repeat(5)}`;
  const second = await guestWrites('Bruno Diaz', long);
  await rowShows(page, 'Do you ship to Canada?');
  await waitTitle(page, /^\(3\) Doorbell console$/);
  let made = await notes(page);
  assert.equal(made.length, 1, JSON.stringify(made));
  assert.equal(made[0].title, 'Bruno Diaz');
  assert.ok(made[0].body.startsWith('Do you ship to Canada?') && made[0].body.endsWith('…') && made[0].body.length <= 140, made[0].body);
  assert.equal(made[0].tag, `doorbell:${second.conversationId}`);

  // The agents' messages make none, hers or Carol's; the guest's next one replaces it (same tag).
  await writes(token, second.conversationId, 'Alice answers from her phone');
  await rowShows(page, 'Alice answers from her phone');
  await writes(carol, second.conversationId, 'Carol adds a detail');
  await rowShows(page, 'Carol adds a detail');
  assert.equal((await notes(page)).length, 1, 'no notification for agents’ messages');
  await writes(second.token, second.conversationId, 'Thanks!');
  await rowShows(page, 'Thanks!');
  made = await notes(page);
  assert.deepEqual(made.map((n) => n.tag), [`doorbell:${second.conversationId}`, `doorbell:${second.conversationId}`]);
  log(`notifications: ${made.map((n) => `${n.title}: ${n.body.slice(0, 30)}`).join(' | ')}`);

  // A click focuses the console and opens that conversation, which clears its unread count.
  await page.evaluate(() => window.__notes.at(-1).onclick());
  await page.waitForURL(`**/console#/c/${second.conversationId}`);
  await page.locator('.db-log .db-msg', { hasText: 'Thanks!' }).waitFor();
  await waitTitle(page, /^\(2\) Bruno Diaz · Doorbell console$/);
  assert.equal(await page.evaluate(() => window.__notes.at(-1).closed), true);
  log(`clicked: ${page.url()} — ${await page.title()}`);

  // The preference survives a reload (it is the server's), still without asking on load.
  await page.reload();
  await page.locator('.inbox .live[data-state=online]').waitFor();
  await page.getByRole('button', { name: 'Notifications' }).click();
  await dialog.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await hide(page, true);
  await writes(first.token, first.conversationId, 'After the reload');
  await rowShows(page, 'After the reload');
  made = await notes(page);
  assert.deepEqual(made.map((n) => n.title), ['Ann Lee']);
  assert.equal(await page.evaluate(() => window.__asks), 0);
  await context.close();
});

test('sound: off by default; turned on in one tab, the other tab follows at once and chimes for a guest’s message while hidden', async () => {
  // Carol (also in Sales): her settings are untouched by the first test.
  const token = await agentToken('carol@doorbell.example');
  const context = await consoleContext();
  const [tabA, tabB] = [await context.newPage(), await context.newPage()];
  await signIn(tabA, token);
  await signIn(tabB, token);

  // B's dialog is open (a click, so B may play audio) while A turns the sound on.
  await tabB.getByRole('button', { name: 'Notifications' }).click();
  const soundB = tabB.getByRole('dialog', { name: 'Notifications' }).getByLabel('Play a sound for a new guest message');
  assert.equal(await soundB.isChecked(), false, 'off by default');
  await tabA.getByRole('button', { name: 'Notifications' }).click();
  await tabA.getByRole('dialog', { name: 'Notifications' }).getByLabel('Play a sound for a new guest message').check();
  await tabB.waitForFunction(() => document.querySelector('#notify-sound')?.checked === true);
  log('tab B followed tab A’s change live (settings frame)');
  await tabB.getByRole('dialog', { name: 'Notifications' }).getByRole('button', { name: 'Close' }).click();

  const guest = await guestWrites('Chloe Park', 'Visible: no sound');
  await rowShows(tabB, 'Visible: no sound');
  assert.equal(await tabB.evaluate(() => window.__tones), 0);
  await hide(tabB, true);
  await writes(guest.token, guest.conversationId, 'Hidden: a chime');
  await rowShows(tabB, 'Hidden: a chime');
  const tones = await tabB.evaluate(() => window.__tones);
  assert.ok(tones > 0, 'a tone was started');
  await writes(token, guest.conversationId, 'My own answer');
  await rowShows(tabB, 'My own answer');
  assert.equal(await tabB.evaluate(() => window.__tones), tones, 'no tone for the agent’s own message');
  assert.deepEqual(await notes(tabB), [], 'desktop stays off: only the sound was turned on');
  log(`tones started: ${tones}`);
  await context.close();
});
