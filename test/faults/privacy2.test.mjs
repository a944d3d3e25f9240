// A guest's own export by email under the fault suite (docs/privacy.md "The guest themself"):
// its two routes in the authorization matrix (only a guest asks, for themself; the emailed
// link is the right to read, whoever holds it), and fuzzed links and tokens that must be
// refused with the error envelope and send nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, newGuest } from '../support/client.mjs';
import { expectCells as cells, matrixFixtures, OK, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('privacy2');
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** The link of the latest export email to `to`, as a path. */
async function linkSentTo(to) {
  const { emails } = (await ctx.call('GET', `/dev/outbox.json?to=${encodeURIComponent(to)}`)).body;
  const text = emails.filter((m) => m.subject.startsWith('Your data')).at(-1)?.text ?? '';
  return text.match(/https?:\/\/[^/\s]+(\/api\/exports\/[\w.-]+)/)?.[1];
}

async function answer(entry, fx, role) {
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role] });
  if (r.status >= 200 && r.status < 300) return OK;
  if (typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
  return r.status;
}

let fixtures;
const setup = () =>
  (fixtures ??= (async () => {
    const fx = await matrixFixtures(ctx, 'dave-privacy2');
    const mia = await newGuest(ctx.call, 'Mia Mailed', 'mia.privacy2@example.com');
    const sent = await ctx.call('POST', '/api/guests/me/export/email', { headers: mia.headers });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    return { ...fx, mia, link: await linkSentTo('mia.privacy2@example.com') };
  })());

test('the export by email × every caller: only a guest asks (the matrix guests gave no address: 422); the link works for whoever holds it', async (t) => {
  const fx = await setup();
  assert.ok(fx.link, 'the email carried a link');
  const rows = [
    { route: 'POST /api/guests/me/export/email', path: () => '/api/guests/me/export/email', expect: cells(403, { anon: 401, guestA: 422, guestB: 422, admin: 401 }) },
    { route: 'GET /api/exports/{token}', path: (f) => f.link, expect: cells(OK, {}) },
  ];
  const wrong = await runMatrix(t, rows, (entry, role) => answer(entry, fx, role));
  assert.deepEqual(wrong, [], wrong.join('\n'));
  const opened = await ctx.call('GET', fx.link);
  assert.equal(opened.body.guest.id, fx.mia.id, 'the link opens the export of the guest it was sent to, whoever calls');
});

test('fuzzed export links and tokens are refused with the envelope; an erased guest’s link stops working', async (t) => {
  const fx = await setup();
  const { check, failures, cases } = refusals(ctx);
  const token = fc.oneof(
    fc.string({ minLength: 1, maxLength: 120 }).map(encodeURIComponent),
    fc.stringMatching(/^eyJ[A-Za-z0-9_-]{10,60}\.[A-Za-z0-9_-]{10,120}\.[A-Za-z0-9_-]{10,60}$/),
    // The real link with one character changed anywhere but the last (whose low bits base64url
    // leaves unused, so a change there may decode to the same signature): it no longer holds.
    fc.nat().map((i) => {
      const path = fx.link.slice('/api/exports/'.length);
      const at = i % (path.length - 1);
      return path.slice(0, at) + (path[at] === 'A' ? 'B' : 'A') + path.slice(at + 1);
    }),
    // Other signed tokens of this server are not export links.
    fc.constantFrom(fx.x.guest.token, fx.mia.token, fx.tokens.alice),
  );
  await fc.assert(
    fc.asyncProperty(token, async (raw) => {
      if (`/api/exports/${raw}` === fx.link) return;
      await check('export link', 'GET', `/api/exports/${raw}`, {});
    }),
    { numRuns: RUNS },
  );
  const forged = fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.constant(`${fx.mia.token.slice(0, -4)}AAAA`));
  await fc.assert(
    fc.asyncProperty(forged, async (raw) => {
      await check('email with a forged token', 'POST', '/api/guests/me/export/email', bearer(raw), undefined, 401);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], failures.join('\n'));

  const victim = await newGuest(ctx.call, 'Eve Erased', 'eve.privacy2@example.com');
  assert.equal((await ctx.call('POST', '/api/guests/me/export/email', { headers: victim.headers })).status, 202);
  const link = await linkSentTo('eve.privacy2@example.com');
  assert.equal((await ctx.call('GET', link)).status, 200);
  assert.equal((await ctx.call('POST', `/api/admin/guests/${victim.id}/erase`, { headers: ctx.admin, body: { confirm: victim.id } })).status, 202);
  const gone = await ctx.call('GET', link);
  assert.deepEqual([gone.status, gone.body.error.code], [401, 'guest_erased']);
});
