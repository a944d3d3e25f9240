// Service greetings per language and the language files under the fault suite: who may set a
// greeting (the seven callers of authz.test.mjs), fast-check greetings that are nearly right
// (a language Doorbell does not speak, a region tag, a control or bidi character, too long, not
// text), each a 4xx with the error envelope that changes nothing; and the language files the
// widget fetches from other sites (docs/widget.md "Languages").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { log, matrixFixtures, OK, ROLES, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('lang');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const LANGS = ['en', 'fr', 'de', 'es', 'it'];
const PATH = '/api/admin/services/support';
const card = async () => (await ctx.call('GET', '/api/public/services/support')).body.greetings;

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx, 'dave-lang'));

test('setting greetings × every caller: the admin only', async (t) => {
  const fx = await setup();
  const adminOnly = Object.fromEntries(ROLES.map((r) => [r, r === 'admin' ? OK : 401]));
  const routes = [
    { route: 'PATCH /api/admin/services/{slug}', name: 'greetings', body: { greetings: { de: 'Hallo!' } }, expect: adminOnly },
    { route: 'POST /api/admin/services', name: 'greetings', body: () => ({ slug: `hola-${Math.random().toString(36).slice(2, 8)}`, name: 'Hola', greetings: { es: '¡Hola!' } }), expect: adminOnly },
  ];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, method === 'PATCH' ? PATH : '/api/admin/services', { headers: fx.headers[role], body: typeof entry.body === 'function' ? entry.body() : entry.body });
    return r.status >= 200 && r.status < 300 ? OK : r.status;
  });
  assert.deepEqual(wrong, [], wrong.join('\n'));
  assert.deepEqual(await card(), { de: 'Hallo!' }, 'only the admin’s change took');
});

const goodText = fc.stringMatching(/^[A-Za-zÀ-ÿ!?,. ]{0,40}[A-Za-zÀ-ÿ!?]$/);
const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));
const badText = fc.oneof(
  fc.tuple(goodText, control, goodText).map(([a, c, b]) => a + c + b),
  fc.tuple(goodText, fc.constantFrom('\u202e', '\u2066', '\u202a'), goodText).map(([a, c, b]) => a + c + b),
  fc.integer({ min: 301, max: 2000 }).map((n) => 'x'.repeat(n)),
  fc.stringMatching(/^[ \t]{0,5}$/),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 })),
);
const badLang = fc.oneof(
  fc.constantFrom('pt', 'nl', 'EN', 'de-AT', 'es_MX', 'english', '', '__proto__', 'constructor', 'toString'),
  fc.stringMatching(/^[a-z]{2,3}$/).filter((s) => !LANGS.includes(s)),
);
const badGreetings = fc.oneof(
  fc.tuple(fc.constantFrom(...LANGS), badText).map(([lang, text]) => ({ [lang]: text })),
  fc.tuple(badLang, goodText).map(([lang, text]) => JSON.parse(`{${JSON.stringify(lang)}:${JSON.stringify(text)}}`)),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(goodText, { maxLength: 3 })),
);

test('nearly right greetings get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await setup();
  const kept = { en: 'Hi from Support', it: 'Ciao dal supporto' };
  assert.equal((await ctx.call('PATCH', PATH, { headers: fx.headers.admin, body: { greetings: kept } })).status, 200);
  let cases = 0;
  const failures = [];
  await fc.assert(
    fc.asyncProperty(badGreetings, async (greetings) => {
      cases += 1;
      for (const [method, path, body] of [['PATCH', PATH, { greetings }], ['POST', '/api/admin/services', { slug: `bad-${cases}`, name: 'Bad', greetings }]]) {
        const r = await ctx.call(method, path, { headers: fx.headers.admin, body });
        if (r.status !== 400 || r.body?.error?.code !== 'invalid_request') failures.push(`${method} ${JSON.stringify(greetings).slice(0, 100)} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
      }
    }),
    { numRuns: RUNS * 5 },
  );
  log(`${cases * 2} bad greetings`);
  t.diagnostic(`cases: ${cases * 2}`);
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.deepEqual(await card(), kept, 'the greetings are as they were');
  const services = (await ctx.call('GET', '/api/admin/services', { headers: fx.headers.admin })).body.services;
  assert.deepEqual(services.filter((s) => s.slug.startsWith('bad-')), [], 'no service was made');
});

test('every language file is JSON any site may fetch; a name outside the five is not a language file', async (t) => {
  let cases = 0;
  for (const lang of LANGS.filter((l) => l !== 'en')) {
    cases += 1;
    const r = await fetch(`${ctx.base}/assets/i18n/${lang}.json`, { headers: { origin: 'https://shop.example' } });
    assert.equal(r.status, 200, lang);
    assert.equal(r.headers.get('access-control-allow-origin'), '*', lang);
    const table = await r.json();
    assert.equal(typeof table.send, 'string', lang);
  }
  for (const name of ['pt', 'en', '..%2Fwidget', 'de.json%00']) {
    cases += 1;
    const r = await fetch(`${ctx.base}/assets/i18n/${name}.json`);
    // The single-page fallback answers with the HTML page, which the widget reads as no strings (English).
    assert.ok(!(r.headers.get('content-type') ?? '').includes('json'), `${name}: ${r.status} ${r.headers.get('content-type')}`);
  }
  t.diagnostic(`cases: ${cases}`);
});
