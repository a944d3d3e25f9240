// The widget on a site whose Content-Security-Policy forbids inline styles and scripts, as shops
// and banks set it: the policy is exactly the one docs/widget.md tells a site to add, and the
// widget must be styled, chat, and show an image attachment without one violation report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { log, png, shot, useBrowserSuite } from './harness.mjs';

/** The site's policy: nothing but what docs/widget.md lists for the Doorbell origin. */
const policy = (BASE) =>
  [
    "default-src 'none'",
    `script-src ${BASE}`,
    "style-src 'self'",
    `connect-src ${BASE} ${BASE.replace(/^http/, 'ws')}`,
    `img-src ${BASE} data:`,
  ].join('; ');

const suite = useBrowserSuite('widget-csp', (BASE) => ({
  '/bank.html': {
    headers: { 'content-security-policy': policy(BASE) },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme bank</title></head>
<body><h1>Acme bank</h1><script src="${BASE}/widget.js" data-service="sales" data-color="#0a7d5a" data-greeting="Hello from Acme Bank!" async></script></body></html>`,
  },
}));

test('on a page whose CSP forbids inline styles, the widget is styled, chats and shows an image, with no violation', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  const violations = [];
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => /Content[- ]Security[- ]Policy/i.test(m.text()) && violations.push(m.text()));
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  const res = await page.goto(`${suite.HOST}/bank.html`);
  assert.match(res.headers()['content-security-policy'], /style-src 'self'/);

  const launcher = page.locator('doorbell-widget .l');
  await launcher.waitFor();
  const look = await launcher.evaluate((el) => {
    const s = getComputedStyle(el);
    return { width: s.width, height: s.height, background: s.backgroundColor, radius: s.borderRadius, position: getComputedStyle(el.parentElement).position };
  });
  assert.deepEqual(look, { width: '56px', height: '56px', background: 'rgb(10, 125, 90)', radius: '50%', position: 'fixed' });
  await launcher.click();
  const panel = page.locator('doorbell-widget .p');
  await page.locator('doorbell-widget .db-hello', { hasText: 'Hello from Acme Bank!' }).waitFor();
  const box = await panel.boundingBox();
  assert.ok(box && box.width === 360 && box.height === 520, `the panel is laid out: ${JSON.stringify(box)}`);
  // The avatar is fetched once the panel is drawn: wait for it to load (a refused image never would).
  const avatarLoaded = page.waitForFunction(() => {
    const img = document.querySelector('doorbell-widget')?.shadowRoot?.querySelector('.db-head img');
    return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 10_000 });
  assert.ok(await avatarLoaded.then(() => true, () => false), 'the avatar loaded');

  await page.locator('doorbell-widget').getByLabel('Your name').fill('Cara Strict');
  await page.locator('doorbell-widget textarea').fill('Hello from a strict page');
  await page.locator('doorbell-widget textarea').press('Enter');
  await page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: 'Hello from a strict page' }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log('guest chatted on the strict page; the socket is online');

  const chooser = page.waitForEvent('filechooser');
  await page.locator('doorbell-widget').getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles([{ name: 'receipt.png', mimeType: 'image/png', buffer: png(320, 160) }]);
  await page.locator('doorbell-widget textarea').fill('My receipt');
  await page.locator('doorbell-widget textarea').press('Enter');
  const thumb = page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: 'My receipt' }).locator('.db-thumb img');
  await thumb.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('doorbell-widget').shadowRoot.querySelector('.db-thumb img');
    return img?.complete && img.naturalWidth > 0;
  });
  log('the image attachment was uploaded and shown from the Doorbell origin');

  await shot(page, 'widget-strict-csp');
  const reported = await page.evaluate(() => window.__csp);
  assert.deepEqual([...reported, ...violations], [], 'the page reported CSP violations');
  log(`no CSP violation under: ${policy(suite.BASE)}`);
  await context.close();
});
