// A support team's day in headless Chromium against `wrangler dev` (issue 13): a guest writes
// from the widget; Alice answers with a canned reply ("/"), notes Carol with @, snoozes; the
// guest writes and it is open again; Alice resolves; the guest rates it in the widget and
// Alice's console shows the rating; Carol finds the conversation by search. Sales sends
// transcripts, so the guest also gets one by email, without the note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, httpClient } from '../support/client.mjs';
import { adminToken } from '../support/dev-server.mjs';
import { agentToken, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('day', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

const call = (method, path, token, body) => httpClient(suite.BASE)(method, path, { headers: bearer(token), body });

async function signIn(page, token) {
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox .live[data-state=online]').waitFor();
}

test('a day: widget, canned reply, a note to Carol, snooze, reopened by the guest, resolved, rated, found by Carol', async () => {
  const admin = adminToken();
  const canned = await call('POST', '/api/admin/canned-replies', admin, { shortcut: 'refund', text: 'Sorry for the trouble, {{guest.name}}! {{agent.name}} from {{service.name}} is refunding you now.' });
  assert.equal(canned.status, 201, JSON.stringify(canned.body));
  assert.equal((await call('PATCH', '/api/admin/services/sales', admin, { transcripts: true })).status, 200);

  // 1. The guest writes from the widget on the shop's site.
  const guestContext = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const guest = await guestContext.newPage();
  const guestErrors = [];
  guest.on('pageerror', (e) => guestErrors.push(e.message));
  await guest.goto(`${suite.HOST}/shop.html`);
  const widget = guest.locator('doorbell-widget');
  await widget.locator('.l').click();
  await widget.getByLabel('Your name').fill('Rita Day');
  await widget.getByLabel('Email (optional)').fill('rita.day@example.com');
  const word = `zanzibarite${Date.now() % 100000}`;
  const first = `I was charged twice for order ${word}`;
  await widget.locator('.db-form textarea').fill(first);
  await widget.locator('.db-form textarea').press('Enter');
  await widget.locator('.db-msg.db-mine[data-seq]', { hasText: first }).waitFor();
  log('the guest wrote from the widget');

  // 2. Alice answers with a canned reply: "/" opens the list, Enter inserts, Enter sends.
  const aliceContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = await aliceContext.newPage();
  const aliceErrors = [];
  alice.on('pageerror', (e) => aliceErrors.push(e.message));
  await signIn(alice, await agentToken('alice@doorbell.example'));
  await alice.locator('.inbox-list a', { hasText: 'Rita Day' }).click();
  await alice.locator('.db-log .db-msg', { hasText: first }).waitFor();
  const composer = alice.locator('.db-form textarea');
  await composer.click();
  await composer.pressSequentially('/ref');
  await alice.getByRole('listbox', { name: 'Canned replies' }).getByRole('option').filter({ hasText: '/refund' }).waitFor();
  await composer.press('Enter');
  const filled = 'Sorry for the trouble, Rita Day! Alice Martin from Sales is refunding you now.';
  assert.equal(await composer.inputValue(), filled);
  await composer.press('Enter');
  await widget.locator('.db-msg:not(.db-mine)', { hasText: filled }).waitFor();
  log('the canned reply reached the guest, filled in');

  // 3. A note to Carol with @: marked as a note for agents, never shown to the guest.
  await alice.getByRole('radio', { name: /Note/ }).check();
  await composer.fill('@carol can you confirm the second charge is refunded?');
  await composer.press('Enter');
  await alice.locator('.db-log .db-note[data-seq]', { hasText: '@carol can you confirm' }).waitFor();
  await alice.getByRole('radio', { name: 'Reply' }).check();

  // 4. Snooze until the guest writes.
  const toolbar = alice.getByRole('toolbar', { name: 'Conversation actions' });
  await toolbar.getByRole('button', { name: 'Snooze ▾' }).click();
  await alice.getByRole('menu', { name: 'Snooze until' }).getByRole('menuitem', { name: 'Until the guest writes' }).click();
  await toolbar.locator('.status-tag', { hasText: 'Snoozed until the guest writes' }).waitFor();

  // 5. The guest writes: it is open again, live.
  const again = 'Thanks! Will it show on my card this week?';
  await widget.locator('.db-form textarea').fill(again);
  await widget.locator('.db-form textarea').press('Enter');
  await alice.locator('.db-log .db-msg', { hasText: again }).waitFor();
  await toolbar.locator('.status-tag', { hasText: 'Open' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Open again' }).waitFor();
  log('the guest’s message reopened the snoozed conversation');

  // 6. Alice answers and resolves; the guest is asked to rate.
  await composer.fill('Yes, within three working days.');
  await composer.press('Enter');
  await widget.locator('.db-msg:not(.db-mine)', { hasText: 'within three working days' }).waitFor();
  await toolbar.getByRole('button', { name: 'Resolve' }).click();
  await toolbar.locator('.status-tag', { hasText: 'Resolved' }).waitFor();
  const prompt = widget.locator('form.db-rate');
  await prompt.waitFor();
  assert.equal(await prompt.getByRole('group', { name: 'How did we do?' }).count(), 1);
  assert.equal(await widget.getByText(/resolved/i).count(), 0, 'the guest sees a prompt, not the status');
  assert.equal(await widget.getByText('can you confirm').count(), 0, 'the note never reached the guest');
  // The prompt takes room from the timeline, which stays scrolled to the last message.
  // Read once the timeline has drawn its last message (a redraw in between leaves no box to read).
  const inView = async () => {
    const box = await widget.locator('.db-log').boundingBox();
    const last = await widget.locator('.db-log .db-msg').last().boundingBox();
    return box !== null && last !== null && last.y + last.height <= box.y + box.height + 1;
  };
  await expectSoon(inView, true, 'the last message is in view above the prompt');
  const sendRating = prompt.getByRole('button', { name: 'Send rating' });
  assert.equal(await sendRating.isDisabled(), true, 'nothing to send before a score is chosen');

  // 7. The guest rates 4 of 5 with a comment, from the keyboard's point of view: radios named "4 out of 5".
  await prompt.getByRole('radio', { name: '4 out of 5' }).check({ force: true });
  assert.equal(await prompt.locator('label.db-on').count(), 4, 'four stars lit');
  await prompt.getByLabel('Anything to add? (optional)').fill('Quick and clear, thank you');
  await shot(guest, 'day-rating-prompt');
  await sendRating.click();
  await widget.getByText('Thank you for your rating!').waitFor();
  await prompt.waitFor({ state: 'hidden' });
  await expectSoon(inView, true, 'the last message is in view above the thanks');
  await shot(guest, 'day-rating-thanks');
  log('the guest rated 4/5 in the widget');

  // 8. Alice's console shows the rating: the header chip, the timeline, the details panel.
  await toolbar.locator('.rating-tag', { hasText: '4/5' }).waitFor();
  await alice.locator('.db-log .db-event', { hasText: 'Rita Day rated the conversation 4/5: “Quick and clear, thank you”' }).waitFor();
  const ratings = alice.locator('.details .ratings');
  await ratings.locator('li', { hasText: '4/5 by Rita Day' }).waitFor();
  assert.match(await ratings.textContent(), /Quick and clear, thank you/);
  await shot(alice, 'day-console-rating');
  log('Alice’s console shows the rating in the header, the timeline and the details');

  // The transcript went to the guest by email: the messages, not the note.
  let transcript = null;
  for (let i = 0; i < 50 && !transcript; i++) {
    const res = await fetch(`${suite.BASE}/dev/outbox.json`);
    const { emails } = await res.json();
    transcript = emails.find((e) => e.subject === 'Transcript — Sales' && JSON.stringify(e.to).includes('rita.day@example.com'));
    if (!transcript) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(transcript, 'a transcript email reached the outbox');
  assert.match(transcript.text, new RegExp(word));
  assert.match(transcript.text, /within three working days/);
  assert.doesNotMatch(transcript.text, /can you confirm/);

  // 9. Carol finds it by search and opens it.
  const carolContext = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const carol = await carolContext.newPage();
  await signIn(carol, await agentToken('carol@doorbell.example'));
  await carol.getByRole('searchbox', { name: 'Search messages' }).fill(word);
  const result = carol.locator('.result', { hasText: word });
  await result.waitFor({ timeout: 10_000 });
  assert.equal(await result.locator('mark').first().textContent(), word);
  await result.click();
  await carol.locator('.db-log .db-found', { hasText: word }).waitFor();
  await carol.locator('.db-log .db-note', { hasText: '@carol can you confirm' }).waitFor();
  await carol.locator('.db-log .db-event', { hasText: 'rated the conversation 4/5' }).waitFor();
  log('Carol found the conversation by search and sees the note and the rating');

  assert.deepEqual(guestErrors, []);
  assert.deepEqual(aliceErrors, []);
  for (const c of [guestContext, aliceContext, carolContext]) await c.close();
});
