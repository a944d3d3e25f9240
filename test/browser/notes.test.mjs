// Private notes and @mentions in headless Chromium against `wrangler dev`: Alice writes a note
// mentioning Bob from the console; the guest's page (another context) never shows it; Bob's
// console lists the conversation under Mentions with an unread mark, though he is not in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('notes');

async function signIn(page, token) {
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Inbox' }).waitFor();
}

test('Alice’s note "@bob can you check the invoice?" stays off the guest’s page and lands in Bob’s Mentions, unread', async () => {
  const guestContext = await suite.browser.newContext({ viewport: { width: 900, height: 760 } });
  const guest = await guestContext.newPage();
  await guest.goto(`${suite.BASE}/u/alice`);
  await guest.getByRole('button', { name: 'Start a conversation' }).click();
  await guest.getByLabel('Your name').fill('Ann Lee');
  await guest.getByLabel('Message').last().fill('Hello, my invoice looks wrong');
  await guest.keyboard.press('Enter');
  await guest.locator('.db-msg.db-mine[data-seq]', { hasText: 'invoice looks wrong' }).waitFor();

  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = await aliceContext.newPage();
  alice.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await signIn(alice, await agentToken('alice@doorbell.example'));
  await alice.locator('.inbox-list a', { hasText: 'invoice looks wrong' }).click();
  await alice.locator('.db-log .db-msg', { hasText: 'invoice looks wrong' }).waitFor();

  // The toggle is reachable and switchable from the keyboard (native radios).
  const reply = alice.getByRole('radio', { name: 'Reply' });
  await reply.focus();
  await alice.keyboard.press('ArrowRight');
  assert.equal(await alice.getByRole('radio', { name: /Note/ }).isChecked(), true);
  await alice.locator('.db-form.db-note-mode').waitFor();
  const composer = alice.locator('.db-form textarea');
  await composer.fill('@bob can you check the invoice?');
  await shot(alice, 'notes-composing');
  await composer.press('Enter');
  const note = alice.locator('.db-log .db-note[data-seq]', { hasText: '@bob can you check the invoice?' });
  await note.waitFor();
  assert.match(await note.textContent(), /Note · Alice Martin/);
  await shot(alice, 'notes-timeline');
  log('Alice’s note is in her timeline, marked as a note');

  // Back to Reply: a message reaches the guest, so the note had every chance to arrive before it.
  await alice.getByRole('radio', { name: 'Reply' }).check();
  await composer.fill('Let me check that for you.');
  await composer.press('Enter');
  await guest.locator('.db-msg', { hasText: 'Let me check that for you.' }).waitFor();
  assert.equal(await guest.getByText('check the invoice').count(), 0, 'the guest never sees the note');
  assert.equal(await guest.locator('.db-note').count(), 0);
  await guest.reload();
  await guest.locator('.db-msg', { hasText: 'Let me check that for you.' }).waitFor();
  assert.equal(await guest.getByText('check the invoice').count(), 0, 'nor after a reload');
  await shot(guest, 'notes-guest');
  log('the guest’s page shows the reply and not the note, live and after a reload');

  const bobContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bob = await bobContext.newPage();
  await signIn(bob, await agentToken('bob@doorbell.example'));
  const mentions = bob.getByRole('button', { name: /Mentions/ });
  await mentions.locator('.badge', { hasText: '1' }).waitFor();
  // Bob is not in the conversation: his Conversations view does not list it.
  assert.equal(await bob.locator('.inbox-list a', { hasText: 'Ann Lee' }).count(), 0);
  await mentions.click();
  const row = bob.locator('.inbox-list a', { hasText: 'Ann Lee' });
  await row.locator('.badge.mention').waitFor();
  assert.match(await row.getAttribute('class'), /unread/);
  await shot(bob, 'notes-bob-mentions');
  log('Bob’s console lists the conversation under Mentions with an unread mark');

  await row.click();
  await bob.locator('.db-log .db-note', { hasText: '@bob can you check the invoice?' }).waitFor();
  await row.locator('.badge.mention').waitFor({ state: 'detached' });
  await mentions.locator('.badge').waitFor({ state: 'hidden' });
  log('opening it shows the note to Bob and clears the mark');
  for (const c of [guestContext, aliceContext, bobContext]) await c.close();
});
