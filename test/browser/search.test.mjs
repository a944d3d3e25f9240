// Search in the console (docs/console.md, "Search"): an agent who is not in a conversation
// finds a word its guest wrote, sees it highlighted in the snippet (as text: the guest's
// markup stays text), and the result opens the conversation scrolled to that message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('search');

const post = async (path, token, body) => {
  const res = await fetch(`${suite.BASE}${path}`, {
    method: 'POST',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, JSON.stringify(json));
  return json;
};

test('a second agent searches a word a guest wrote, sees it highlighted, and opens the conversation at that message', async () => {
  const word = 'flibbertigibbet';
  const made = await post('/api/guests', null, { name: 'Gina Guest' });
  // Support's only agent is Carol; Alice is in no part of it and finds it because it is public.
  const started = await post('/api/conversations', made.token, { target: { kind: 'service', slug: 'support' }, clientId: 'g-0', text: 'Hello, I need help with an order.' });
  const id = started.conversation.id;
  const messages = `/api/conversations/${id}/messages`;
  const hit = await post(messages, made.token, { clientId: 'g-hit', text: `The <b>${word}</b> I ordered arrived broken, and the box was wet.` });
  // Enough later messages that the one found is far above the end of the timeline.
  for (let i = 1; i <= 40; i++) await post(messages, made.token, { clientId: `g-${i}`, text: `Another detail, number ${i}, about the delivery.` });

  const context = await suite.browser.newContext({ viewport: { width: 1200, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/console`);
  await page.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Inbox' }).waitFor();

  await page.getByRole('searchbox', { name: 'Search messages' }).fill(word.slice(0, 8));
  const result = page.locator(`.result[data-conversation="${id}"]`);
  await result.waitFor({ timeout: 10_000 });
  assert.equal(await result.locator('mark').textContent(), word);
  // The guest's markup arrived as text: shown literally, never as an element.
  assert.match(await result.locator('.result-snippet').textContent(), new RegExp(`The <b>${word}</b> I ordered`));
  assert.equal(await result.locator('.result-snippet b').count(), 0);
  assert.equal(await page.locator('.inbox-list').isVisible(), false, 'results take the inbox list’s place');
  log(`result: ${await result.textContent()}`);
  await shot(page, 'search-results');

  await result.click();
  assert.equal(new URL(page.url()).hash, `#/c/${id}/m/${hit.seq}`);
  const found = page.locator(`.db-log [data-seq="${hit.seq}"].db-found`);
  await found.waitFor({ timeout: 10_000 });
  assert.match(await found.textContent(), new RegExp(word));
  // Scrolled to it: the message is inside the timeline's visible box, the last one is not.
  // Read once the timeline is drawn (a redraw in between leaves no box to read).
  const boxes = async () => {
    const [box, at, last] = await Promise.all([page.locator('.db-log').boundingBox(), found.boundingBox(), page.locator('.db-log [data-seq]').last().boundingBox()]);
    return box && at && last ? { box, at, last } : null;
  };
  await expectSoon(async () => (await boxes()) !== null, true, 'the timeline and the found message are drawn');
  const { box, at, last } = (await boxes());
  assert.ok(at.y >= box.y && at.y + at.height <= box.y + box.height, `found message at ${at.y}, timeline ${box.y}–${box.y + box.height}`);
  assert.ok(last.y > box.y + box.height, 'the timeline is not at its end');
  await shot(page, 'search-opened');

  // Escape clears the search and brings the inbox back.
  await page.getByRole('searchbox', { name: 'Search messages' }).press('Escape');
  await page.locator('.inbox-list').waitFor({ state: 'visible' });
  await context.close();
});
