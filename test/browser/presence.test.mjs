// Agent availability in headless Chromium against `wrangler dev`: what Alice chooses in her
// console header (Online / Away) and whether any console of hers is open reaches the Sales
// service page and its widget, which read the public card when they load (live changes, with a
// conversation open or not: availability.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('presence', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head><body>
<h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
  '/shop-fr.html': `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boutique</title></head><body>
<h1>Boutique</h1><script src="${BASE}/widget.js" data-service="sales" data-lang="fr" async></script></body></html>`,
}));

const SOON = 'Usually replies in a few minutes';
// A service with nobody online (docs/widget.md "Business hours and away").
const EMAIL = 'Nobody is here right now; we’ll reply by email.';

/** The Sales page and the widget on the host site, each loaded afresh: both show `line`. */
async function guestSees(guest, line, name) {
  await guest.goto(`${suite.BASE}/s/sales`);
  const reply = guest.locator('.db-reply');
  // The line is drawn from the card, then from the socket's fresher word.
  await expectSoon(() => reply.textContent(), line, `service page: ${name}`);
  await shot(guest, `presence-page-${name}`);
  await guest.goto(`${suite.HOST}/shop.html`);
  await guest.locator('doorbell-widget button.l').click();
  const inWidget = guest.locator('doorbell-widget .db-reply');
  await expectSoon(() => inWidget.textContent(), line, `widget: ${name}`);
  await shot(guest, `presence-widget-${name}`);
}

test('Alice online → the Sales page and widget say “usually replies in minutes”; away or console closed → “we’ll reply by email”', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const guest = await context.newPage();
  guest.on('pageerror', (e) => log(`guest page error: ${e.message}`));
  await guestSees(guest, EMAIL, 'nobody');
  log('no console open: "We’ll reply by email"');

  const agentContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const console_ = await agentContext.newPage();
  console_.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await console_.goto(`${suite.BASE}/console`);
  await console_.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await console_.getByRole('button', { name: 'Sign in' }).click();
  await console_.locator('.inbox .live[data-state=online]').waitFor();
  const control = console_.getByLabel('Your availability');
  assert.equal(await control.inputValue(), 'online');
  await shot(console_, 'presence-console-online');
  await guestSees(guest, SOON, 'online');
  log('Alice’s console open: "Usually replies in a few minutes"');

  // French guests read it in French.
  await guest.goto(`${suite.HOST}/shop-fr.html`);
  await guest.locator('doorbell-widget button.l').click();
  await guest.locator('doorbell-widget .db-reply', { hasText: 'Répond généralement en quelques minutes' }).waitFor();

  await control.selectOption('away');
  await console_.locator('.presence[data-state=away]').waitFor();
  await console_.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT').catch(() => {});
  await shot(console_, 'presence-console-away');
  await guestSees(guest, EMAIL, 'away');
  log('Alice away: "We’ll reply by email"');

  // Her choice survives a reload of her console.
  await console_.reload();
  await console_.locator('.inbox .live[data-state=online]').waitFor();
  await console_.locator('.presence[data-state=away]').waitFor();
  await control.selectOption('online');
  await console_.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT');
  await guestSees(guest, SOON, 'back');

  await agentContext.close();
  // The close reaches her inbox a moment after the browser's.
  const deadline = Date.now() + 5000;
  for (;;) {
    const card = await (await fetch(`${suite.BASE}/api/public/services/sales`)).json();
    if (card.availability === 'offline' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await guestSees(guest, EMAIL, 'closed');
  log('Alice closed the console: "We’ll reply by email"');
  await context.close();
});

test('idle: after awayAfterMinutes without input the console sets Away by itself, and the next input brings Online back', async () => {
  const token = await agentToken('carol@doorbell.example');
  const api = async (method, path, body) =>
    (await fetch(`${suite.BASE}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) })).json();
  assert.equal((await api('PATCH', '/api/inbox/settings', { awayAfterMinutes: 1 })).awayAfterMinutes, 1);
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The page's clock is the test's: a minute of idleness passes in an instant.
  await page.clock.install();
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
  await page.locator('.presence[data-state=online]').waitFor();

  const put = page.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT');
  await page.clock.fastForward('01:20');
  await put;
  await page.locator('.presence[data-state=away]').waitFor();
  assert.deepEqual(await api('GET', '/api/inbox/presence'), { state: 'away', availability: 'away' });
  await shot(page, 'presence-console-idle-away');
  log('a minute without input: Away by itself');

  const back = page.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT');
  await page.mouse.move(400, 300);
  await page.mouse.move(420, 320);
  await back;
  await page.locator('.presence[data-state=online]').waitFor();
  assert.deepEqual(await api('GET', '/api/inbox/presence'), { state: 'online', availability: 'online' });
  log('input again: Online');

  // An Away the agent chose is not undone by their input.
  await page.getByLabel('Your availability').selectOption('away');
  await page.waitForResponse((r) => r.url().endsWith('/api/inbox/presence') && r.request().method() === 'PUT');
  await page.mouse.move(100, 100);
  await page.keyboard.press('Shift');
  await page.waitForTimeout(300);
  assert.equal((await api('GET', '/api/inbox/presence')).state, 'away');
  await context.close();
});
