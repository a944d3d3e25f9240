// The widget's states when it cannot simply chat (docs/widget.md "States"): a site not allowed,
// an unknown service, a server that does not answer, too many messages. Each says what is wrong
// in the panel, under the service's name once the card was read and a neutral title before,
// never the slug; and a send never fails silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectAccessible, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('widget-states', (BASE) => {
  const page = (service) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="${service}" async></script></body></html>`;
  return { '/sales.html': page('sales'), '/nobody.html': page('nobody-here') };
});

async function widgetPage(path, { host = suite.HOST, viewport = { width: 1000, height: 760 } } = {}) {
  const context = await suite.browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors, w: page.locator('doorbell-widget'), go: () => page.goto(`${host}${path}`) };
}

const STATUS = '.db-status .db-state';

test('a site that may not embed the service: the panel says so and, on localhost, how to allow it; no composer', async () => {
  // The host site under another name: GUEST_ORIGINS lists 127.0.0.1's, not localhost's, and no
  // service lists it either, so the server gives it no CORS at all (embed.test.mjs has the
  // readable 403 of a site allowed for another service).
  const site = suite.HOST.replace('127.0.0.1', 'localhost');
  const { context, page, w, go, errors } = await widgetPage('/sales.html', { host: site });
  await go();
  await w.locator('.l').click();
  await w.locator(STATUS, { hasText: 'This site may not use this chat.' }).waitFor();
  assert.equal(await w.locator('.db-title').textContent(), 'Chat');
  assert.equal(await w.locator('.p').getAttribute('aria-label'), 'Chat');
  assert.match(await w.locator('.db-allow').textContent(), new RegExp(`To allow ${site}, add it to the service’s embedOrigins or to GUEST_ORIGINS`));
  assert.equal(await w.locator('.db-form').isHidden(), true, 'nothing to type into in vain');
  assert.equal(await w.locator('.db-hello').count(), 0, 'no "How can we help?" over a refusal');
  assert.equal(await w.locator('.db-reply').isVisible(), false, 'no reply promise under a refusal');
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget, origin not allowed' });
  await shot(page, 'widget-not-allowed');
  assert.deepEqual(errors, []);
  log(`not allowed: "${await w.locator('.db-status').textContent()}" + "${await w.locator('.db-allow').textContent()}"`);
  await context.close();
});

test('an unknown service: "not available", a neutral title, no composer', async () => {
  const { context, page, w, go } = await widgetPage('/nobody.html');
  await go();
  await w.locator('.l').click();
  await w.locator(STATUS, { hasText: 'This chat is not available.' }).waitFor();
  assert.equal(await w.locator('.db-title').textContent(), 'Chat', 'never the slug "nobody-here"');
  assert.equal(await w.locator('.db-form').isHidden(), true);
  assert.equal(await w.locator('.db-allow').isHidden(), true, 'the embedOrigins hint is for refused origins only');
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget, unknown service' });
  await context.close();
});

test('a server error on the card: "not available right now" with a countdown, then the service by name once it answers', async () => {
  const { context, page, w, go } = await widgetPage('/sales.html');
  let failing = true;
  await page.route('**/api/public/services/sales', (route) =>
    failing ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"internal","message":"down"}}' }) : route.continue());
  await go();
  await w.locator('.l').click();
  await w.locator(STATUS, { hasText: /^This chat is not available right now, retrying in \d+ s$/ }).waitFor();
  assert.equal(await w.locator('.db-title').textContent(), 'Chat');
  failing = false;
  await w.locator('.db-title', { hasText: 'Sales' }).waitFor({ timeout: 15_000 });
  await w.locator('.db-status[data-state=idle] .db-reply', { hasText: 'We’ll reply by email' }).waitFor();
  assert.equal(await w.locator(STATUS).isHidden(), true);
  await context.close();
});

test('the server unreachable: a counting-down retry under a neutral title, the name as soon as it answers; a send that cannot go says so', async () => {
  const { context, page, w, go } = await widgetPage('/sales.html');
  let blocked = true;
  await page.route(`${suite.BASE}/api/**`, (route) => (blocked ? route.abort('connectionrefused') : route.continue()));
  await go();
  await w.locator('.l').click();
  const status = w.locator(STATUS, { hasText: /^Cannot reach the chat server, retrying in \d+ s$/ });
  await status.waitFor();
  // It counts down: within one wait of more than 3 s, the number drops within 2.5 s.
  await w.locator(STATUS, { hasText: /retrying in ([4-9]|\d\d) s$/ }).waitFor({ timeout: 20_000 });
  const first = Number(/(\d+) s$/.exec(await status.textContent())[1]);
  await w.locator(STATUS, { hasText: `retrying in ${first - 1} s` }).waitFor({ timeout: 2500 });
  assert.equal(await w.locator('.db-title').textContent(), 'Chat');
  // The guest may still write: the send fails visibly, and the text stays to be sent again.
  await w.getByLabel('Your name').fill('Una Reach');
  await w.locator('textarea').fill('Is anyone there?');
  await w.locator('textarea').press('Enter');
  await w.locator('.db-alert', { hasText: 'Could not send. Cannot reach the server. Check your connection and try again.' }).waitFor();
  assert.equal(await w.locator('textarea').inputValue(), 'Is anyone there?');
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget, server unreachable' });
  await shot(page, 'widget-unreachable');
  blocked = false;
  await w.locator('.db-title', { hasText: 'Sales' }).waitFor({ timeout: 40_000 });
  assert.equal(await w.locator('.p').getAttribute('aria-label'), 'Sales');
  log('unreachable: countdown shown, then "Sales" once the server answered');
  await context.close();
});

test('too many messages: "Too many messages, try again in N s" from Retry-After, counting down, then gone; the title stays the name', async () => {
  const { context, page, w, go } = await widgetPage('/sales.html');
  await page.route(`${suite.BASE}/api/guests`, (route) =>
    route.request().method() !== 'POST' ? route.continue() : route.fulfill({
      status: 429,
      headers: { 'retry-after': '9', 'access-control-allow-origin': '*' },
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many guests: at most 10 a minute. Try again in a minute.', details: { limit: 'guests_per_address', retryAfter: 9 } } }),
    }));
  await go();
  await w.locator('.l').click();
  await w.locator('.db-title', { hasText: 'Sales' }).waitFor();
  await w.getByLabel('Your name').fill('Rita Rush');
  await w.locator('textarea').fill('Hello?');
  await w.locator('textarea').press('Enter');
  const alert = w.locator('.db-alert');
  await alert.filter({ hasText: /^Too many messages, try again in [89] s$/ }).waitFor();
  await alert.filter({ hasText: /^Too many messages, try again in [1-7] s$/ }).waitFor({ timeout: 5000 });
  assert.equal(await w.locator('textarea').inputValue(), 'Hello?', 'the message is kept to send again');
  assert.equal(await w.locator('.db-title').textContent(), 'Sales');
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget, rate limited' });
  await shot(page, 'widget-rate-limited');
  await page.waitForFunction(() => document.querySelector('doorbell-widget').shadowRoot.querySelector('.db-alert').textContent === '', null, { timeout: 12_000 });
  log('rate limited: the countdown ran out and the notice went away');
  await context.close();
});

test('one status line: a live conversation with nobody in the console says only that nobody is here and the reply comes by email, not “Online” too', async () => {
  const { context, w, go } = await widgetPage('/sales.html');
  await go();
  await w.locator('.l').click();
  await w.getByLabel('Your name').fill('Sol Status');
  await w.locator('textarea').fill('Just one line please');
  await w.locator('textarea').press('Enter');
  await w.locator('.db-msg.db-mine[data-seq]').waitFor();
  const line = w.locator('.db-status[data-state=online]');
  await line.waitFor();
  // Sales has no business hours (always in them) and nobody online: away.
  await expectSoon(async () => (await line.innerText()).trim(), 'Nobody is here right now; we’ll reply by email.');
  await context.close();
});

test('the service’s chat page and an agent’s contact page: a server that does not answer is retried, not called "does not exist"', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  let blocked = true;
  await page.route('**/api/public/*/*', (route) => (blocked ? route.abort('connectionrefused') : route.continue()));
  await page.goto(`${suite.BASE}/s/sales`);
  await page.locator(STATUS, { hasText: /^Cannot reach the chat server, retrying in \d+ s$/ }).waitFor();
  assert.equal(await page.locator('.db-title').textContent(), 'Chat');
  assert.equal(await page.getByText('This page does not exist.').count(), 0);
  blocked = false;
  await page.locator('.db-title', { hasText: 'Sales' }).waitFor({ timeout: 40_000 });
  assert.equal(await page.title(), 'Sales · Doorbell');

  blocked = true;
  await page.goto(`${suite.BASE}/u/alice`);
  await page.locator(STATUS, { hasText: /^Cannot reach the chat server, retrying in \d+ s$/ }).waitFor();
  assert.equal(await page.getByText('This page does not exist.').count(), 0);
  blocked = false;
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor({ timeout: 40_000 });
  await page.getByRole('button', { name: 'Start a conversation' }).waitFor();
  await context.close();
});

test('a message the socket refuses with a rate_limited error frame: the notice shows, and the message is sent again after the second', async () => {
  const { context, page, w, go } = await widgetPage('/sales.html');
  let refused = 0;
  // The conversation's socket through the test: the first `send` of the second message is
  // answered as the server answers a socket over its frame limit, and not passed on.
  await context.routeWebSocket(/\/socket/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const frame = JSON.parse(String(message));
      if (frame.type === 'send' && frame.text === 'Second, too fast' && !refused++) return ws.send(JSON.stringify({ type: 'error', code: 'rate_limited', message: 'Slow down: at most 50 frames a second.' }));
      server.send(message);
    });
  });
  await go();
  await w.locator('.l').click();
  await w.getByLabel('Your name').fill('Fay Fast');
  await w.locator('textarea').fill('First');
  await w.locator('textarea').press('Enter');
  await w.locator('.db-msg.db-mine[data-seq]', { hasText: 'First' }).waitFor();
  await w.locator('.db-status[data-state=online]').waitFor();
  await w.locator('textarea').fill('Second, too fast');
  await w.locator('textarea').press('Enter');
  await w.locator('.db-alert', { hasText: 'Too many messages, try again in 1 s' }).waitFor();
  await w.locator('.db-msg.db-mine[data-seq]', { hasText: 'Second, too fast' }).waitFor({ timeout: 5000 });
  assert.equal(refused, 2, 'refused once, then sent again and passed on');
  assert.equal(await w.locator('.db-msg.db-mine', { hasText: 'Second, too fast' }).count(), 1);
  await context.close();
});
