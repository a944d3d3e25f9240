// The guest screens in the guest's language, with dates and times in its locale (docs/widget.md
// "Languages"), in headless Chromium against `wrangler dev`: the widget with data-lang="de" and
// its per-language greeting, the service page in a Spanish browser and with ?lang=de, the
// booking page in an Italian browser against an American one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { adminToken } from '../support/dev-server.mjs';
import { chooseDay, expectSoon, log, shot, useBrowserSuite } from './harness.mjs';

const page = (tag) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head><body><h1>Acme</h1>${tag}</body></html>`;
const suite = useBrowserSuite('languages', (BASE) => {
  const tag = (attrs) => `<script src="${BASE}/widget.js" ${attrs} async></script>`;
  return {
    '/de.html': page(tag('data-service="sales" data-lang="de"')),
    '/it.html': page(tag('data-service="sales" data-lang="it"')),
    '/de-own-greeting.html': page(tag('data-service="sales" data-lang="de" data-greeting="Willkommen bei Acme!"')),
    '/browser.html': page(tag('data-service="sales"')),
  };
});

const H24 = /^\d\d:\d\d$/;
const H12 = /^\d{1,2}:\d\d\s?[AP]M$/;
const GREETINGS = { en: 'Hello from Acme Sales!', de: 'Hallo vom Acme-Vertrieb!' };

async function greetings(value) {
  const res = await fetch(`${suite.BASE}/api/admin/services/sales`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ greetings: value }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Opens the widget on `path`, writes a first message; answers the page, the widget and the files it fetched from /assets/i18n/. */
async function openWidget(context, path, name) {
  const p = await context.newPage();
  p.on('pageerror', (e) => log(`page error: ${e.message}`));
  const fetched = [];
  p.on('request', (r) => r.url().includes('/assets/i18n/') && fetched.push(new URL(r.url()).pathname));
  await p.goto(`${suite.HOST}${path}`);
  await p.locator('doorbell-widget .l').click();
  const widget = p.locator('doorbell-widget');
  await widget.locator('.db-hello').waitFor();
  return { p, widget, fetched, write: async (text) => {
    await widget.locator('input[name=name]').fill(name);
    await widget.locator('textarea').fill(text);
    await widget.locator('textarea').press('Enter');
    return widget.locator('.db-msg.db-mine[data-seq] .db-meta').first().textContent();
  } };
}

test('the widget with data-lang="de": German words, the German greeting, a 24-hour clock, and still under budget', async () => {
  await greetings(GREETINGS);
  const context = await suite.browser.newContext({ viewport: { width: 900, height: 760 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  const { p, widget, fetched, write } = await openWidget(context, '/de.html', 'Dora Weiss');
  assert.equal(await p.locator('doorbell-widget .l').getAttribute('aria-label'), 'Chat schließen');
  // The service's greetings and availability come with its card, after the panel is drawn.
  await expectSoon(() => widget.locator('.db-hello').textContent(), GREETINGS.de);
  assert.equal(await widget.locator('textarea').getAttribute('placeholder'), 'Nachricht schreiben…');
  assert.equal(await widget.locator('input[name=name]').getAttribute('aria-label'), 'Ihr Name');
  await expectSoon(() => widget.locator('.db-reply').textContent(), 'Gerade ist niemand da; wir antworten per E-Mail.');
  assert.equal(await widget.locator('.w').getAttribute('lang'), 'de');
  const time = await write('Gibt es einen Teamtarif?');
  assert.match(time, H24, `a German clock even in an en-US browser: ${time}`);
  assert.deepEqual(fetched, ['/assets/i18n/chat-de.json'], 'only the chat part of German is fetched');
  await shot(p, 'widget-de');
  mkdirSync('docs/screenshots', { recursive: true });
  copyFileSync('test-results/screenshots/widget-de.png', 'docs/screenshots/widget-de.png');

  // The first load of a German widget: the script and its strings.
  const script = gzipSync(readFileSync('static/widget.js')).length;
  const german = gzipSync(readFileSync('static/assets/i18n/chat-de.json')).length;
  log(`widget.js ${script} B + chat-de.json ${german} B gzipped = ${script + german} B`);
  assert.ok(script + german < 20 * 1024, `a German widget's first load is ${script + german} bytes gzipped`);
  await context.close();
});

test('the launcher does not wait for the language: drawn while chat-de.json is on its way, in German once it came; a click meanwhile opens the panel then', async () => {
  const context = await suite.browser.newContext({ locale: 'en-US' });
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route('**/assets/i18n/chat-de.json', async (route) => (await held, route.continue()));
  const p = await context.newPage();
  p.on('pageerror', (e) => log(`page error: ${e.message}`));
  await p.goto(`${suite.HOST}/de.html`);
  const launcher = p.locator('doorbell-widget .l');
  await launcher.waitFor();
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat', 'in English while the German words are on their way');
  await launcher.click();
  assert.equal(await p.locator('doorbell-widget .p').isHidden(), true, 'no panel before its words');
  release();
  await p.locator('doorbell-widget .db-hello').waitFor();
  await expectSoon(() => launcher.getAttribute('aria-label'), 'Chat schließen');
  assert.equal(await p.locator('doorbell-widget textarea').getAttribute('placeholder'), 'Nachricht schreiben…');
  await shot(p, 'widget-de-words-late');
  await context.close();
});

