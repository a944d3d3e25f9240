// The widget on another site and the guest pages, in headless Chromium against `wrangler dev`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { agentSocket, agentToken, expectSoon, inboxItemSoon, log, shot, useBrowserSuite } from './harness.mjs';

// The host site's pages, with aggressive CSS of their own.
const HOST_CSS = `
* { font-family: "Comic Sans MS", cursive !important; color: rgb(200, 0, 0) !important; letter-spacing: 2px !important; }
button { background: rgb(0, 128, 0) !important; border-radius: 0 !important; padding: 40px !important; }
div, li, p, ol, section, header, form { margin: 33px !important; font-size: 30px !important; }
doorbell-widget { display: none !important; }
.db, .db-msg, .l, .p { background: yellow !important; }
`;
const hostPage = (css, tag) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title>
${css ? `<style>${css}</style>` : ''}</head><body>
<h1 class="host-title">Acme shop</h1><button class="host-btn" type="button">Buy now</button>
<p class="db-msg host-p">A paragraph of the host page that reuses a widget class name.</p>
${tag}</body></html>`;

const suite = useBrowserSuite('widget', (BASE) => {
  const tag = (attrs) => `<script src="${BASE}/widget.js" ${attrs} async></script>`;
  return {
    '/shop.html': hostPage(HOST_CSS, tag('data-service="sales" data-color="#0a7d5a" data-greeting="Hello from Acme Sales!"')),
    '/plain-widget.html': hostPage('', tag('data-service="sales" data-color="#0a7d5a" data-greeting="Hello from Acme Sales!"')),
    '/shop-no-widget.html': hostPage(HOST_CSS, ''),
    '/fr.html': hostPage('', tag('data-agent="alice" data-lang="fr" data-position="left"')),
  };
});

test('widget.js stays under 20 KB gzipped', () => {
  const size = gzipSync(readFileSync('static/widget.js')).length;
  log(`widget.js: ${readFileSync('static/widget.js').length} bytes, ${size} gzipped`);
  assert.ok(size < 20 * 1024, `widget.js is ${size} bytes gzipped`);
});

test('the guest page, the contact-me page and the meet link are served', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${suite.BASE}/u/alice`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Book a meeting' }).getAttribute('href'), '/u/alice/meet');
  assert.match(await page.locator('img.avatar').getAttribute('src'), /\/avatars\/alice\.svg$/);
  await shot(page, 'contact-me-alice');
  await page.getByRole('button', { name: 'Start a conversation' }).click();
  await page.getByLabel('Your name').fill('Bo Chen');
  await page.getByLabel('Message').last().fill('Hello Alice, from your contact page');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'from your contact page' }).waitFor();
  assert.equal(await page.locator('.db-title').textContent(), 'Alice Martin');
  log('contact-me page: conversation started with Alice');
  await page.reload();
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'from your contact page' }).waitFor();
  assert.ok(await page.getByLabel('Your name').isHidden(), 'a returning guest is not asked their name again');
  await shot(page, 'contact-me-alice-chat');

  await page.goto(`${suite.BASE}/u/alice/meet`);
  await page.getByRole('heading', { name: 'Alice Martin' }).waitFor();
  await page.goto(`${suite.BASE}/s/nobody-here`);
  await page.getByText('This page does not exist.').waitFor();

  await page.goto(`${suite.BASE}/s/support`);
  await page.locator('.db-title', { hasText: 'Support' }).waitFor();
  await page.getByLabel('Message').last().fill('Need help');
  await page.keyboard.press('Enter');
  await page.locator('.db-msg.db-mine[data-seq]', { hasText: 'Need help' }).waitFor();
  await page.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });
  await shot(page, 'service-page-support');
  log('service page: a returning guest writes to Support without giving their name again');
  await context.close();
});

