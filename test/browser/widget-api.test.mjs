// The widget as a host page drives it (docs/widget.md "JavaScript API" and attributes):
// Doorbell.open/close/toggle/on with calls queued by the stub before widget.js loads, the
// launcher's offsets and its close-button state, the preview bubble and chime of an agent's
// reply while the panel is closed, and the phone's edge-to-edge panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentSocket, agentToken, expectAccessible, expectSoon, log, png, shot, useBrowserSuite } from './harness.mjs';

// The stub snippet exactly as docs/widget.md gives it.
const STUB = `window.Doorbell=window.Doorbell||{q:[]};["open","close","toggle","on","identify"].forEach(function(m){Doorbell[m]=Doorbell[m]||function(){Doorbell.q.push([m,arguments])}});`;

const suite = useBrowserSuite('widget-api', (BASE) => {
  const page = (attrs, before = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head>
<body><h1>Acme shop</h1><footer style="position:fixed;bottom:0;left:0;right:0;height:80px;background:#333;color:#fff">Fixed footer</footer>
${before}<script src="${BASE}/widget.js" data-service="sales" ${attrs} async></script></body></html>`;
  return {
    // Calls made before the script ran: listeners subscribed, then open().
    '/queued.html': page('', `<script>${STUB}
window.seen = [];
['open', 'close', 'unread', 'message'].forEach(function (e) { Doorbell.on(e, function (p) { seen.push([e, p === undefined ? null : p]); }); });
Doorbell.open();
Doorbell.identify('a-token-for-someone-else');
</script>`),
    '/plain.html': page(''),
    '/offset.html': page('data-offset-x="40" data-offset-y="100px"'),
    '/junk.html': page('data-offset-x="lots" data-offset-y="-5"'),
    '/huge.html': page('data-offset-x="9000" data-offset-y="20"'),
    '/sound.html': page('data-sound="on"'),
  };
});

/** Counts the chime's tones: a stand-in AudioContext installed before any script of the page. */
const countTones = () => {
  window.tones = 0;
  const param = { value: 0, setValueAtTime() {}, exponentialRampToValueAtTime() {} };
  const node = () => ({ frequency: { ...param }, gain: { ...param }, connect: (n) => n, start: () => window.tones++, stop() {} });
  window.AudioContext = class {
    currentTime = 0;
    destination = {};
    resume() {
      return Promise.resolve();
    }
    createOscillator() {
      return node();
    }
    createGain() {
      return node();
    }
  };
};

async function open(path, { viewport = { width: 1000, height: 760 }, init } = {}) {
  const context = await suite.browser.newContext({ viewport });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${suite.HOST}${path}`);
  const w = page.locator('doorbell-widget');
  await w.locator('.l').waitFor();
  return { context, page, errors, w };
}

/** The guest writes from the open widget; Alice's socket on the conversation. */
async function startChat(w, text) {
  await w.getByLabel('Your name').fill('Pia Preview');
  await w.locator('textarea').fill(text);
  await w.locator('textarea').press('Enter');
  await w.locator('.db-msg.db-mine[data-seq]', { hasText: text }).waitFor();
  const alice = await agentToken('alice@doorbell.example');
  // Inbox rows follow a conversation by up to about a second while it is busy (docs/protocol.md).
  const inboxItem = async () => (await (await fetch(`${suite.BASE}/api/inbox`, { headers: { authorization: `Bearer ${alice}` } })).json()).items.find((i) => i.lastMessage?.text === text);
  await expectSoon(async () => Boolean(await inboxItem()), true, 'the conversation is in Alice’s inbox');
  const item = await inboxItem();
  const socket = agentSocket(item.conversationId, alice);
  await socket.opened;
  return Object.assign(socket, { conversationId: item.conversationId, token: alice });
}

const box = (locator) => locator.evaluate((el) => el.getBoundingClientRect().toJSON());

test('calls queued by the stub run once widget.js loads; open/close/toggle and their events; on() unsubscribes; a queued identify() is taken by the identity code', async () => {
  const { context, page, w, errors } = await open('/queued.html');
  await w.locator('.p:not([hidden])').waitFor();
  assert.deepEqual(await page.evaluate(() => seen), [['open', null]], 'the queued open() ran after the queued on()');
  assert.deepEqual(await page.evaluate(() => Doorbell.q.map(([m, a]) => [m, [...a]])), [], 'nothing is left queued');
  await page.evaluate(() => Doorbell.close());
  await w.locator('.p[hidden]').waitFor({ state: 'attached' });
  await page.evaluate(() => Doorbell.toggle());
  await w.locator('.p:not([hidden])').waitFor();
  // Opening what is open tells no one twice.
  await page.evaluate(() => Doorbell.open());
  await page.evaluate(() => Doorbell.toggle());
  await w.locator('.p[hidden]').waitFor({ state: 'attached' });
  assert.deepEqual(await page.evaluate(() => seen.map(([e]) => e)), ['open', 'close', 'open', 'close']);
  const result = await page.evaluate(() => {
    const got = [];
    const off = Doorbell.on('open', () => got.push('open'));
    Doorbell.open();
    off();
    Doorbell.close();
    Doorbell.open();
    return { got, bad: typeof Doorbell.on('nonsense', () => {}), same: window.Doorbell === Doorbell };
  });
  assert.deepEqual(result, { got: ['open'], bad: 'function', same: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('data-offset-x/-y move the launcher clear of a fixed footer; junk is ignored; huge values are kept on screen', async () => {
  const place = async (path, viewport = { width: 1000, height: 760 }) => {
    const { context, w } = await open(path, { viewport });
    const r = await box(w.locator('.l'));
    await context.close();
    return { right: viewport.width - r.right, bottom: viewport.height - r.bottom };
  };
  assert.deepEqual(await place('/plain.html'), { right: 20, bottom: 20 });
  assert.deepEqual(await place('/offset.html'), { right: 40, bottom: 100 });
  assert.deepEqual(await place('/junk.html'), { right: 20, bottom: 20 });
  assert.deepEqual(await place('/huge.html'), { right: 400, bottom: 20 });
  // On a phone the defaults are tighter, but a footer there still needs the given offset.
  const phone = { width: 390, height: 844 };
  assert.deepEqual(await place('/plain.html', phone), { right: 12, bottom: 12 });
  assert.deepEqual(await place('/offset.html', phone), { right: 40, bottom: 100 });
  log('launcher offsets: default 20/20 (12/12 on a phone), 40/100 from the attributes (on a phone too), junk ignored, 9000 clamped to 400');
});

test('the launcher is a close button (X, "Close chat") while the panel is open', async () => {
  const { context, page, w } = await open('/plain.html');
  const launcher = w.locator('.l');
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat');
  const closedIcon = await launcher.locator('svg path').getAttribute('d');
  await launcher.click();
  // A click before the panel's styles came opens it once they are in (docs/widget.md "Loading").
  await w.locator('.p:not([hidden])').waitFor();
  assert.equal(await launcher.getAttribute('aria-label'), 'Close chat');
  assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
  assert.notEqual(await launcher.locator('svg path').getAttribute('d'), closedIcon, 'another icon: the X');
  await launcher.click();
  await w.locator('.p[hidden]').waitFor({ state: 'attached' });
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat');
  await page.evaluate(() => Doorbell.open());
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget open, launcher as close button' });
  await context.close();
});

test('an agent reply while closed: preview bubble (truncated, click opens, dismissable), message and unread events, a chime with data-sound=on; none for the guest’s own message or while open', async () => {
  const { context, page, w } = await open('/sound.html', { init: countTones });
  await page.evaluate(() => {
    window.seen = [];
    for (const e of ['message', 'unread']) Doorbell.on(e, (p) => seen.push([e, p]));
  });
  await w.locator('.l').click();
  const socket = await startChat(w, `Preview me ${Date.now()}`);
  const bubble = w.locator('.v');
  assert.equal(await bubble.isHidden(), true, 'no bubble for the guest’s own message');
  // While open (and focused) a reply makes no sound and no bubble.
  socket.send({ type: 'send', clientId: 'p-0', text: 'Hello Pia' });
  await w.locator('.db-msg:not(.db-mine)', { hasText: 'Hello Pia' }).waitFor();
  assert.equal(await page.evaluate(() => window.tones), 0);
  assert.equal(await bubble.isHidden(), true);

  await w.locator('.l').click();
  const long = `Here is the full answer to your question about plans: ${'all the details '.repeat(20)}end.`;
  socket.send({ type: 'send', clientId: 'p-1', text: long });
  await bubble.waitFor();
  assert.equal(await bubble.getAttribute('aria-live'), 'polite');
  const shown = await bubble.locator('.vt').textContent();
  assert.ok(shown.endsWith('…') && shown.length <= 140 && long.startsWith(shown.slice(0, -1)), `truncated: ${shown}`);
  assert.equal(await bubble.locator('.vb').textContent(), 'New message from Alice Martin');
  assert.equal(await page.evaluate(() => window.tones), 2, 'two tones of one chime');
  await w.locator('.b', { hasText: '1' }).waitFor();
  const events = await page.evaluate(() => seen);
  const message = events.find(([e, p]) => e === 'message' && p.text === long)?.[1];
  assert.ok(message, JSON.stringify(events));
  assert.deepEqual({ ...message, at: typeof message.at }, { text: long, author: { name: 'Alice Martin', kind: 'agent' }, at: 'string' });
  assert.ok(events.some(([e, n]) => e === 'unread' && n === 1));
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget, preview bubble' });
  await shot(page, 'widget-preview');

  await bubble.getByRole('button', { name: 'Dismiss' }).click();
  await bubble.waitFor({ state: 'hidden' });
  assert.equal(await w.locator('.p').isHidden(), true, 'dismissing does not open');
  socket.send({ type: 'send', clientId: 'p-2', text: 'Short one' });
  await bubble.locator('.vt', { hasText: 'Short one' }).waitFor();
  await bubble.locator('.vo').click();
  await w.locator('.p:not([hidden])').waitFor();
  assert.equal(await bubble.isHidden(), true);
  await page.waitForFunction(() => seen.some(([e, n]) => e === 'unread' && n === 0));

  // A reply of files only: the bubble names the files.
  await w.locator('.l').click();
  await w.locator('.p').waitFor({ state: 'hidden' });
  const upload = await fetch(`${suite.BASE}/api/conversations/${socket.conversationId}/attachments?clientId=p-3&name=floor-plan.png`, {
    method: 'POST',
    headers: { authorization: `Bearer ${socket.token}` },
    body: png(4, 3),
  });
  assert.equal(upload.status, 201, await upload.clone().text());
  socket.send({ type: 'send', clientId: 'p-3', text: '', attachments: [(await upload.json()).id] });
  await bubble.locator('.vt', { hasText: 'floor-plan.png' }).waitFor();
  log('preview bubble shown, dismissed, clicked open, names the files of a files-only reply; chime played twice per reply while closed');
  socket.ws.close();
  await context.close();
});

test('a phone (390x844): the open panel fills the screen edge to edge, the launcher gives way to the header’s close button', async () => {
  const viewport = { width: 390, height: 844 };
  const { context, page, w } = await open('/plain.html', { viewport });
  await w.locator('.l').click();
  await w.locator('.p:not([hidden])').waitFor();
  assert.deepEqual(await box(w.locator('.p')).then(({ x, y, width, height }) => ({ x, y, width, height })), { x: 0, y: 0, ...viewport });
  assert.equal(await w.locator('.l').isHidden(), true);
  // What the eye sees: every corner and edge midpoint of the screen is the widget, not the page.
  const covered = await page.evaluate(({ width, height }) => {
    const points = [[1, 1], [width - 2, 1], [1, height - 2], [width - 2, height - 2], [width / 2, 1], [width / 2, height - 2], [1, height / 2], [width - 2, height / 2]];
    return points.every(([x, y]) => document.elementFromPoint(x, y)?.tagName === 'DOORBELL-WIDGET');
  }, viewport);
  assert.ok(covered, 'no host page visible around the panel');
  const close = w.locator('.db-head').getByRole('button', { name: 'Close chat' });
  await close.waitFor();
  await expectAccessible(page, { context: 'doorbell-widget', where: 'widget on a phone' });
  await shot(page, 'widget-phone');
  await close.click();
  await w.locator('.l').waitFor();
  assert.equal(await w.locator('.p').isHidden(), true);
  await context.close();
});
