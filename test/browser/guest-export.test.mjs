// A guest's own export from the chat page (docs/privacy.md "The guest themself"): "Download my
// data" saves their conversation as JSON in the same session, without agents' notes, and
// "Email it to me" sends the link to the address they gave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { agentCall, expectAccessible, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('guest-export');

test('the guest downloads their own data and has the link emailed; agents-only notes are not in it', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${suite.BASE}/s/sales`);
  // Nothing is held before the guest exists: no "Your data" yet.
  await page.getByLabel('Your name').waitFor();
  assert.equal(await page.getByRole('region', { name: 'Your data' }).count(), 0);

  await page.getByLabel('Your name').fill('Gwen Export');
  await page.getByLabel('Email (optional)').fill('gwen.export@example.com');
  await page.locator('textarea').fill('Can I get a copy of my data?');
  await page.locator('textarea').press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'copy of my data' }).waitFor();
  const conversationId = await page.evaluate((base) => JSON.parse(localStorage.getItem(`doorbell:${base}:conversation:service:sales`)), suite.BASE);
  await agentCall('alice@doorbell.example', 'POST', `/api/conversations/${conversationId}/messages`, { clientId: 'a-export-1', text: 'Of course: use the button below.' });
  await agentCall('alice@doorbell.example', 'POST', `/api/conversations/${conversationId}/messages`, { clientId: 'a-export-2', text: 'Internal: wants a GDPR copy', note: true });
  await page.locator('.db-msg', { hasText: 'use the button below' }).waitFor();

  const region = page.getByRole('region', { name: 'Your data' });
  await region.waitFor();
  const email = region.getByRole('button', { name: 'Email it to me' });
  await email.waitFor();
  await shot(page, 'guest-export');
  await expectAccessible(page, { context: '.export' });

  const [download] = await Promise.all([page.waitForEvent('download'), region.getByRole('button', { name: 'Download my data' }).click()]);
  assert.match(download.suggestedFilename(), /^my-data-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.equal(data.guest.name, 'Gwen Export');
  assert.equal(data.guest.email, 'gwen.export@example.com');
  const texts = data.conversations.find((c) => c.id === conversationId).entries.map((e) => e.text);
  assert.ok(texts.includes('Can I get a copy of my data?'), 'the guest’s message is in it');
  assert.ok(texts.includes('Of course: use the button below.'), 'the agent’s reply is in it');
  const raw = JSON.stringify(data);
  assert.ok(!raw.includes('GDPR copy'), 'the agents’ note is not in it');
  assert.ok(!raw.includes('agentsOnly'));
  await region.getByRole('status').filter({ hasText: 'Your data is downloaded.' }).waitFor();
  log('the download holds the guest’s messages and not the note');

  await email.click();
  await region.getByRole('status').filter({ hasText: 'Sent to gwen.export@example.com' }).waitFor();
  await shot(page, 'guest-export-sent');
  const { emails } = await (await fetch(`${suite.BASE}/dev/outbox.json?to=gwen.export@example.com`)).json();
  const sent = emails.find((m) => m.subject.startsWith('Your data'));
  assert.ok(sent, 'the email is in the outbox');
  const link = sent.text.match(/https?:\/\/\S+\/api\/exports\/[\w.-]+/)[0];
  const emailed = await (await fetch(link.replace(/^https?:\/\/[^/]+/, suite.BASE))).json();
  assert.ok(JSON.stringify(emailed).includes('Can I get a copy of my data?'));
  assert.ok(!JSON.stringify(emailed).includes('GDPR copy'));
  log('the emailed link downloads the same export');
  assert.deepEqual(errors, []);
  await context.close();
});
