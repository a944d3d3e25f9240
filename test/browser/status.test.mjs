// Conversation status in the console (docs/console.md): Alice snoozes and resolves a guest's
// conversation with the header's controls (the snooze menu by keyboard), the inbox shows the
// status and filters by it; the guest, who sees none of it, writes again from the page and the
// conversation is open again, live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('status', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

test('Alice snoozes and resolves a conversation in the console; the inbox shows and filters it; the guest writes and it is open again', async () => {
  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = await aliceContext.newPage();
  const errors = [];
  alice.on('pageerror', (e) => errors.push(e.message));
  await alice.goto(`${suite.BASE}/console`);
  await alice.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await alice.getByRole('button', { name: 'Sign in' }).click();
  await alice.locator('.inbox .live[data-state=online]').waitFor();

  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const guest = await guestContext.newPage();
  await guest.goto(`${suite.HOST}/shop.html`);
  const widget = guest.locator('doorbell-widget');
  await widget.locator('.l').click();
  await widget.getByLabel('Your name').fill('Rita Status');
  const first = `My parcel is late ${Date.now()}`;
  await widget.locator('textarea').fill(first);
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: first }).waitFor();

  const row = alice.locator('.inbox-list li', { hasText: 'Rita Status' });
  await row.waitFor();
  assert.equal(await row.locator('.status-tag').count(), 0, 'an open conversation carries no badge');
  await row.locator('a').click();
  await alice.locator('.db-log .db-msg', { hasText: first }).waitFor();
  const toolbar = alice.getByRole('toolbar', { name: 'Conversation actions' });
  await toolbar.locator('.status-tag', { hasText: 'Open' }).waitFor();
  assert.equal(await toolbar.getByRole('button', { name: 'Reopen' }).isHidden(), true);

  // Snooze by keyboard: the menu opens with the arrow key, arrows move, Enter chooses.
  await toolbar.getByRole('button', { name: 'Snooze ▾' }).focus();
  await alice.keyboard.press('ArrowDown');
  const menu = alice.getByRole('menu', { name: 'Snooze until' });
  await menu.waitFor();
  assert.equal(await toolbar.getByRole('button', { name: 'Snooze ▾' }).getAttribute('aria-expanded'), 'true');
  assert.deepEqual(await menu.getByRole('menuitem').allTextContents(), ['1 hour', 'Tomorrow 9:00', 'Next week', 'Until the guest writes']);
  await shot(alice, 'status-snooze-menu');
  await alice.keyboard.press('ArrowDown');
  assert.equal(await alice.evaluate(() => document.activeElement?.textContent), 'Tomorrow 9:00');
  await alice.keyboard.press('Enter');
  await toolbar.locator('.status-tag', { hasText: /^Snoozed until / }).waitFor();
  await menu.waitFor({ state: 'hidden' });
  await row.locator('.status-tag', { hasText: 'Snoozed' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Alice Martin snoozed it until' }).waitFor();
  log(`snoozed by keyboard: ${await toolbar.locator('.status-tag').textContent()}`);

  await toolbar.getByRole('button', { name: 'Resolve' }).click();
  await toolbar.locator('.status-tag', { hasText: 'Resolved' }).waitFor();
  await row.locator('.status-tag', { hasText: 'Resolved' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Alice Martin resolved the conversation' }).waitFor();
  assert.equal(await toolbar.getByRole('button', { name: 'Resolve' }).isHidden(), true);

  // The filter: Resolved shows it, Open does not; keyboard moves between the choices.
  const filter = alice.getByRole('group', { name: 'Show conversations' });
  await filter.getByRole('radio', { name: 'Resolved' }).check();
  await row.waitFor();
  await shot(alice, 'status-resolved');
  await filter.getByRole('radio', { name: 'Resolved' }).focus();
  await alice.keyboard.press('ArrowLeft');
  assert.equal(await filter.getByRole('radio', { name: 'Snoozed' }).isChecked(), true);
  await alice.getByText('No snoozed conversations.').waitFor();
  await filter.getByRole('radio', { name: 'Open' }).check();
  await row.waitFor({ state: 'detached' });
  log('the inbox filter shows it under Resolved only');

  // The guest saw nothing and writes again from the page.
  assert.equal(await widget.getByText(/resolved|snoozed/i).count(), 0, 'the guest sees no status');
  const again = `Any news? ${Date.now()}`;
  await widget.locator('textarea').fill(again);
  await widget.locator('textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: again }).waitFor();

  await row.waitFor();
  assert.equal(await row.locator('.status-tag').count(), 0);
  await toolbar.locator('.status-tag', { hasText: 'Open' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Open again' }).waitFor();
  await alice.locator('.db-log .db-msg', { hasText: again }).waitFor();
  await filter.getByRole('radio', { name: 'All' }).check();
  await shot(alice, 'status-open-again');
  await shot(guest, 'status-guest');
  log('the guest’s message reopened it, live in the inbox and the header');
  assert.deepEqual(errors, []);
  await aliceContext.close();
  await guestContext.close();
});