test('a guest chats through the widget on another site; Alice answers live; history survives a reload', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 760 } });
  let drop = false;
  const routed = [];
  await context.routeWebSocket(/\/socket/, (ws) => {
    if (drop) return ws.close({ code: 1006, reason: 'network lost (test)' });
    ws.connectToServer();
    routed.push(ws);
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${suite.HOST}/shop.html`);
  const launcher = page.locator('doorbell-widget .l');
  await launcher.waitFor();
  await launcher.click();
  await page.locator('doorbell-widget .db-hello', { hasText: 'Hello from Acme Sales!' }).waitFor();
  await page.locator('doorbell-widget').getByLabel('Your name').fill('Ann Lee');
  await page.locator('doorbell-widget').getByLabel('Email (optional)').fill('ann.lee@example.com');
  const text = `Hi, pricing? ${Date.now()}`;
  await page.locator('doorbell-widget textarea').fill(text);
  await page.locator('doorbell-widget textarea').press('Enter');
  await page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log('guest sent a message through the widget');

  // Alice sees it in her inbox and on the conversation socket.
  const alice = await agentToken('alice@doorbell.example');
  const item = await inboxItemSoon(alice, (i) => i.lastMessage?.text === text && i.title === 'Ann Lee', "Alice's inbox lists the conversation under the guest's name");
  const socket = agentSocket(item.conversationId, alice);
  await socket.waitFor((f) => f.type === 'entry' && f.entry.text === text, 'guest message');
  log('Alice received the message over her socket');

  socket.send({ type: 'typing', typing: true });
  await page.locator('doorbell-widget .db-typing', { hasText: 'Alice Martin is typing' }).waitFor();
  socket.send({ type: 'send', clientId: 'a-1', text: 'Hello Ann! Which plan?' });
  await page.locator('doorbell-widget .db-msg:not(.db-mine)', { hasText: 'Hello Ann! Which plan?' }).waitFor();
  assert.equal(await page.locator('doorbell-widget .db-typing').textContent(), '');
  log('the guest saw the typing indicator and the reply without reloading');
  await shot(page, 'widget-open');

  // Closed panel: a new reply shows an unread badge on the launcher.
  await page.locator('doorbell-widget').getByRole('button', { name: 'Close chat' }).first().click();
  socket.send({ type: 'send', clientId: 'a-2', text: 'Are you still there?' });
  await page.locator('doorbell-widget .b:not([hidden])', { hasText: '1' }).waitFor();
  await shot(page, 'widget-unread-badge');
  await launcher.click();
  await page.locator('doorbell-widget .b[hidden]').waitFor({ state: 'attached' });
  log('unread badge shown while closed, cleared on open');

  // The network drops: the state is shown, and a reply sent meanwhile arrives on reconnect
  // (catch-up with ?since=). Sockets go through a route the test can cut.
  drop = true;
  for (const ws of routed) ws.close({ code: 1006, reason: 'network lost (test)' });
  await page.locator('doorbell-widget .db-status[data-state=offline]', { hasText: 'Offline, retrying' }).waitFor();
  socket.send({ type: 'send', clientId: 'a-3', text: 'Sent while you were offline' });
  await socket.waitFor((f) => f.type === 'ack' && f.clientId === 'a-3', 'ack');
  await shot(page, 'widget-offline');
  drop = false;
  await page.evaluate(() => dispatchEvent(new Event('online')));
  await page.locator('doorbell-widget .db-msg', { hasText: 'Sent while you were offline' }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log('"Offline, retrying" shown while cut off; the reconnect caught up with the missed reply');

  // A reload shows the history, and the guest is not asked their name again.
  await page.reload();
  await launcher.waitFor();
  await launcher.click();
  for (const t of [text, 'Hello Ann! Which plan?', 'Are you still there?', 'Sent while you were offline']) {
    await page.locator('doorbell-widget .db-msg', { hasText: t }).waitFor();
  }
  assert.ok(await page.locator('doorbell-widget').getByLabel('Your name').isHidden());
  const seqs = await page.locator('doorbell-widget .db-msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  assert.equal(new Set(seqs).size, seqs.length, 'no message shown twice');
  log('after a reload the guest sees the whole history');
  socket.ws.close();
  await context.close();
});

test('host CSS and widget CSS do not leak into each other', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  const props = ['color', 'font-family', 'font-size', 'letter-spacing', 'background-color', 'border-radius', 'padding-top', 'margin-top', 'display', 'width', 'height'];
  const widgetStyles = async (url) => {
    await page.goto(url);
    await page.locator('doorbell-widget .l').click();
    await page.locator('doorbell-widget textarea').waitFor();
    // The launcher comes before the card: compare the panels once both have it.
    await page.locator('doorbell-widget .db-title', { hasText: 'Sales' }).waitFor();
    return page.evaluate((props) => {
      const shadow = document.querySelector('doorbell-widget').shadowRoot;
      const pick = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      return Object.fromEntries(['.l', '.p', '.db', '.db-head', '.db-title', '.db-log', '.db-hello', 'textarea', '.db-send'].map((s) => [s, pick(shadow.querySelector(s))]));
    }, props);
  };
  const hostStyles = async (url) => {
    await page.goto(url);
    if (!url.includes('no-widget')) await page.locator('doorbell-widget .l').waitFor();
    else await page.waitForTimeout(300);
    return page.evaluate((props) => {
      const pick = (el) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
      return Object.fromEntries(['body', '.host-title', '.host-btn', '.host-p'].map((s) => [s, pick(document.querySelector(s))]));
    }, props);
  };
  const clean = await widgetStyles(`${suite.HOST}/plain-widget.html`);
  const hostile = await widgetStyles(`${suite.HOST}/shop.html`);
  await shot(page, 'widget-on-hostile-css');
  assert.deepEqual(hostile, clean, 'the host page’s CSS changed the widget');
  assert.notEqual(hostile['.db-title'].color, 'rgb(200, 0, 0)');
  assert.equal(await page.locator('doorbell-widget').evaluate((el) => getComputedStyle(el).display), 'block');
  log('widget styles are the same on a hostile host page as on a plain one');

  const without = await hostStyles(`${suite.HOST}/shop-no-widget.html`);
  const withWidget = await hostStyles(`${suite.HOST}/shop.html`);
  assert.deepEqual(withWidget, without, 'the widget changed the host page’s styles');
  log('host page styles are the same with and without the widget');
  await context.close();
});

test('an agent widget in French, on the left, offers to book a meeting', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 700 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${suite.HOST}/fr.html`);
  const launcher = page.locator('doorbell-widget .l');
  await launcher.waitFor();
  // Drawn before the French words come (docs/widget.md "Loading"), labelled in French once they did.
  await expectSoon(() => launcher.getAttribute('aria-label'), 'Ouvrir le chat');
  const box = await launcher.boundingBox();
  assert.ok(box.x < 100, `launcher on the left (x=${box.x})`);
  await launcher.click();
  const book = page.locator('doorbell-widget a.k');
  assert.equal(await book.textContent(), 'Prendre rendez-vous');
  assert.equal(await book.getAttribute('href'), `${suite.BASE}/u/alice/meet`);
  await page.locator('doorbell-widget .db-title', { hasText: 'Alice Martin' }).waitFor();
  await shot(page, 'widget-agent-fr');
  await context.close();
});
