// Canned replies in the console (headless Chromium against `wrangler dev`): replies made through
// the API, Alice types "/" in a guest's conversation, picks one from the list with the keyboard,
// the composer holds it with the placeholders filled, she sends it and the guest sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken } from '../support/dev-server.mjs';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('canned-replies');

const call = async (method, path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};

test('Alice types /thx in a guest’s conversation, picks the canned reply with the keyboard, and the guest gets it with the names filled in', async () => {
  const alice = await agentToken('alice@doorbell.example');
  const made = [
    await call('POST', '/api/admin/canned-replies', adminToken(), { shortcut: 'thx', text: 'Thanks for writing, {{guest.name}}! {{agent.name}} from {{service.name}} is on it.' }),
    await call('POST', '/api/canned-replies', alice, { shortcut: 'thx-ship', text: 'We ship to Lyon in two days, {{ guest.name }}.' }),
    await call('POST', '/api/canned-replies', await agentToken('bob@doorbell.example'), { shortcut: 'thx-bob', text: 'Bob’s own thanks' }),
  ];
  for (const r of made) assert.equal(r.status, 201, JSON.stringify(r.body));

  // The guest writes from Sales' chat page.
  const guestContext = await suite.browser.newContext({ viewport: { width: 900, height: 700 } });
  const guest = await guestContext.newPage();
  await guest.goto(`${suite.BASE}/s/sales`);
  await guest.getByLabel('Your name').fill('Ann Lee');
  const question = `Do you ship to Lyon? ${Date.now()}`;
  await guest.locator('textarea').fill(question);
  await guest.locator('textarea').press('Enter');
  await guest.locator('.db-msg.db-mine[data-seq]', { hasText: question }).waitFor();

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(alice);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox-list a', { hasText: question }).click();
  await page.locator('.db-log .db-msg', { hasText: question }).waitFor();
  await page.locator('.db-title', { hasText: 'Ann Lee' }).waitFor();

  const composer = page.locator('.db-form textarea');
  const list = page.getByRole('listbox', { name: 'Canned replies' });
  const options = list.getByRole('option');
  const activeOption = async () => {
    const id = await composer.getAttribute('aria-activedescendant');
    assert.ok(id, 'the composer names the active option');
    const active = page.locator(`[id="${id}"]`);
    assert.equal(await active.getAttribute('aria-selected'), 'true');
    assert.equal(await options.and(page.locator('[aria-selected=true]')).count(), 1, 'one option is selected');
    return (await active.locator('.canned-shortcut').textContent()).trim();
  };

  // "/" opens the list: the organisation's and Alice's own, never Bob's.
  await composer.click();
  await composer.pressSequentially('/th');
  await list.waitFor();
  await options.filter({ hasText: '/thx-ship' }).waitFor();
  const shown = await options.locator('.canned-shortcut').allTextContents();
  assert.deepEqual(shown, ['/thx', '/thx-ship']);
  assert.equal(await composer.getAttribute('aria-controls'), await list.getAttribute('id'));
  assert.match(await options.first().textContent(), /Thanks for writing, Ann Lee! Alice Martin from Sales is on it\./, 'the preview is filled in');
  assert.match(await options.nth(1).textContent(), /Mine/);
  await page.getByRole('status').filter({ hasText: '2 canned replies: Up and Down to choose, Enter to insert, Escape to close.' }).waitFor({ state: 'attached' });

  // Arrow keys move (and wrap); the text typed so far is untouched.
  assert.equal(await activeOption(), '/thx');
  await composer.press('ArrowDown');
  assert.equal(await activeOption(), '/thx-ship');
  await composer.press('ArrowDown');
  assert.equal(await activeOption(), '/thx');
  await composer.press('ArrowUp');
  assert.equal(await activeOption(), '/thx-ship');
  assert.equal(await composer.inputValue(), '/th');

  // Filtering by the text, not only the shortcut.
  await composer.fill('');
  await composer.pressSequentially('/lyon');
  await options.first().filter({ hasText: '/thx-ship' }).waitFor();
  assert.equal(await options.count(), 1);

  // Escape closes and leaves the text; the list comes back for a new "/".
  await composer.press('Escape');
  await list.waitFor({ state: 'hidden' });
  assert.equal(await composer.inputValue(), '/lyon');
  assert.equal(await composer.getAttribute('aria-activedescendant'), null);
  await composer.press('x');
  assert.ok(await list.isHidden(), 'stays closed while the same word is typed');
  await composer.fill('');

  // A "/" inside a word (a URL, a date) is just text.
  await composer.pressSequentially('see example.com/th');
  assert.ok(await list.isHidden(), 'no list for a slash inside a word');
  await composer.fill('');

  await composer.pressSequentially('/thx');
  await options.first().filter({ hasText: '/thx' }).waitFor();
  assert.equal(await activeOption(), '/thx');
  await shot(page, 'console-canned-replies');
  await composer.press('Enter');
  await list.waitFor({ state: 'hidden' });
  const filled = 'Thanks for writing, Ann Lee! Alice Martin from Sales is on it.';
  assert.equal(await composer.inputValue(), filled, 'Enter inserted the reply, filled in, without sending it');
  assert.equal(await page.locator('.db-msg.db-mine', { hasText: filled }).count(), 0, 'nothing was sent yet');
  log(`the composer holds: ${filled}`);

  await composer.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: filled }).waitFor();
  assert.equal(await composer.inputValue(), '');
  await guest.locator('.db-msg:not(.db-mine)', { hasText: filled }).waitFor();
  log('sent; the guest sees it on their page');

  await guestContext.close();
  await context.close();
});
