// Inbox views in the console (docs/console.md "Views"): Alice's view switcher counts Mine,
// Unassigned, All open, Mentions and Resolved live, without a reload, as guests start
// conversations and a colleague resolves one; switching views by keyboard shows each view's
// rows, and an empty view says why instead of "No conversations yet".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, consoleSignedIn, log, shot, useBrowserSuite } from './harness.mjs';
import { bearer, httpClient, newGuest } from '../support/client.mjs';

const suite = useBrowserSuite('views');

async function guestWrites(name, service, text) {
  const call = httpClient(suite.BASE);
  const guest = await newGuest(call, name);
  const r = await call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'service', slug: service }, clientId: `g-${Date.now()}`, text } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.conversation.id;
}

test('Alice switches views; their counts follow guests and a colleague live', async () => {
  const { context, page: alice, errors } = await consoleSignedIn('alice@doorbell.example');
  const count = (view) => alice.locator(`#inbox-${view} .view-count`);
  const counted = async (view, n) => alice.waitForFunction(([v, n]) => document.querySelector(`#inbox-${v} .view-count`)?.textContent === n, [view, String(n)], { timeout: 5000 });
  await alice.getByText('No conversations yet').waitFor();
  for (const view of ['mine', 'unassigned', 'all', 'mentions', 'resolved']) await counted(view, 0);
  const views = alice.getByRole('group', { name: 'Views' });
  assert.deepEqual(await views.getByRole('button').allTextContents(), ['Mine0', 'Unassigned0', 'All open0', 'Mentions0', 'Resolved0']);

  // A guest writes to Support, which Alice is not in: only All open counts it, live.
  const started = Date.now();
  const support = await guestWrites('Vera Views', 'support', 'Is anyone there?');
  await counted('all', 1);
  log(`All open counted a new Support conversation ${Date.now() - started} ms after the guest wrote`);
  assert.equal(await count('unassigned').textContent(), '0');
  assert.equal(await count('mine').textContent(), '0');
  assert.equal(await alice.locator('.inbox-list a', { hasText: 'Vera Views' }).count(), 0, 'Mine does not list it');
  await alice.getByText('You are in no conversation.', { exact: false }).waitFor();
  assert.equal(await alice.getByText('No conversations yet').count(), 0, 'there is a conversation, just not in Mine');

  // By keyboard: Tab to the views, Enter on All open.
  await views.getByRole('button', { name: /^All open/ }).focus();
  await alice.keyboard.press('Enter');
  assert.equal(await views.getByRole('button', { name: /^All open/ }).getAttribute('aria-pressed'), 'true');
  await alice.locator('.inbox-list a', { hasText: 'Vera Views' }).waitFor();
  await shot(alice, 'views-all-open');

  // A guest writes to Sales: Alice is a participant, and nobody is assigned.
  await guestWrites('Sid Sales', 'sales', 'A quote, please');
  await counted('all', 2);
  await counted('unassigned', 1);
  await counted('mine', 1);
  await alice.locator('.inbox-list a', { hasText: 'Sid Sales' }).waitFor();
  await views.getByRole('button', { name: /^Unassigned/ }).click();
  await alice.locator('.inbox-list a', { hasText: 'Sid Sales' }).waitFor();
  assert.equal(await alice.locator('.inbox-list a', { hasText: 'Vera Views' }).count(), 0, 'not in her services');

  // The service filter narrows the view and the counts alike.
  await views.getByRole('button', { name: /^All open/ }).click();
  await alice.getByLabel('Service', { exact: true }).selectOption({ label: 'Support' });
  await alice.locator('.inbox-list a', { hasText: 'Sid Sales' }).waitFor({ state: 'detached' });
  await counted('all', 1);
  await alice.getByLabel('Service', { exact: true }).selectOption({ label: 'Any service' });
  await counted('all', 2);

  // Carol resolves the Support conversation: it moves from All open to Resolved, live.
  const resolved = await httpClient(suite.BASE)('PATCH', `/api/conversations/${support}`, { headers: bearer(await agentToken('carol@doorbell.example')), body: { status: 'resolved' } });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  await counted('resolved', 1);
  await counted('all', 1);
  await alice.locator('.inbox-list a', { hasText: 'Vera Views' }).waitFor({ state: 'detached' });
  await views.getByRole('button', { name: /^Resolved/ }).click();
  await alice.locator('.inbox-list a', { hasText: 'Vera Views' }).waitFor();
  await shot(alice, 'views-resolved');
  await views.getByRole('button', { name: /^Mentions/ }).click();
  await alice.getByText('No mentions yet.', { exact: false }).waitFor();
  assert.deepEqual(errors, []);
  log('views: switched by keyboard and click, counts live, empty views explained');
  await context.close();
});
