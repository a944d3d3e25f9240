// Live availability in headless Chromium against `wrangler dev` (docs/rules.md "Availability"):
// a guest looking at a conversation sees Alice go away or close her console without reloading
// (the conversation socket's `availability` frame), a page with no conversation reads the card
// again every 30 s, a colleague's participants panel follows, and the idle delay is set in the
// console's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('availability', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head><body>
<h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

const SOON = 'Usually replies in a few minutes';
const EMAIL = 'We’ll reply by email';

async function signIn(context, who) {
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`${who} console error: ${e.message}`));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken(`${who}@doorbell.example`));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
  return page;
}

const presencePut = (page) => page.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT');

test('Alice goes away and closes her console: the guest’s open conversation and a colleague’s participants panel follow without a reload', async () => {
  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = await signIn(aliceContext, 'alice');

  const guestContext = await suite.browser.newContext({ viewport: { width: 900, height: 760 } });
  const guest = await guestContext.newPage();
  guest.on('pageerror', (e) => log(`guest page error: ${e.message}`));
  await guest.goto(`${suite.BASE}/u/alice`);
  const cardLine = guest.locator('section.card .db-reply');
  await cardLine.filter({ hasText: SOON }).waitFor();
  await guest.getByRole('button', { name: 'Start a conversation' }).click();
  await guest.getByPlaceholder('Your name').fill('Ann Lee');
  await guest.locator('textarea[name=message]').fill('Hello, is anyone there?');
  await guest.keyboard.press('Enter');
  const chatLine = guest.locator('.chat .db-reply');
  await guest.locator('.db-status[data-state=online]').waitFor();
  await chatLine.filter({ hasText: SOON }).waitFor();
  const id = await guest.evaluate(() => JSON.parse(localStorage.getItem(`doorbell:${location.origin}:conversation:agent:alice`)));
  assert.match(id, /^cv_/);

  // Carol opens the conversation: the participants panel shows Alice online.
  const carolContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const carol = await signIn(carolContext, 'carol');
  await carol.goto(`${suite.BASE}/console#/c/${id}`);
  const aliceRow = carol.locator('.people li', { hasText: 'Alice' });
  await aliceRow.and(carol.locator('[data-availability=online]')).waitFor();
  assert.match(await aliceRow.locator('.read').textContent(), /^online/);
  await shot(carol, 'availability-panel-online');

  const started = Date.now();
  const awaySaved = presencePut(alice);
  await alice.getByLabel('Your availability').selectOption('away');
  await awaySaved;
  await chatLine.filter({ hasText: EMAIL }).waitFor({ timeout: 5000 });
  await cardLine.filter({ hasText: EMAIL }).waitFor({ timeout: 5000 });
  assert.equal(await chatLine.getAttribute('data-availability'), 'away');
  log(`guest saw Alice away ${Date.now() - started} ms after she chose it, without a reload`);
  await aliceRow.and(carol.locator('[data-availability=away]')).waitFor({ timeout: 5000 });
  assert.match(await aliceRow.locator('.read').textContent(), /^away/);
  assert.equal(await aliceRow.locator('.dot').evaluate((d) => getComputedStyle(d).backgroundColor), 'rgb(247, 144, 9)');
  await shot(guest, 'availability-guest-away');
  await shot(carol, 'availability-panel-away');

  const onlineSaved = presencePut(alice);
  await alice.getByLabel('Your availability').selectOption('online');
  await onlineSaved;
  await chatLine.filter({ hasText: SOON }).waitFor({ timeout: 5000 });
  await aliceRow.and(carol.locator('[data-availability=online]')).waitFor({ timeout: 5000 });

  // Closing her last console makes her offline for everyone looking.
  await aliceContext.close();
  await chatLine.and(guest.locator('[data-availability=offline]')).waitFor({ timeout: 5000 });
  assert.equal(await chatLine.textContent(), EMAIL);
  await aliceRow.and(carol.locator('[data-availability=offline]')).waitFor({ timeout: 5000 });
  await shot(guest, 'availability-guest-offline');
  await shot(carol, 'availability-panel-offline');
  log('Alice closed her console: the guest reads "We’ll reply by email", Carol’s panel says offline');
  await guestContext.close();
  await carolContext.close();
});

test('with no conversation open, the service page and the open widget read the card again every 30 s', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`guest page error: ${e.message}`));
  await page.clock.install();
  await page.goto(`${suite.BASE}/s/sales`);
  const line = page.locator('.db-reply');
  await line.filter({ hasText: EMAIL }).waitFor();

  const widgetPage = await context.newPage();
  await widgetPage.clock.install();
  await widgetPage.goto(`${suite.HOST}/shop.html`);
  await widgetPage.locator('doorbell-widget button.l').click();
  const widgetLine = widgetPage.locator('doorbell-widget .db-reply');
  await widgetLine.filter({ hasText: EMAIL }).waitFor();

  const agentContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await signIn(agentContext, 'alice');
  // Not before the 30 s are up: nothing polls faster.
  await page.clock.fastForward('00:20');
  await page.waitForTimeout(500);
  assert.equal(await line.textContent(), 'Nobody is here right now; we’ll reply by email.');
  const cards = [];
  page.on('request', (r) => r.url().includes('/api/public/services/') && cards.push(r.url()));
  await page.clock.fastForward('00:11');
  await line.filter({ hasText: SOON }).waitFor({ timeout: 5000 });
  assert.equal(cards.length, 1);
  await widgetPage.clock.fastForward('00:31');
  await widgetLine.filter({ hasText: SOON }).waitFor({ timeout: 5000 });
  log('the card, read again after 30 s, says Alice is online');
  await Promise.all([shot(page, 'availability-card-reread'), shot(widgetPage, 'availability-widget-reread')]);
  await Promise.all([agentContext.close(), context.close()]);
});

test('the idle delay is set in the console’s settings, checked like the API, and kept by the server', async () => {
  const token = await agentToken('carol@doorbell.example');
  const settings = async () => (await fetch(`${suite.BASE}/api/inbox/settings`, { headers: { authorization: `Bearer ${token}` } })).json();
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await signIn(context, 'carol');
  await page.getByRole('button', { name: 'Notifications' }).click();
  const input = page.getByLabel('Set me away after');
  // The dialog fills in the settings once the server answered.
  await expectSoon(() => input.inputValue(), String((await settings()).awayAfterMinutes));
  await input.fill('3');
  await input.press('Enter');
  await page.locator('.away-after [role=status]', { hasText: 'Saved.' }).waitFor();
  assert.equal((await settings()).awayAfterMinutes, 3);
  // Enter saved without closing the dialog.
  assert.equal(await page.locator('dialog[open]').count(), 1);
  await shot(page, 'availability-settings-saved');

  // Out of the API's bounds: the browser says so and nothing is sent.
  for (const value of ['0', '241', '2.5']) {
    await input.fill(value);
    await input.press('Enter');
    assert.equal(await input.evaluate((el) => el.validity.valid), false, value);
  }
  assert.equal((await settings()).awayAfterMinutes, 3);

  // A new console reads it from the server.
  await page.reload();
  await page.locator('.inbox .live[data-state=online]').waitFor();
  await page.getByRole('button', { name: 'Notifications' }).click();
  await expectSoon(() => page.getByLabel('Set me away after').inputValue(), '3');
  await context.close();
});
