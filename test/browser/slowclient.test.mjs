// The console's conversation client answers the server's marks (docs/protocol.md, "Reading and
// marks"), so a busy conversation does not get its socket closed with 4008: 1.4 MiB of
// messages arrive on the one socket the console opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('slowclient');

const post = async (path, token, body) =>
  fetch(`${suite.BASE}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the console receives 1.4 MiB on one conversation socket, answering every mark, without a close', async () => {
  const guest = await (await fetch(`${suite.BASE}/api/guests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bea Busy' }) })).json();
  const started = await post('/api/conversations', guest.token, { target: { kind: 'agent', slug: 'alice' }, clientId: 'b-0', text: 'A busy one' });
  assert.equal(started.status, 200);
  const id = (await started.json()).conversation.id;

  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const sockets = [];
  page.on('websocket', (ws) => {
    if (!ws.url().includes(`/api/conversations/${id}/socket`)) return;
    const seen = { marks: 0, answers: 0, closed: false };
    ws.on('framereceived', ({ payload }) => String(payload).startsWith('{"type":"mark"') && seen.marks++);
    ws.on('framesent', ({ payload }) => String(payload).startsWith('{"type":"received"') && seen.answers++);
    ws.on('close', () => (seen.closed = true));
    sockets.push(seen);
  });
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.inbox-list a', { hasText: 'A busy one' }).click();
  await page.locator('.db-title').filter({ hasText: 'Bea Busy' }).waitFor();
  while (sockets.length === 0) await new Promise((r) => setTimeout(r, 100));

  // 120 messages of about 12 KB each (3 UTF-8 bytes a character), ten at a time, each batch
  // once the page shows the last one: a loaded machine renders them slowly.
  for (let i = 0; i < 120; i += 10) {
    const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => post(`/api/conversations/${id}/messages`, guest.token, { clientId: `b-${i + j + 1}`, text: `m${i + j + 1}: ${'€'.repeat(3900)}` })));
    for (const r of batch) assert.equal(r.status, 200);
    await page.locator('.db-log .db-msg', { hasText: `m${i + 10}: ` }).waitFor({ timeout: 30_000 });
  }
  log(`sockets ${JSON.stringify(sockets)}`);
  assert.equal(sockets.length, 1, 'the console opened no second socket');
  assert.equal(sockets[0].closed, false);
  assert.ok(sockets[0].marks >= 16, `${sockets[0].marks} marks`);
  assert.equal(sockets[0].answers, sockets[0].marks);
  await context.close();
});
