// Booking from the chat in headless Chromium against `wrangler dev`: Alice offers a meeting from
// the console, the guest books it from the widget on a site with a strict CSP (no inline
// styles), and the meeting shows in the same conversation on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { consoleSignedIn, log, shot, useBrowserSuite } from './harness.mjs';

/** The policy docs/widget.md tells a site to add, as test/browser/widget-csp.test.mjs has it. */
const policy = (BASE) =>
  ["default-src 'none'", `script-src ${BASE}`, "style-src 'self'", `connect-src ${BASE} ${BASE.replace(/^http/, 'ws')}`, `img-src ${BASE} data:`].join('; ');

const suite = useBrowserSuite('offer', (BASE) => ({
  '/shop.html': {
    headers: { 'content-security-policy': policy(BASE) },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-agent="alice" async></script></body></html>`,
  },
}));

const keep = (name) => {
  mkdirSync('docs/screenshots', { recursive: true });
  copyFileSync(`test-results/screenshots/${name}.png`, `docs/screenshots/${name}.png`);
};

test('Alice offers a meeting in the console, the guest books it in the widget, and both see it in the same conversation', async () => {
  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 800 } });
  const guest = await guestContext.newPage();
  const problems = [];
  await guest.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP ${e.violatedDirective} ${e.blockedURI}`)));
  guest.on('console', (m) => /CSP|Content[- ]Security[- ]Policy/i.test(m.text()) && problems.push(m.text()));
  guest.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await guest.goto(`${suite.HOST}/shop.html`);
  const widget = guest.locator('doorbell-widget');
  await widget.locator('.l').click();
  await widget.getByLabel('Your name').fill('Ann Lee');
  await widget.locator('textarea').fill('Could we have a call about the order?');
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: 'call about the order' }).waitFor();

  const { page: alice, errors } = await consoleSignedIn('alice@doorbell.example');
  await alice.locator('.inbox-list a', { hasText: 'call about the order' }).click();
  await alice.locator('.db-log .db-msg', { hasText: 'call about the order' }).waitFor();
  await alice.getByRole('button', { name: 'Offer a meeting…' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Offer a meeting' });
  await dialog.locator('.offer-time input').first().waitFor();
  await dialog.getByLabel('Duration').selectOption('30');
  await dialog.locator('.offer-time input').nth(2).waitFor();
  const picked = await dialog.locator('.offer-time input').evaluateAll((boxes) => boxes.slice(1, 3).map((b) => b.value));
  for (const start of picked) await dialog.locator(`.offer-time input[value="${start}"]`).check();
  await shot(alice, 'console-offer');
  keep('console-offer');
  await dialog.getByRole('button', { name: 'Offer' }).click();
  await alice.locator('.db-log .db-offer', { hasText: 'Alice Martin offers a meeting' }).waitFor();
  log(`Alice offered 30 minutes at ${picked.join(', ')}`);

  // The guest's card shows Alice's two picks, in the guest's locale.
  const card = widget.locator('.db-offer');
  await card.locator('.db-offer-time').nth(1).waitFor();
  assert.deepEqual(await card.locator('.db-offer-time').evaluateAll((b) => b.map((x) => x.dataset.start)), picked);
  assert.match(await card.textContent(), /Meeting · 30 min/);
  // More times: any day's free slots.
  await card.getByRole('button', { name: 'More times' }).click();
  assert.equal(await card.getByLabel('Day').isVisible(), true);
  await card.locator('.db-offer-time').first().click();
  await shot(guest, 'widget-offer');
  keep('widget-offer');

  // The guest gave no email: the card asks for it, then books.
  await card.getByRole('button', { name: 'Book' }).click();
  const email = card.getByLabel('Your email, for the invitation');
  await email.waitFor();
  await email.fill('ann@example.com');
  await card.getByRole('button', { name: 'Book' }).click();
  const booked = card.locator('.db-offer-when', { hasText: 'Booked:' });
  await booked.waitFor();
  // The meeting page link comes with the booking's answer (the socket's note may come first).
  await card.getByRole('link', { name: 'Meeting page' }).waitFor();
  assert.equal(await card.getByRole('button', { name: 'Book' }).isVisible(), false);
  await shot(guest, 'widget-offer-booked');
  log(`the guest booked: ${await booked.textContent()}`);

  // The same conversation on Alice's side: the card turns booked and the meeting note follows.
  await alice.locator('.db-log .db-offer .db-offer-when', { hasText: 'Booked:' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Meeting booked' }).waitFor();
  await widget.locator('.db-event', { hasText: 'Meeting booked' }).waitFor();
  await shot(alice, 'console-offer-booked');
  assert.deepEqual(problems, []);
  assert.deepEqual(errors, []);
  await guestContext.close();
});
