// Files under the fault suite (docs/attachments.md): the authorization matrix of the
// attachment routes (seven kinds of caller, as in authz.test.mjs, whose coverage check counts
// these rows), and fast-check uploads: random bytes, near-miss magic numbers, markup in
// disguise, names and claimed types that lie. Every answer is a 201 for a file whose bytes are
// an accepted type (and it is then served as that type, never inline unless an image) or a
// 4xx with the error envelope; nothing else changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectCells as expect, log, matrixFixtures, OK, runMatrix, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('attachments');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// x: a public Sales conversation of guestA. Licensed agents may write in it; bob is basic.
const writers = expect(401, { guestA: OK, guestB: 404, alice: OK, dave: OK, bob: 403 });
// Reading follows opening: bob, basic, may open a public conversation.
const readers = expect(401, { guestA: OK, guestB: 404, alice: OK, dave: OK, bob: OK });
// p: a private Support conversation of guestB; Carol is its only agent, and she is not a role here.
const privateOne = expect(401, { guestA: 404, guestB: OK, alice: 404, dave: 404, bob: 404 });
// A signed link is a capability: whoever holds it reads the file until it expires.
const holders = expect(OK);

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 2, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
let unique = 0;
const cid = () => `fa-${Date.now()}-${(unique += 1)}`;
const uploadPath = (id, clientId, name) => `/api/conversations/${id}/attachments?${new URLSearchParams({ clientId, name })}`;

