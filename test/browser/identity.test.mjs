// Identified visitors: a logged-in user of the host site is the same guest, with the same
// conversation and history, in any browser (docs/widget.md "Identified visitors").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { adminToken } from '../support/dev-server.mjs';
import { agentToken, consoleSignedIn, expectAccessible, inboxItemSoon, log, shot, useBrowserSuite } from './harness.mjs';

const page = (head, tag) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme account</title>${head}</head>
<body><h1>Your Acme account</h1>${tag}</body></html>`;

const suite = useBrowserSuite('identity', (BASE) => {
  const tag = (attrs = '') => `<script src="${BASE}/widget.js" data-service="sales" ${attrs} async></script>`;
  // The documented snippet: calls made before widget.js loads are kept for it.
  const stub = `<script>window.Doorbell=window.Doorbell||{q:[]};["open","close","toggle","on","identify"].forEach(function(m){Doorbell[m]=Doorbell[m]||function(){Doorbell.q.push([m,arguments])}});
Doorbell.identify(decodeURIComponent(location.hash.slice(1)));</script>`;
  return { '/account.html': page(stub, tag()), '/shop.html': page('', tag()) };
});

async function serviceSecret() {
  const res = await fetch(`${suite.BASE}/api/admin/services/sales/identity-secret`, { method: 'POST', headers: { authorization: `Bearer ${adminToken()}` } });
  assert.equal(res.status, 201);
  return (await res.json()).secret;
}

/** What the host site's server does for each page: a user token for its logged-in user. */
const userToken = (secret, sub, name, email) =>
  new SignJWT({ name, email }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setAudience('sales').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret));

test('the same user in two browsers has one conversation and its history; agents see them verified; identify(null) forgets them', async () => {
  const secret = await serviceSecret();
  const sub = `acme-user-${Date.now()}`;
  const text = `Where is order 1042? ${Date.now()}`;

  // The laptop: the page identifies its user before widget.js has loaded (the stub's queue).
  const laptop = await suite.browser.newContext({ viewport: { width: 1100, height: 760 } });
  const one = await laptop.newPage();
  one.on('pageerror', (e) => log(`page error: ${e.message}`));
  await one.goto(`${suite.HOST}/account.html#${encodeURIComponent(await userToken(secret, sub, 'Ann Lee', 'ann@acme.example'))}`);
  const w1 = one.locator('doorbell-widget');
  await w1.locator('.l').click();
  await w1.locator('textarea').waitFor();
  // Identified before anything else: the widget asks no name.
  await w1.getByLabel('Your name').waitFor({ state: 'hidden' });
  await w1.locator('textarea').fill(text);
  await w1.locator('textarea').press('Enter');
  await w1.locator('.db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  log('laptop: the identified user wrote without giving a name');

  // The phone: another browser, a page without the snippet; the site calls identify after load.
  const phone = await suite.browser.newContext({ viewport: { width: 1100, height: 760 } });
  const two = await phone.newPage();
  two.on('pageerror', (e) => log(`page error: ${e.message}`));
  await two.goto(`${suite.HOST}/shop.html`);
  const w2 = two.locator('doorbell-widget');
  await w2.locator('.l').click();
  await w2.locator('.p:not([hidden])').waitFor();
  assert.equal(await w2.getByLabel('Your name').isVisible(), true, 'before identify the visitor is anonymous');
  await two.evaluate((token) => window.Doorbell.identify(token), await userToken(secret, sub, 'Ann Lee', 'ann@acme.example'));
  await w2.locator('.db-msg.db-mine', { hasText: text }).waitFor();
  assert.equal(await w2.getByLabel('Your name').isVisible(), false);
  await w2.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });
  await w2.locator('textarea').fill('Sent from my phone');
  await w2.locator('textarea').press('Enter');
  await w1.locator('.db-msg.db-mine', { hasText: 'Sent from my phone' }).waitFor();
  log('phone: identify() after load brought the same conversation; its message reached the laptop live');
  await expectAccessible(two, { context: 'doorbell-widget' });
  await shot(two, 'widget-identified');
  copyFileSync('test-results/screenshots/widget-identified.png', 'docs/screenshots/widget-identified.png');

  // Alice sees who it is.
  const alice = await agentToken('alice@doorbell.example');
  const item = await inboxItemSoon(alice, (i) => i.title === 'Ann Lee' && i.lastMessage?.text === 'Sent from my phone', 'the conversation is in Alice’s inbox');
  const { context: agent, page: consolePage } = await consoleSignedIn('alice@doorbell.example', { width: 1280, height: 900 });
  await consolePage.goto(`${suite.BASE}/console#/c/${item.conversationId}`);
  const verified = consolePage.locator('dl.about dd[data-field="Verified user"]');
  await verified.waitFor();
  assert.equal(await verified.textContent(), `✓ ${sub}`);
  assert.equal(await consolePage.locator('dl.about dd[data-field="Email"]').textContent(), 'ann@acme.example');
  await shot(consolePage, 'console-identified');
  copyFileSync('test-results/screenshots/console-identified.png', 'docs/screenshots/console-identified.png');
  log('console: the details panel marks the guest verified with the site’s user id');

  // The user logs out on the phone: the site says so, and the history is gone from that browser.
  await two.evaluate(() => window.Doorbell.identify(null));
  await w2.locator('.db-msg.db-mine').first().waitFor({ state: 'detached' });
  assert.equal(await w2.getByLabel('Your name').isVisible(), true);
  await two.reload();
  await w2.locator('.l').click();
  await w2.locator('.p:not([hidden])').waitFor();
  assert.equal(await w2.locator('.db-msg', { hasText: text }).count(), 0, 'nothing of the user’s history after a reload');
  log('identify(null): the identified guest is forgotten in that browser');

  // A forged token is refused and leaves the page anonymous.
  const refused = await two.evaluate((token) => window.Doorbell.identify(token).then(() => 'accepted', (e) => e.code), (await userToken('not-the-secret-of-sales-0000000000000', sub, 'Eve', 'eve@x.example')));
  assert.equal(refused, 'identity_invalid');
  assert.equal(await w2.locator('.db-msg', { hasText: text }).count(), 0);
  await Promise.all([laptop.close(), phone.close(), agent.close()]);
});

