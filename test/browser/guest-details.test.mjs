// What agents know about the guest: the widget on a host page tells where the conversation
// started, and Alice's console details panel shows it with the guest's other conversations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('guest-details', (BASE) => ({
  '/pricing.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing plans — Acme</title></head>
<body><h1>Pricing</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

test('the widget tells the page, language and zone; Alice’s details panel shows them and the guest’s other conversation', async () => {
  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 760 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  const guest = await guestContext.newPage();
  guest.on('pageerror', (e) => log(`guest page error: ${e.message}`));
  await guest.goto(`${suite.HOST}/pricing.html?plan=team`);
  await guest.locator('doorbell-widget .l').click();
  const widget = guest.locator('doorbell-widget');
  // A German browser gets the widget in German (docs/widget.md "Languages").
  await widget.getByLabel('Ihr Name').fill('Dora Weiss');
  await widget.getByLabel('E-Mail (optional)').fill('dora@example.com');
  await widget.locator('textarea').fill('Which plan fits a team of 5?');
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: 'team of 5' }).waitFor();
  const { token, conversationId } = await guest.evaluate((base) => {
    const key = `doorbell:${base}:`;
    return { token: JSON.parse(localStorage.getItem(`${key}guest`)).token, conversationId: JSON.parse(localStorage.getItem(`${key}conversation:service:sales`)) };
  }, suite.BASE);
  log(`widget conversation ${conversationId}`);

  // The same guest also wrote to Support earlier (through the API, as from another page).
  const support = await fetch(`${suite.BASE}/api/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { kind: 'service', slug: 'support' }, clientId: 'g-support-1', text: 'My invoice is wrong' }),
  }).then((r) => r.json());

  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await aliceContext.newPage();
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Inbox' }).waitFor();
  await page.goto(`${suite.BASE}/console#/c/${conversationId}`);
  const about = page.getByRole('complementary', { name: 'Conversation details' }).locator('dl.about');
  const field = (label) => about.locator(`dd[data-field="${label}"]`);
  await field('Page title').waitFor();

  assert.equal(await field('Channel').textContent(), 'Website widget');
  assert.equal(await field('Page title').textContent(), 'Pricing plans — Acme');
  const link = field('Page').getByRole('link');
  assert.equal(await link.textContent(), `${suite.HOST}/pricing.html?plan=team`);
  assert.equal(await link.getAttribute('href'), `${suite.HOST}/pricing.html?plan=team`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await field('Language').textContent(), 'de-DE');
  assert.equal(await field('Time zone').textContent(), 'Europe/Berlin');
  assert.equal(await field('Email').textContent(), 'dora@example.com');
  const previous = field('Other conversations').getByRole('link');
  assert.equal(await previous.count(), 1);
  assert.equal(await previous.getAttribute('href'), `#/c/${support.conversation.id}`);
  assert.match(await field('Other conversations').textContent(), /with Support/);
  await shot(page, 'console-guest-details');
  log('the details panel shows page title, URL, language, zone, email and the other conversation');

  await previous.click();
  await page.waitForURL(`**/console#/c/${support.conversation.id}`);
  await page.locator('.db-msg', { hasText: 'My invoice is wrong' }).first().waitFor();
  log('the other conversation opens from its link');
  await Promise.all([guestContext.close(), aliceContext.close()]);
});
