// People's names are shown isolated (<bdi>, unicode-bidi: isolate) on every page, so a
// right-to-left name cannot reorder the words around it ("محمد: hello" stays name, colon, text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('names');

const RTL_NAME = 'محمد علي 42';

/** Every element holding exactly `name` as its text, with its tag and computed unicode-bidi. */
const holders = (page, name) =>
  page.evaluate((name) => [...document.querySelectorAll('body *')]
    .filter((el) => el.children.length === 0 && el.textContent === name)
    .map((el) => ({ tag: el.tagName.toLowerCase(), bidi: getComputedStyle(el).unicodeBidi, parent: el.parentElement?.className ?? '' })), name);

const assertIsolated = async (page, name, where) => {
  const found = await holders(page, name);
  assert.ok(found.length > 0, `${where}: "${name}" is shown`);
  assert.deepEqual(found.filter((f) => f.bidi !== 'isolate'), [], `${where}: every element showing "${name}" isolates it`);
  log(`${where}: ${found.map((f) => `${f.tag}.${f.parent}`).join(', ')} isolated`);
};

test('names are isolated on the guest pages, in the chat and in the console', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();

  await page.goto(`${suite.BASE}/u/alice`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  await assertIsolated(page, 'Alice Martin', 'contact-me page');
  await page.goto(`${suite.BASE}/u/alice/meet`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  await assertIsolated(page, 'Alice Martin', 'booking page');

  // A guest with a right-to-left name writes to Sales from the service page.
  await page.goto(`${suite.BASE}/s/sales`);
  await page.getByLabel('Your name').fill(RTL_NAME);
  await page.getByLabel('Message').last().fill('hello from the guest');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'hello from the guest' }).waitFor();
  await assertIsolated(page, 'Sales', 'chat title');
  const id = await page.evaluate(() => Object.entries(localStorage).map(([, v]) => /cv_[a-f0-9]{32}/.exec(v)?.[0]).find(Boolean));
  assert.ok(id, 'the conversation id is kept by the page');

  // Alice answers: her name above her message in the guest's chat is isolated.
  const token = await agentToken('alice@doorbell.example');
  const answered = await fetch(`${suite.BASE}/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: 'names-1', text: 'hello from Alice' }),
  });
  assert.equal(answered.status, 200);
  await page.locator('.db-msg', { hasText: 'hello from Alice' }).waitFor();
  await assertIsolated(page, 'Alice Martin', 'chat author');

  const console = await context.newPage();
  await console.goto(`${suite.BASE}/console`);
  await console.getByLabel('Agent token').fill(token);
  await console.getByRole('button', { name: 'Sign in' }).click();
  await console.getByRole('tab', { name: 'Inbox' }).waitFor();
  await console.locator(`a.item[data-conversation="${id}"]`).click();
  await console.locator('.who', { hasText: RTL_NAME }).waitFor();
  await assertIsolated(console, RTL_NAME, 'console inbox and participants');
  await assertIsolated(console, 'Alice Martin', 'console: the agent');
  await context.close();
});