test('greetings: the language’s, else the English one, else the built-in one; data-greeting wins over all', async () => {
  const context = await suite.browser.newContext({ locale: 'en-US' });
  const italian = await openWidget(context, '/it.html', 'Ida');
  await expectSoon(() => italian.widget.locator('.db-hello').textContent(), GREETINGS.en, 'no Italian greeting: the English one');
  assert.equal(await italian.widget.locator('textarea').getAttribute('placeholder'), 'Scrivi un messaggio…');
  const own = await openWidget(context, '/de-own-greeting.html', 'Ole');
  assert.equal(await own.widget.locator('.db-hello').textContent(), 'Willkommen bei Acme!', 'the page’s data-greeting');
  await greetings({});
  const none = await openWidget(context, '/de.html', 'Nina');
  assert.equal(await none.widget.locator('.db-hello').textContent(), 'Hallo! Wie können wir helfen?', 'no service greeting: the built-in German one');
  await context.close();
});

test('without data-lang the browser’s language decides; en-US reads a 12-hour clock; a failed fetch falls back to English', async () => {
  const spanish = await suite.browser.newContext({ locale: 'es-ES' });
  const es = await openWidget(spanish, '/browser.html', 'Eva');
  assert.equal(await es.widget.locator('textarea').getAttribute('placeholder'), 'Escribe un mensaje…');
  assert.match(await es.write('¿Tenéis plan para equipos?'), H24);
  await spanish.close();

  const american = await suite.browser.newContext({ locale: 'en-US' });
  const en = await openWidget(american, '/browser.html', 'Al');
  assert.deepEqual(en.fetched, [], 'English is built in');
  const time = await en.write('Do you have a team plan?');
  assert.match(time, H12, `en-US: ${time}`);
  await american.close();

  const offline = await suite.browser.newContext({ locale: 'en-US' });
  await offline.route('**/assets/i18n/**', (route) => route.abort());
  const fallback = await openWidget(offline, '/de.html', 'Flo');
  assert.equal(await fallback.widget.locator('textarea').getAttribute('placeholder'), 'Write a message…');
  await offline.close();
  log('es-ES browser → Spanish, 24 h; en-US → English, 12 h; German strings unreachable → English');
});

test('the service page in a Spanish browser, and with ?lang=de', async () => {
  await greetings(GREETINGS);
  const context = await suite.browser.newContext({ locale: 'es-ES' });
  const p = await context.newPage();
  await p.goto(`${suite.BASE}/s/sales`);
  await p.getByPlaceholder('Escribe un mensaje…').waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'es');
  // The chat is drawn at once and the card's greeting put in when the card comes.
  await p.locator('.db-hello', { hasText: GREETINGS.en }).waitFor();
  await p.goto(`${suite.BASE}/s/sales?lang=de`);
  await p.getByPlaceholder('Nachricht schreiben…').waitFor();
  await p.locator('.db-hello', { hasText: GREETINGS.de }).waitFor();
  await p.goto(`${suite.BASE}/s/nobody?lang=it`);
  await p.getByText('Questa pagina non esiste.').waitFor();
  await context.close();
  await greetings({});
});

/** The booking page's words and times in a browser of `locale`. */
async function bookingIn(locale, heading) {
  const context = await suite.browser.newContext({ locale, timezoneId: 'Europe/Rome', viewport: { width: 900, height: 1000 } });
  const p = await context.newPage();
  await p.goto(`${suite.BASE}/u/alice/meet`);
  await p.getByRole('heading', { name: heading }).waitFor();
  await chooseDay(p, 1);
  const times = await p.locator('.times button').allTextContents();
  const days = await p.locator('.days button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  await p.locator('.times button').first().click();
  return { context, p, times, days, summary: await p.locator('.summary').textContent() };
}

test('the booking page in an Italian browser: Italian words, day names and a 24-hour clock; en-US: 12-hour', async () => {
  const it = await bookingIn('it-IT', 'Prenota un incontro con Alice Martin');
  assert.ok(it.times.length > 0 && it.times.every((t) => H24.test(t)), it.times.join(' '));
  assert.ok(it.days.every((d) => /^(lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} [a-z]+ \d{4}(, nessun orario)?$/.test(d)), it.days.join(' | '));
  assert.match(it.summary, /^(lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d{1,2} [a-z]+ \d{4}, \d\d:\d\d–\d\d:\d\d \(Europe\/Rome\) · \d+ min$/);
  await it.p.getByRole('heading', { name: 'La tua scelta' }).waitFor();
  await it.p.getByLabel('Fuso orario').waitFor();
  await shot(it.p, 'booking-it');
  copyFileSync('test-results/screenshots/booking-it.png', 'docs/screenshots/booking-it.png');
  log(`it-IT: ${it.days[0]} … ${it.times[0]}; ${it.summary}`);
  await it.context.close();

  const en = await bookingIn('en-US', 'Book a meeting with Alice Martin');
  assert.ok(en.times.every((t) => H12.test(t)), en.times.join(' '));
  assert.ok(en.days.every((d) => /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, [A-Z][a-z]+ \d{1,2}, \d{4}(, no times)?$/.test(d)), en.days.join(' | '));
  log(`en-US: ${en.days[0]} … ${en.times[0]}; ${en.summary}`);
  await en.context.close();
});