/** A file sent in a message of conversation `id` by `headers`: its id and a signed link's path. */
async function sentFile(id, headers) {
  const clientId = cid();
  const up = await ctx.call('POST', uploadPath(id, clientId, 'dot.png'), { headers, raw: PNG });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const sent = await ctx.call('POST', `/api/conversations/${id}/messages`, { headers, body: { clientId, attachments: [up.body.id] } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const link = await ctx.call('GET', `/api/conversations/${id}/attachments/${up.body.id}`, { headers });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  return { id: up.body.id, link: new URL(link.body.url).pathname };
}

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const fx = await matrixFixtures(ctx, 'dave-files');
  return { ...fx, xFile: await sentFile(fx.x.id, fx.x.guest.headers), pFile: await sentFile(fx.p.id, fx.p.guest.headers) };
}

const routes = [
  { route: 'POST /api/conversations/{id}/attachments', path: (fx) => uploadPath(fx.x.id, cid(), 'dot.png'), raw: PNG, expect: writers },
  { route: 'POST /api/conversations/{id}/attachments', name: 'private', path: (fx) => uploadPath(fx.p.id, cid(), 'dot.png'), raw: PNG, expect: privateOne },
  { route: 'GET /api/conversations/{id}/attachments/{attachmentId}', path: (fx) => `/api/conversations/${fx.x.id}/attachments/${fx.xFile.id}`, expect: readers },
  { route: 'GET /api/conversations/{id}/attachments/{attachmentId}', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/attachments/${fx.pFile.id}`, expect: privateOne },
  { route: 'GET /api/files/{token}', path: (fx) => fx.pFile.link, expect: holders },
];

test('every attachment route × every caller is allowed or refused as docs/attachments.md says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/') && (path.includes('/attachments') || path.startsWith('/api/files')))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.deepEqual(documented.sort(), ['GET /api/conversations/{id}/attachments/{attachmentId}', 'GET /api/files/{token}', 'POST /api/conversations/{id}/attachments']);
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'attachment routes with no row');

  const before = await timeline(ctx, fx.p.id, fx.headers.guestB);
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role], raw: entry.raw });
    if (r.status === 403 && role === 'bob' && r.body.error.code !== 'agent_not_licensed') return `403 ${r.body.error.code}`;
    return r.status >= 200 && r.status < 300 ? OK : typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
  assert.deepEqual(await timeline(ctx, fx.p.id, fx.headers.guestB), before, 'the private conversation is as it was');
});

// What the sniffer accepts, as the suite knows it independently: a magic number and the types it may serve as.
const MAGIC = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], types: ['image/png'], inline: true, ext: '.png' },
  { bytes: [0xff, 0xd8, 0xff], types: ['image/jpeg'], inline: true, ext: '.jpg' },
  { bytes: [...Buffer.from('GIF89a')], types: ['image/gif'], inline: true, ext: '.gif' },
  { bytes: [...Buffer.from('%PDF-')], types: ['application/pdf'], inline: false, ext: '.pdf' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], types: null, inline: false, ext: '.docx' },
];
const startsWith = (buf, bytes) => bytes.every((b, i) => buf[i] === b);
const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

const markup = fc
  .tuple(fc.constantFrom('', '\ufeff', '  ', '\n\t'), fc.constantFrom('<svg onload="alert(1)">', '<!doctype html><script>alert(1)</script>', '<?xml version="1.0"?><svg/>', '<html>', '<a href="javascript:alert(1)">'))
  .map(([lead, tag]) => Buffer.from(lead + tag));
const nearMagic = fc
  .tuple(fc.constantFrom(...MAGIC.map((m) => m.bytes)), fc.nat(), fc.uint8Array({ maxLength: 64 }))
  .map(([bytes, cut, tail]) => Buffer.concat([Buffer.from(bytes.slice(0, cut % (bytes.length + 1))), Buffer.from(tail)]));
const realMagic = fc.tuple(fc.constantFrom(...MAGIC.map((m) => m.bytes)), fc.uint8Array({ maxLength: 200 })).map(([bytes, tail]) => Buffer.concat([Buffer.from(bytes), Buffer.from(tail)]));
const content = fc.oneof(markup, nearMagic, realMagic, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)));
const name = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9 _-]{1,20}$/), fc.constantFrom('', '.png', '.jpg', '.gif', '.webp', '.pdf', '.zip', '.docx', '.txt', '.csv', '.svg', '.html', '.exe', '.jar', '.PNG'))
  .map(([base, ext]) => base.trim() + ext)
  .filter((n) => n.trim() !== '' && !n.startsWith('.'));
const claim = fc.constantFrom(undefined, 'application/octet-stream', 'image/png', 'image/jpeg', 'image/svg+xml', 'text/html', 'text/plain', 'application/pdf', 'application/x-zip-compressed');

test('generated uploads are stored as what their bytes are, or refused with a 4xx; markup never', async (t) => {
  const fx = await setup();
  const headers = fx.headers.guestA;
  const before = await timeline(ctx, fx.x.id, headers);
  let cases = 0;
  let accepted = 0;
  const failures = [];
  // Files that are what they say, with junk after the magic number: most must be stored.
  const honest = fc.tuple(fc.constantFrom(...MAGIC), fc.uint8Array({ maxLength: 200 }), fc.stringMatching(/^[a-z]{1,12}$/)).map(([m, tail, base]) => [Buffer.concat([Buffer.from(m.bytes), Buffer.from(tail)]), base + m.ext, undefined]);
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.tuple(content, name, claim), honest), async ([bytes, fileName, type]) => {
      cases += 1;
      const r = await ctx.call('POST', uploadPath(fx.x.id, cid(), fileName), { headers: { ...headers, ...(type ? { 'content-type': type } : {}) }, raw: bytes });
      const said = `${fileName} ${type ?? '-'} ${bytes.subarray(0, 12).toString('hex')}`;
      if (r.status !== 201) {
        if (r.status < 400 || r.status > 499 || typeof r.body?.error?.message !== 'string') failures.push(`${said} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
        return;
      }
      accepted += 1;
      const text = bytes.toString('utf8').replace(/^\ufeff/, '').trimStart();
      if (text.startsWith('<')) failures.push(`${said}: markup accepted as ${r.body.type}`);
      const magic = MAGIC.find((m) => startsWith(bytes, m.bytes));
      if (INLINE.has(r.body.type) && !(magic?.inline && magic.types.includes(r.body.type))) failures.push(`${said}: stored as ${r.body.type}`);
      const link = await ctx.call('GET', `/api/conversations/${fx.x.id}/attachments/${r.body.id}`, { headers });
      const served = await fetch(`${ctx.base}${new URL(link.body.url).pathname}`);
      const got = Buffer.from(await served.arrayBuffer());
      const disposition = served.headers.get('content-disposition') ?? '';
      if (!got.equals(bytes)) failures.push(`${said}: served other bytes`);
      if (served.headers.get('content-type') !== r.body.type) failures.push(`${said}: served as ${served.headers.get('content-type')}, stored as ${r.body.type}`);
      if (disposition.startsWith('inline') !== INLINE.has(r.body.type)) failures.push(`${said}: ${disposition} for ${r.body.type}`);
      if (served.headers.get('x-content-type-options') !== 'nosniff' || served.headers.get('content-security-policy') !== "default-src 'none'; sandbox") failures.push(`${said}: served without nosniff and the CSP`);
    }),
    { numRuns: RUNS * 10 },
  );
  // Names and ids the route must refuse before anything is stored.
  const badName = fc.oneof(
    fc.constantFrom('', ' ', '.', '..', 'a/b.png', 'a\\b.png', 'x'.repeat(201), 'a\u202e.png', 'a\u0000.png', 'line\nbreak.png'),
    fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.integer({ min: 0, max: 0x1f })).map(([s, c]) => `${s}${String.fromCharCode(c)}.png`),
  );
  const badClientId = fc.constantFrom('', 'with space', 'x'.repeat(65), 'ünï', 'a/b');
  const refused = async (label, path, init) => {
    cases += 1;
    const r = await ctx.call('POST', path, init);
    if (r.status < 400 || r.status > 499 || typeof r.body?.error?.message !== 'string') failures.push(`${label} ${path.slice(0, 100)} → ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
  };
  await fc.assert(fc.asyncProperty(badName, (n) => refused('bad name', uploadPath(fx.x.id, cid(), n), { headers, raw: PNG })), { numRuns: RUNS * 2 });
  await fc.assert(fc.asyncProperty(badClientId, (c) => refused('bad clientId', uploadPath(fx.x.id, c, 'a.png'), { headers, raw: PNG })), { numRuns: RUNS });
  await refused('no query', `/api/conversations/${fx.x.id}/attachments`, { headers, raw: PNG });
  await refused('unknown query field', `${uploadPath(fx.x.id, cid(), 'a.png')}&extra=1`, { headers, raw: PNG });
  log(`${cases} uploads, ${accepted} accepted`);
  t.diagnostic(`cases: ${cases}`);
  assert.deepEqual(failures, [], `uploads answered wrongly:\n${failures.join('\n')}`);
  assert.deepEqual(await timeline(ctx, fx.x.id, headers), before, 'uploads alone changed the timeline');
});
