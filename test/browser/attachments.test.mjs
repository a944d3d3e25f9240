// Files in conversations (docs/attachments.md), in headless Chromium against `wrangler dev`:
// a guest in the widget on another site and Alice in the console exchange pictures and PDFs
// (the paper clip, drag and drop, paste), pictures show inline on both sides and PDFs download;
// hostile SVG/HTML uploads are refused, and a file whose name and text are script runs nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentToken, log, png, shot, useBrowserSuite } from './harness.mjs';

const suite = useBrowserSuite('attachments', (BASE) => ({
  '/shop.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme shop</title></head><body>
<h1>Acme shop</h1><script src="${BASE}/widget.js" data-service="sales" async></script></body></html>`,
}));

const pdf = (title) => Buffer.from(`%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[]/Count 0>> endobj\n% ${title}\ntrailer <</Root 1 0 R>>\n%%EOF\n`);

const call = async (path, token) => {
  const res = await fetch(`${suite.BASE}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return res.json();
};

/** Fails the test on any dialog or page error: no uploaded byte may ever run script. */
function watch(page, name, problems) {
  // Listening from the start turns on Playwright's file-chooser interception before any click
  // (enabled only by the first listener, it could otherwise miss a chooser opened at once).
  page.on('filechooser', () => {});
  page.on('dialog', (d) => (problems.push(`${name}: dialog "${d.message()}"`), d.dismiss()));
  page.on('pageerror', (e) => problems.push(`${name}: page error ${e.message}`));
}

/**
 * Gives files to `selector` as a person would without the chooser: `drop`, a dragover then a
 * drop carrying them; `paste`, a clipboard holding them (a screenshot copied, say).
 */
async function handFiles(page, selector, how, files) {
  await page.locator(selector).first().evaluate((el, { how, files }) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const init = { bubbles: true, cancelable: true, composed: true };
    const events = how === 'drop'
      ? [new DragEvent('dragover', { ...init, dataTransfer: dt }), new DragEvent('drop', { ...init, dataTransfer: dt })]
      : [new ClipboardEvent('paste', { ...init, clipboardData: dt })];
    for (const e of events) el.dispatchEvent(e);
  }, { how, files: files.map((f) => ({ ...f, b64: f.buffer.toString('base64') })) });
}

/** Waits until the picture `img` has loaded real pixels, and answers its natural size. */
const loaded = (img) => img.evaluate((el) => new Promise((resolve, reject) => {
  const done = () => (el.naturalWidth ? resolve([el.naturalWidth, el.naturalHeight]) : reject(new Error(`${el.alt} did not load`)));
  if (el.complete && el.src) done();
  else (el.addEventListener('load', done, { once: true }), el.addEventListener('error', done, { once: true }));
}));

async function signIn(context, problems) {
  const alice = await context.newPage();
  watch(alice, 'console', problems);
  await alice.goto(`${suite.BASE}/console`);
  await alice.getByLabel('Agent token').fill(await agentToken('alice@doorbell.example'));
  await alice.getByRole('button', { name: 'Sign in' }).click();
  await alice.locator('.inbox .live[data-state=online]').waitFor();
  return alice;
}

test('a guest in the widget and Alice in the console exchange pictures and PDFs: inline on both sides, PDFs download', async () => {
  const problems = [];
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const guest = await context.newPage();
  watch(guest, 'widget', problems);
  await guest.goto(`${suite.HOST}/shop.html`);
  const w = guest.locator('doorbell-widget');
  await w.locator('.l').click();
  await w.getByLabel('Your name').fill('Pia Photo');
  await w.locator('textarea').fill('Hello, my order arrived broken');
  await w.locator('textarea').press('Enter');
  await w.locator('.db-msg.db-mine[data-seq]', { hasText: 'arrived broken' }).waitFor();
  await w.locator('.db-status[data-state=online]').waitFor({ state: 'attached' });

  // The paper clip opens the file chooser; both files wait in the tray, with their sizes.
  const chooser = guest.waitForEvent('filechooser');
  await w.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles([
    { name: 'photo.png', mimeType: 'image/png', buffer: png(2400, 1200) },
    { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf('invoice') },
  ]);
  await w.getByRole('list', { name: 'Files to send' }).getByRole('listitem').filter({ hasText: 'photo.png' }).waitFor();
  assert.match(await w.locator('.db-staged', { hasText: 'invoice.pdf' }).textContent(), /invoice\.pdf\d+ B×/);
  assert.ok(await w.getByRole('button', { name: 'Remove photo.png' }).isVisible());
  await shot(guest, 'attachments-tray');

  // Uploads held back a moment by the test, so the progress bars can be seen.
  let release;
  const held = new Promise((r) => (release = r));
  await context.route(/\/attachments\?/, async (route) => (await held, route.continue()));
  await w.locator('textarea').fill('Here is a photo and the invoice');
  await w.locator('textarea').press('Enter');
  await w.getByRole('progressbar', { name: 'Uploading photo.png' }).waitFor();
  await w.getByRole('progressbar', { name: 'Uploading invoice.pdf' }).waitFor();
  assert.equal(await w.locator('.db-staged').count(), 0, 'the tray is emptied once the message goes');
  await shot(guest, 'attachments-uploading');
  release();
  const sent = w.locator('.db-msg.db-mine[data-seq]', { hasText: 'Here is a photo and the invoice' });
  await sent.waitFor();
  await context.unroute(/\/attachments\?/);
  // The photo was made smaller in the browser: 1600 px on its long side.
  assert.deepEqual(await loaded(sent.locator('img[alt="photo.png"]')), [1600, 800]);
  await sent.locator('.db-file', { hasText: 'invoice.pdf' }).waitFor();
  log('guest: photo (shrunk to 1600×800) and invoice sent from the widget, with progress bars');

  const alice = await signIn(context, problems);
  const row = alice.locator('.inbox-list li', { hasText: 'Pia Photo' });
  await row.locator('a').click();
  const theirs = alice.locator('.db-msg:not(.db-mine)', { hasText: 'Here is a photo and the invoice' });
  assert.deepEqual(await loaded(theirs.getByRole('link', { name: 'Open photo.png full size' }).locator('img')), [1600, 800]);
  const chip = theirs.getByRole('link', { name: 'Download invoice.pdf (140 B, PDF)', exact: true });
  assert.match(await chip.textContent(), /invoice\.pdf\d+ B · PDF/);
  const download = alice.waitForEvent('download');
  await chip.click();
  assert.equal((await download).suggestedFilename(), 'invoice.pdf');
  const served = await fetch(await chip.getAttribute('href'));
  assert.equal(served.headers.get('content-type'), 'application/pdf');
  assert.match(served.headers.get('content-disposition'), /^attachment; filename="invoice\.pdf"/);
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(Buffer.from(await served.arrayBuffer()).equals(pdf('invoice')), 'the same bytes come back');
  log('console: the photo shows inline, the invoice downloads as invoice.pdf');

  // Alice drops a PDF on the panel and pastes a screenshot, and sends them without text.
  await handFiles(alice, '.db', 'drop', [{ name: 'receipt.pdf', type: 'application/pdf', buffer: pdf('receipt') }]);
  await alice.locator('.db-staged', { hasText: 'receipt.pdf' }).waitFor();
  await handFiles(alice, '.db textarea', 'paste', [{ name: 'image.png', type: 'image/png', buffer: png(640, 360) }]);
  await alice.locator('.db-staged', { hasText: 'image.png' }).waitFor();
  await alice.locator('.db textarea').press('Enter');
  const mine = alice.locator('.db-msg.db-mine[data-seq]', { has: alice.locator('.db-file', { hasText: 'receipt.pdf' }) });
  assert.deepEqual(await loaded(mine.locator('img[alt="image.png"]')), [640, 360]);
  await row.locator('.item-last', { hasText: 'Alice Martin: 📎 receipt.pdf, image.png' }).waitFor();
  // Notes carry no files: in Note mode the paper clip is disabled and a drop adds nothing.
  await alice.locator('.db-mode-note').click();
  assert.ok(await alice.getByRole('button', { name: 'Attach files' }).isDisabled());
  await handFiles(alice, '.db', 'drop', [{ name: 'secret.pdf', type: 'application/pdf', buffer: pdf('secret') }]);
  assert.equal(await alice.locator('.db-staged').count(), 0);
  await alice.locator('.db-mode-reply').click();
  log('console: a dropped PDF and a pasted picture sent as a files-only message; the inbox reads 📎');

  // Back in the widget: the picture inline, opening full size; the PDF downloads.
  const reply = w.locator('.db-msg:not(.db-mine)', { has: guest.locator('.db-file', { hasText: 'receipt.pdf' }) });
  const thumb = reply.getByRole('link', { name: 'Open image.png full size' });
  assert.deepEqual(await loaded(thumb.locator('img')), [640, 360]);
  const popup = context.waitForEvent('page');
  await thumb.click();
  const full = await popup;
  await full.waitForLoadState();
  assert.match(full.url(), /\/api\/files\//);
  assert.equal(await full.evaluate(() => document.contentType), 'image/png');
  await full.close();
  const guestDownload = guest.waitForEvent('download');
  await reply.getByRole('link', { name: 'Download receipt.pdf' }).click();
  const got = await guestDownload;
  assert.equal(got.suggestedFilename(), 'receipt.pdf');
  log('widget: the picture opens full size, the receipt downloads');

  await w.locator('.db-log').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await shot(guest, 'attachments-widget');
  await shot(alice, 'attachments-console');
  assert.deepEqual(problems, []);
  await context.close();
});

test('hostile files: SVG and HTML are refused with a clear message, a file named and filled with script runs nothing on either side', async () => {
  const problems = [];
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 800 }, acceptDownloads: true });
  const guest = await context.newPage();
  watch(guest, 'guest page', problems);
  await guest.goto(`${suite.BASE}/s/sales`);
  await guest.getByLabel('Your name').fill('Mal Lory');
  const picker = guest.locator('.db input[type=file]');
  await picker.setInputFiles({ name: 'first.pdf', mimeType: 'application/pdf', buffer: pdf('first') });
  await guest.getByLabel('Message').last().press('Enter');
  await guest.getByRole('alert').filter({ hasText: 'Write a message to start the conversation' }).waitFor();
  await guest.getByLabel('Message').last().fill('Hi, some files');
  await guest.getByLabel('Message').last().press('Enter');
  // The first message starts the conversation; its files follow as a message of their own.
  await guest.locator('.db-msg.db-mine[data-seq]', { hasText: 'Hi, some files' }).waitFor();
  await guest.locator('.db-msg.db-mine[data-seq] .db-file', { hasText: 'first.pdf' }).waitFor();

  const textarea = guest.getByLabel('Message').last();
  const refused = async (file, message, byKeyboard = false) => {
    if (byKeyboard) {
      // Shift+Tab from the text reaches the paper clip; Enter opens the chooser.
      await textarea.focus();
      await guest.keyboard.press('Shift+Tab');
      assert.equal(await guest.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Attach files');
      const chooser = guest.waitForEvent('filechooser');
      await guest.keyboard.press('Enter');
      await (await chooser).setFiles(file);
    } else await picker.setInputFiles(file);
    await guest.locator('.db-staged', { hasText: file.name }).waitFor();
    await textarea.press('Enter');
    await guest.getByRole('alert').filter({ hasText: message }).waitFor();
    assert.equal(await guest.locator('.db-staged').count(), 0, `${file.name} leaves the tray`);
    assert.equal(await guest.locator('.db-pending').count(), 0, 'nothing is left pending');
  };
  await refused({ name: 'evil.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>') }, 'evil.svg cannot be sent: this type of file is not allowed', true);
  await refused({ name: 'evil.html', mimeType: 'text/html', buffer: Buffer.from('<!doctype html><script>alert(3)</script>') }, 'evil.html cannot be sent: this type of file is not allowed');
  await refused({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('just text pretending to be a picture') }, 'cat.png cannot be sent: its content is not what its name says.');
  await refused({ name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdf('huge'), Buffer.alloc(10 * 1024 * 1024)]) }, 'huge.pdf is too large: files can be up to 10.0 MB.');
  await shot(guest, 'attachments-refused');
  log('guest page: SVG, HTML, a text called .png and a PDF over 10 MB refused with their messages');

  // Text that is markup in its name and its body is accepted as text, shown as text, served as a download.
  const name = '<img src=x onerror=alert(4)>.txt';
  await picker.setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('hello <script>alert(5)</script> <img src=x onerror=alert(6)>') });
  await textarea.press('Enter');
  const chip = guest.locator('.db-msg.db-mine[data-seq] .db-file', { hasText: name });
  await chip.waitFor();
  assert.equal(await guest.locator('.db-log img[src="x"]').count(), 0, 'the name is text, not markup');

  const alice = await signIn(context, problems);
  await alice.locator('.inbox-list li', { hasText: 'Mal Lory' }).locator('a').click();
  const theirs = alice.locator('.db-msg .db-file[href]', { hasText: name });
  await theirs.waitFor();
  assert.equal(await alice.locator('.db-log img[src="x"]').count(), 0);
  const url = await theirs.getAttribute('href');
  const served = await fetch(url);
  assert.match(served.headers.get('content-type'), /^text\/plain/);
  assert.match(served.headers.get('content-disposition'), /^attachment;/);
  assert.match(served.headers.get('content-security-policy'), /sandbox/);
  // Opened directly, the file is a download, never a page that runs its script.
  const opened = await context.newPage();
  watch(opened, 'file link', problems);
  const download = opened.waitForEvent('download');
  await opened.goto(url).catch(() => {});
  await download;
  assert.equal(opened.url(), 'about:blank', 'the browser downloaded the file instead of opening it as a page');
  await alice.waitForTimeout(300);
  assert.deepEqual(problems, []);
  log('a file named and filled with script: shown as text on both sides, served as a download; no dialog anywhere');
  await context.close();
});
