// The console's participants panel and invite dialog, with a second guest who joins by invite
// after the console loaded: the panel follows that guest's presence live (it used to show them
// offline until a reload), and the dialog lists open links with a way to withdraw them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentSocket, agentToken, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('invite-presence');

const api = async (method, path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};
const newGuest = async (name) =>
  (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })).json();

test('a guest invited after the console loaded shows online while connected, offline after; open links can be revoked from the dialog', async () => {
  const rosa = await newGuest('Rosa First');
  const started = await api('POST', '/api/conversations', rosa.token, { target: { kind: 'service', slug: 'sales' }, clientId: 'r-1', text: 'Hello, two of us' });
  assert.equal(started.status, 200, JSON.stringify(started.body));

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`console page error: ${e.message}`));
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox-list a', { hasText: 'Hello, two of us' }).click();
  await page.locator('.db-title').filter({ hasText: 'Rosa First' }).waitFor();

  // A link for two new guests, made in the dialog, is listed there as open.
  await page.getByRole('button', { name: 'Add a guest…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add a guest' });
  await dialog.getByLabel('New guests who may join with it').fill('2');
  await dialog.getByRole('button', { name: 'Create link' }).click();
  await page.waitForFunction(() => document.querySelector('dialog input[name=invite]')?.value.includes('/invite#'));
  const invite = (await dialog.getByLabel('Invite link').inputValue()).split('#')[1];
  const openLinks = dialog.getByRole('list', { name: 'Links still open' });
  await openLinks.getByRole('listitem').filter({ hasText: '0 of 2 used, by Alice Martin' }).waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();

  const sam = await newGuest('Sam Second');
  assert.equal((await api('POST', '/api/invites/accept', sam.token, { invite })).status, 200);
  const samRow = page.locator('.people li', { hasText: 'Sam Second' });
  await samRow.filter({ hasText: 'offline' }).waitFor();
  log('the invited guest is listed, offline until they connect');

  const socket = agentSocket(started.body.conversation.id, sam.token);
  await socket.opened;
  await samRow.filter({ hasText: 'online' }).waitFor({ timeout: 5000 });
  socket.send({ type: 'send', clientId: 's-1', text: 'Sam here' });
  await page.getByText('Sam here').waitFor();
  assert.match(await samRow.textContent(), /online/);
  log('connected and writing: shown online without a reload');
  socket.ws.close();
  await samRow.filter({ hasText: 'offline' }).waitFor({ timeout: 5000 });
  log('gone: shown offline');

  // Revoke from the dialog: the link lets nobody else in.
  await page.getByRole('button', { name: 'Add a guest…' }).click();
  await openLinks.getByRole('listitem').filter({ hasText: '1 of 2 used' }).waitFor();
  await dialog.getByRole('button', { name: 'Revoke the link made by Alice Martin' }).click();
  await openLinks.getByRole('listitem').filter({ hasText: 'No open invite links.' }).waitFor();
  const late = await newGuest('Tess Late');
  const refused = await api('POST', '/api/invites/accept', late.token, { invite });
  assert.equal(refused.status, 410);
  assert.equal(refused.body.error.code, 'invite_revoked');
  await context.close();

  // Whoever opens the withdrawn link is told so, not shown a form that cannot work.
  const guestContext = await suite.browser.newContext();
  const guestPage = await guestContext.newPage();
  await guestPage.goto(`${suite.BASE}/invite#${invite}`);
  await guestPage.getByRole('heading', { name: 'This invite link can no longer be used' }).waitFor();
  assert.equal(await guestPage.getByLabel('Your name').count(), 0, 'no name is asked for a link that cannot work');
  log('revoked in the dialog: the next guest opening it is told at once that the link can no longer be used');
  await guestContext.close();
});

test('the invite page says who invites the guest to what before asking their name', async () => {
  const rosa = await newGuest('Rosa First');
  const started = await api('POST', '/api/conversations', rosa.token, { target: { kind: 'service', slug: 'sales' }, clientId: 'r-2', text: 'Can my colleague join?' });
  const made = await api('POST', `/api/conversations/${started.body.conversation.id}/invites`, await agentToken('alice@doorbell.example'));
  assert.equal(made.status, 201, JSON.stringify(made.body));

  const context = await suite.browser.newContext({ viewport: { width: 800, height: 700 } });
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/invite#${made.body.invite}`);
  const who = page.locator('.invite-who');
  await who.waitFor();
  assert.equal(await who.textContent(), 'Alice Martin invites you to a conversation with Sales.');
  // Names come from people: each is isolated, so a right-to-left one cannot reorder the sentence.
  assert.deepEqual(await who.locator('bdi').allTextContents(), ['Alice Martin', 'Sales']);
  assert.equal(await page.getByLabel('Your name').inputValue(), '', 'shown before any name is given');
  assert.ok(!(await page.locator('main').textContent()).includes('Rosa'), 'the other guest is not named');
  await shot(page, 'invite-who');

  await page.getByLabel('Your name').fill('Vic Third');
  await page.getByRole('button', { name: 'Join the conversation' }).click();
  await page.getByText('Can my colleague join?').waitFor();
  log('the invite page named Alice Martin and Sales before the name; the guest then joined the chat');
  await context.close();
});