test('a browser that identified the user before any conversation shows the one started since in another browser', async () => {
  const secret = await serviceSecret();
  const sub = `acme-user-${Date.now()}-b`;
  const token = () => userToken(secret, sub, 'Bo Chen', 'bo@acme.example');
  const first = await suite.browser.newContext();
  const early = await first.newPage();
  await early.goto(`${suite.HOST}/account.html#${encodeURIComponent(await token())}`);
  await early.locator('doorbell-widget .l').click();
  await early.locator('doorbell-widget').getByLabel('Your name').waitFor({ state: 'hidden' });

  const second = await suite.browser.newContext();
  const other = await second.newPage();
  await other.goto(`${suite.HOST}/account.html#${encodeURIComponent(await token())}`);
  await other.locator('doorbell-widget .l').click();
  await other.locator('doorbell-widget').getByLabel('Your name').waitFor({ state: 'hidden' });
  await other.locator('doorbell-widget textarea').fill('Started on the second browser');
  await other.locator('doorbell-widget textarea').press('Enter');
  await other.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: 'Started on the second browser' }).waitFor();

  // The next page the user opens in the first browser (its token is still fresh).
  await early.reload();
  await early.locator('doorbell-widget .l').click();
  await early.locator('doorbell-widget .db-msg.db-mine', { hasText: 'Started on the second browser' }).waitFor();
  log('the first browser, already the user’s guest, found the conversation started in the second');
  await Promise.all([first.close(), second.close()]);
});
