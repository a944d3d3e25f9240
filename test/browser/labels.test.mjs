// Labels in the console (docs/console.md): an admin adds "Billing" through the API, Alice puts
// it on a guest's conversation with the toolbar's Labels menu (by keyboard: a menu of
// checkboxes), the chip shows in the conversation's header and its inbox row, and the inbox's
// label filter shows only that conversation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, shot, useBrowserSuite } from './harness.mjs';
import { adminToken } from '../support/dev-server.mjs';

const suite = useBrowserSuite('labels');

const call = async (method, path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};

async function guestWrites(name, text) {
  const made = (await call('POST', '/api/guests', null, { name })).body;
  const r = await call('POST', '/api/conversations', made.token, { target: { kind: 'service', slug: 'sales' }, clientId: `g-${Date.now()}`, text });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.conversation.id;
}

test('Alice labels a conversation "Billing" in the console; the chip shows in the header and the inbox, and the filter shows only it', async () => {
  const billing = await call('POST', '/api/admin/labels', adminToken(), { name: 'Billing', color: '#b60205' });
  assert.equal(billing.status, 201, JSON.stringify(billing.body));
  const pale = await call('POST', '/api/admin/labels', adminToken(), { name: 'Follow-up', color: '#fbca04' });
  assert.equal(pale.status, 201);
  const billed = await guestWrites('Bea Billing', 'I was charged twice');
  await guestWrites('Otto Other', 'Where is my parcel?');

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alice = await context.newPage();
  const errors = [];
  alice.on('pageerror', (e) => errors.push(e.message));
  await alice.goto(`${suite.BASE}/console`);
  await alice.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await alice.getByRole('button', { name: 'Sign in' }).click();
  await alice.locator('.inbox .live[data-state=online]').waitFor();

  const row = alice.locator('.inbox-list li', { hasText: 'Bea Billing' });
  await row.waitFor();
  await alice.locator('.inbox-list li', { hasText: 'Otto Other' }).waitFor();
  assert.equal(await row.locator('.label-chip').count(), 0, 'no label yet');
  await row.locator('a').click();
  await alice.locator('.db-log .db-msg', { hasText: 'I was charged twice' }).waitFor();

  // The menu by keyboard: ArrowDown opens it on the first item, Space toggles the focused one.
  const toolbar = alice.getByRole('toolbar', { name: 'Conversation actions' });
  const button = toolbar.getByRole('button', { name: 'Labels ▾' });
  await button.focus();
  await alice.keyboard.press('ArrowDown');
  const menu = alice.getByRole('menu', { name: 'Labels' });
  const item = menu.getByRole('menuitemcheckbox', { name: 'Billing' });
  await item.waitFor();
  assert.equal(await item.getAttribute('aria-checked'), 'false');
  assert.equal(await menu.getByRole('menuitemcheckbox').count(), 2, 'every label is offered');
  await item.focus();
  await alice.keyboard.press(' ');

  const header = alice.locator('.db-head .label-chip', { hasText: 'Billing' });
  await header.waitFor();
  await alice.waitForFunction(() => document.querySelector('[role=menuitemcheckbox][aria-checked=true]')?.textContent?.includes('Billing'));
  const colours = await header.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
  assert.deepEqual(colours, ['rgb(182, 2, 5)', 'rgb(255, 255, 255)'], 'white on the dark red');
  await row.locator('.label-chip', { hasText: 'Billing' }).waitFor();
  await alice.locator('.db-log', { hasText: 'Alice Martin added the label “Billing”' }).waitFor();
  await alice.keyboard.press('Escape');
  await shot(alice, 'labels-applied');

  // Filter: only the labelled conversation.
  await alice.getByLabel('Label', { exact: true }).selectOption({ label: 'Billing' });
  await alice.locator('.inbox-list li', { hasText: 'Otto Other' }).waitFor({ state: 'detached' });
  const shown = await alice.locator('.inbox-list li').allTextContents();
  assert.equal(shown.length, 1, JSON.stringify(shown));
  assert.ok(shown[0].includes('Bea Billing'));
  await shot(alice, 'labels-filtered');

  // The server agrees, and a pale label gets black text.
  const inbox = await call('GET', `/api/inbox?label=${billing.body.id}`, await agentToken('alice@doorbell.example'));
  assert.deepEqual(inbox.body.items.map((i) => i.conversationId), [billed]);
  await button.click();
  await menu.getByRole('menuitemcheckbox', { name: 'Follow-up' }).click();
  const paleChip = alice.locator('.db-head .label-chip', { hasText: 'Follow-up' });
  await paleChip.waitFor();
  assert.equal(await paleChip.evaluate((el) => getComputedStyle(el).color), 'rgb(0, 0, 0)', 'black on the yellow');
  assert.deepEqual(errors, []);
  log('labels: applied, shown, filtered');
  await context.close();
});
