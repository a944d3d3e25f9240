// Booking from the chat in headless Chromium against `wrangler dev`: Alice offers a meeting from
// the console, the guest books it from the widget on a site with a strict CSP (no inline
// styles), and the meeting shows in the same conversation on both sides; an offer of a type
// with questions asks them in the card before it books.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { agentCall, consoleSignedIn, log, shot, useBrowserSuite } from './harness.mjs';

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

/** A guest on the strict-CSP shop who writes `text` to Alice in the widget; `problems` collects CSP violations and page errors. */
async function guestInWidget(name, text, viewport) {
  const guestContext = await suite.browser.newContext({ viewport });
  const guest = await guestContext.newPage();
  const problems = [];
  await guest.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP ${e.violatedDirective} ${e.blockedURI}`)));
  guest.on('console', (m) => /CSP|Content[- ]Security[- ]Policy/i.test(m.text()) && problems.push(m.text()));
  guest.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await guest.goto(`${suite.HOST}/shop.html`);
  const widget = guest.locator('doorbell-widget');
  await widget.locator('.l').click();
  await widget.getByLabel('Your name').fill(name);
  await widget.locator('textarea').fill(text);
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  return { guestContext, guest, widget, problems };
}

test('Alice offers a meeting in the console, the guest books it in the widget, and both see it in the same conversation', async () => {
  const { guestContext, guest, widget, problems } = await guestInWidget('Ann Lee', 'Could we have a call about the order?', { width: 1000, height: 800 });

  const { page: alice, errors } = await consoleSignedIn('alice@doorbell.example');
  await alice.locator('.inbox-list a', { hasText: 'call about the order' }).click();
  await alice.locator('.db-log .db-msg', { hasText: 'call about the order' }).waitFor();
  await alice.getByRole('button', { name: 'Offer a meeting…' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Offer a meeting' });
  await dialog.locator('.offer-time input').first().waitFor();
  await dialog.getByLabel('Duration').selectOption('30');
  // The times of the 30-minute length, not the list drawn before the change.
  await dialog.locator('.offer-times[data-shown$="/30"]:not([aria-busy]) .offer-time input').nth(2).waitFor();
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

test('the offer card asks the type’s questions, names what is missing before sending, and books with the answers', async () => {
  await agentCall('alice@doorbell.example', 'POST', '/api/calendar/meeting-types', {
    slug: 'demo',
    title: 'Product demo',
    durations: [30],
    questions: [
      { id: 'company', label: 'Company', kind: 'short', required: true },
      { id: 'size', label: 'Team size', kind: 'select', options: ['1-10', '11-50', '51+'], required: true },
      { id: 'phone', label: 'Phone', kind: 'phone' },
      { id: 'consent', label: 'I accept the terms', kind: 'checkbox', required: true },
    ],
  });
  const { guestContext, guest, widget, problems } = await guestInWidget('Quinn Asker', 'Could I see a demo?', { width: 1000, height: 900 });
  const id = await guest.evaluate(() => JSON.parse(Object.entries(localStorage).find(([k]) => k.endsWith('conversation:agent:alice'))[1]));
  const { entry } = await agentCall('alice@doorbell.example', 'POST', `/api/conversations/${id}/offers`, { clientId: 'offer-demo', type: 'demo' });
  log(`Alice offered the demo (${entry.event.offerId})`);

  const card = widget.locator('.db-offer');
  await card.getByLabel('Company').waitFor();
  log('the card shows the questions');
  assert.deepEqual(await card.locator('.db-offer-field label').allTextContents(), ['Company', 'Team size', 'Phone (optional)', 'I accept the terms']);
  await card.locator('.db-offer-time').first().click();
  await card.getByRole('button', { name: 'Book' }).click();
  // The required ones are named under their fields, the first has the focus, and nothing was sent.
  await card.locator('.db-offer-field-error', { hasText: 'Please answer this question.' }).nth(2).waitFor();
  assert.equal(await card.locator('.db-offer-field-error', { hasText: 'Please answer this question.' }).count(), 3);
  assert.equal(await widget.evaluate((host) => host.shadowRoot.activeElement?.getAttribute('name')), 'q-company');
  assert.equal((await agentCall('alice@doorbell.example', 'GET', '/api/calendar')).meetings.filter((m) => m.offerId === entry.event.offerId).length, 0);
  await card.getByLabel('Company').fill('Acme');
  await card.getByLabel('Team size').selectOption('11-50');
  await card.getByLabel('Phone (optional)').fill('call me');
  await card.getByLabel('I accept the terms').check();
  await card.getByRole('button', { name: 'Book' }).click();
  await card.locator('.db-offer-field-error', { hasText: 'phone number' }).waitFor();
  assert.equal(await card.locator('.db-offer-field-error:not(:empty)').count(), 1, 'only the phone is still wrong');
  await shot(guest, 'widget-offer-questions');
  await card.getByLabel('Phone (optional)').fill('+33 1 23 45 67 89');
  // No email yet: the card asks for it (the server's 400 names it), then books.
  await card.getByRole('button', { name: 'Book' }).click();
  const email = card.getByLabel('Your email, for the invitation');
  await email.waitFor();
  await email.fill('quinn@example.com');
  await card.getByRole('button', { name: 'Book' }).click();
  await card.locator('.db-offer-when', { hasText: 'Booked:' }).waitFor();
  const [meeting] = (await agentCall('alice@doorbell.example', 'GET', '/api/calendar')).meetings.filter((m) => m.offerId === entry.event.offerId);
  assert.deepEqual(meeting.answers, [
    { id: 'company', label: 'Company', value: 'Acme' },
    { id: 'size', label: 'Team size', value: '11-50' },
    { id: 'phone', label: 'Phone', value: '+33 1 23 45 67 89' },
    { id: 'consent', label: 'I accept the terms', value: 'Yes' },
  ]);
  log('booked from the card with its four answers');
  assert.deepEqual(problems, []);
  await guestContext.close();
});
