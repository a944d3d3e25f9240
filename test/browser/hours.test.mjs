// Business hours and away in headless Chromium against `wrangler dev` (docs/widget.md "Business
// hours and away"): the widget of a service outside its hours says it is closed and when it opens
// again (in the guest's zone and language), asks for the email, and the question is stored with
// it; a service in hours with nobody online says nobody is here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { agentToken, consoleSignedIn, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const page = (BASE, service) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="${service}" async></script></body></html>`;
const suite = useBrowserSuite('hours', (BASE) => ({ '/closed.html': page(BASE, 'night-desk'), '/away.html': page(BASE, 'day-desk'), '/quick.html': page(BASE, 'quick-desk') }));

const adminToken = () => /^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/m.exec(readFileSync('.dev.vars', 'utf8'))[1];
async function admin(method, path, body) {
  const res = await fetch(`${suite.BASE}${path}`, { method, headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const toDocs = (name) => {
  mkdirSync('docs/screenshots', { recursive: true });
  copyFileSync(`test-results/screenshots/${name}.png`, `docs/screenshots/${name}.png`);
};

test('outside its hours the widget says it is closed, when it opens again, asks for the email, and the question is kept with it', async () => {
  // Open only on the weekday three days from now (UTC), 09:00–17:00 in Paris: closed now, whatever the time.
  const opening = new Date(Date.now() + 3 * 86_400_000);
  const day = WEEKDAYS[opening.getUTCDay()];
  await admin('POST', '/api/admin/services', { slug: 'night-desk', name: 'Night desk', hours: { timeZone: 'Europe/Paris', weeklyHours: { [day]: [{ start: '09:00', end: '17:00' }] }, holidays: [] } });
  await admin('PUT', '/api/admin/services/night-desk/members/alice');
  const card = await (await fetch(`${suite.BASE}/api/public/services/night-desk`)).json();
  assert.equal(card.hoursStatus, 'closed');
  assert.ok(Date.parse(card.opensAt) > Date.now(), card.opensAt);

  // A guest in New York: the opening time is written on their clock, in their language.
  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 }, locale: 'en-US', timezoneId: 'America/New_York' });
  const guest = await context.newPage();
  guest.on('pageerror', (e) => log(`page error: ${e.message}`));
  await guest.goto(`${suite.HOST}/closed.html`);
  await guest.locator('doorbell-widget .l').click();
  const widget = guest.locator('doorbell-widget');
  const line = widget.locator('.db-reply');
  await line.filter({ hasText: 'We’re closed now' }).waitFor();
  const expected = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(Date.parse(card.opensAt));
  assert.equal(await line.textContent(), `We’re closed now. We open again ${expected}; we’ll reply by email.`);
  assert.match(expected, /^\w+day 3:00 AM$|^\w+day 4:00 AM$/, 'Paris 09:00 on New York clocks');
  assert.equal(await line.getAttribute('data-hours'), 'closed');
  const email = widget.getByLabel('Email (optional)');
  assert.ok(await email.isVisible(), 'the email field is asked for');
  assert.equal(await widget.locator('.db-ask').textContent(), 'Leave your email: the answer will come there, and you can reply to it.');
  await shot(guest, 'widget-closed');
  toDocs('widget-closed');
  await expectAccessible(guest, { context: 'doorbell-widget', where: 'closed widget' });

  await widget.getByLabel('Your name').fill('Nina Night');
  await email.fill('nina@example.com');
  await widget.locator('textarea').fill('Can I still return my order?');
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: 'Can I still return my order?' }).waitFor();
  // The guest the widget made has the address the answer goes to.
  const token = await guest.evaluate(() => Object.values(localStorage).map((v) => { try { return JSON.parse(v); } catch { return null; } }).find((v) => v?.token)?.token);
  const me = await (await fetch(`${suite.BASE}/api/guests/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.email, 'nina@example.com');
  const id = await guest.evaluate(() => Object.entries(localStorage).find(([k]) => k.includes(':conversation:'))?.[1]);
  assert.match(JSON.parse(id), /^cv_/);
  // Once the guest exists the intro (and its hint) is gone; the line still says closed.
  assert.equal(await widget.locator('.db-intro').isVisible(), false);
  await line.filter({ hasText: 'We’re closed now' }).waitFor();
  log(`closed widget: "${await line.textContent()}"; question kept with ${me.email}`);
  await context.close();
});

test('in hours with nobody online the widget says nobody is here and asks for the email', async () => {
  await admin('POST', '/api/admin/services', { slug: 'day-desk', name: 'Day desk' });
  await admin('PUT', '/api/admin/services/day-desk/members/carol');
  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const guest = await context.newPage();
  await guest.goto(`${suite.HOST}/away.html`);
  await guest.locator('doorbell-widget .l').click();
  const widget = guest.locator('doorbell-widget');
  const line = widget.locator('.db-reply');
  await line.filter({ hasText: 'Nobody is here right now; we’ll reply by email.' }).waitFor();
  assert.equal(await line.getAttribute('data-hours'), 'away');
  assert.ok(await widget.getByLabel('Email (optional)').isVisible());
  await shot(guest, 'widget-away');
  toDocs('widget-away');
  await expectAccessible(guest, { context: 'doorbell-widget', where: 'away widget' });
  await context.close();
});

test('in hours with a member online and an answered conversation, the widget says how soon the service really replies', async () => {
  await admin('POST', '/api/admin/services', { slug: 'quick-desk', name: 'Quick desk' });
  await admin('PUT', '/api/admin/services/quick-desk/members/alice');
  const post = async (path, token, body) => {
    const res = await fetch(`${suite.BASE}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return res.json();
  };
  const made = await (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Quinn Quick' }) })).json();
  const started = await post('/api/conversations', made.token, { target: { kind: 'service', slug: 'quick-desk' }, clientId: 'q-1', text: 'Quick question' });
  await post(`/api/conversations/${started.conversation.id}/messages`, await agentToken('alice@doorbell.example'), { clientId: 'a-1', text: 'Quick answer' });
  // The first response is written by the conversation's index job, a moment after the reply.
  for (let i = 0; i < 100; i++) {
    const card = await (await fetch(`${suite.BASE}/api/public/services/quick-desk`)).json();
    if (card.firstResponseSeconds !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const alice = await consoleSignedIn('alice@doorbell.example');
  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const guest = await context.newPage();
  await guest.goto(`${suite.HOST}/quick.html`);
  await guest.locator('doorbell-widget .l').click();
  const line = guest.locator('doorbell-widget .db-reply');
  await line.filter({ hasText: 'Usually replies in under 5 minutes' }).waitFor();
  assert.equal(await line.getAttribute('data-hours'), 'open');
  assert.equal(await guest.locator('doorbell-widget .db-ask').isVisible(), false, 'no email hint while someone is here');
  await Promise.all([context.close(), alice.context.close()]);
});
