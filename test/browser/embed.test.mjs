// The per-service embed allowlist as a browser meets it: a site allowed only for Support (by the
// service's embedOrigins, not GUEST_ORIGINS) runs the Support widget end to end, CORS and socket
// included, and the Sales widget on the same site says it may not be used there, and how to allow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { log, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('embed', (BASE) => {
  const page = (service) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Help centre</title></head>
<body><h1>Help centre</h1><script src="${BASE}/widget.js" data-service="${service}" async></script></body></html>`;
  return { '/support.html': page('support'), '/sales.html': page('sales') };
});

const adminToken = () => /^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/m.exec(readFileSync('.dev.vars', 'utf8'))[1];

test('a site in Support’s embedOrigins runs the Support widget, and is refused the Sales one with a readable state', async () => {
  // The host site under another name: the same server, but an origin GUEST_ORIGINS does not list.
  const site = suite.HOST.replace('127.0.0.1', 'localhost');
  const res = await fetch(`${suite.BASE}/api/admin/services/support`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ embedOrigins: [site] }),
  });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).embedOrigins, [site]);

  const context = await suite.browser.newContext({ viewport: { width: 1000, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(`${site}/support.html`);
  await page.locator('doorbell-widget .l').click();
  await page.locator('doorbell-widget .db-title', { hasText: 'Support' }).waitFor();
  await page.locator('doorbell-widget').getByLabel('Your name').fill('Hana Help');
  await page.locator('doorbell-widget textarea').fill('My order is late');
  await page.locator('doorbell-widget textarea').press('Enter');
  await page.locator('doorbell-widget .db-msg.db-mine[data-seq]', { hasText: 'My order is late' }).waitFor();
  await page.locator('doorbell-widget .db-status[data-state=online]').waitFor({ state: 'attached' });
  log(`${site} (Support's embedOrigins only) chatted with Support: CORS and the socket were allowed`);

  await page.goto(`${site}/sales.html`);
  await page.locator('doorbell-widget .l').click();
  // The card is refused before anyone types: the panel says so, and how to allow it on this
  // developer's machine, instead of a composer that could only fail.
  const w = page.locator('doorbell-widget');
  await w.locator('.db-status[data-state=problem]', { hasText: 'This site may not use this chat.' }).waitFor();
  await w.locator('.db-allow', { hasText: `To allow ${site}, add it to the service’s embedOrigins or to GUEST_ORIGINS` }).waitFor();
  assert.equal(await w.locator('textarea').isHidden(), true);
  assert.equal(await w.locator('.db-title').textContent(), 'Chat', 'a neutral title, never the slug');
  await shot(page, 'widget-refused-origin');
  log(`the Sales widget on the same site shows: ${await w.locator('.db-status').textContent()}`);
  await context.close();
});
