// Exporting and erasing a guest under the fault suite (docs/privacy.md): its routes in the
// authorization matrix (only admins erase; export as the rules say: admins, agents only when
// the admin allows it, a guest only their own), and fuzzed bodies and ids that must be
// refused with the error envelope and erase nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newGuest } from '../support/client.mjs';
import { matrixFixtures, OK, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('erase');
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const cells = (fallback, cells) => Object.fromEntries(['anon', 'guestA', 'guestB', 'alice', 'dave', 'bob', 'admin'].map((r) => [r, cells[r] ?? fallback]));
const adminOnly = cells(401, { admin: OK });
const erasureOf = (guestId) => `er_${guestId.replace(/^gu_/, '')}`;

let fixtures;
const setup = () => (fixtures ??= (async () => ({ ...(await matrixFixtures(ctx, 'dave-erase')), victim: await newGuest(ctx.call, 'Vera Victim', 'vera.fault@example.com') }))());

async function answer(entry, fx, role) {
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role], body: entry.body?.(fx) });
  if (r.status >= 200 && r.status < 300) return OK;
  if (typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
  return r.status;
}

test('export and erase × every caller: only admins erase, export per the rules', async (t) => {
  const fx = await setup();
  const guestA = () => fx.x.guest.id;
  const agentExport = (allowed) => cells(401, { guestA: 403, guestB: 403, alice: allowed, dave: allowed, bob: allowed });
  const rows = [
    { route: 'GET /api/admin/guests/{id}/export', path: () => `/api/admin/guests/${guestA()}/export`, expect: adminOnly },
    { route: 'GET /api/guests/me/export', path: () => '/api/guests/me/export', expect: cells(403, { anon: 401, guestA: OK, guestB: OK, admin: 401 }) },
    { route: 'GET /api/guests/{id}/export', name: 'not allowed', path: () => `/api/guests/${guestA()}/export`, expect: agentExport(403) },
    { route: 'GET /api/admin/privacy', path: () => '/api/admin/privacy', expect: adminOnly },
    { route: 'PUT /api/admin/privacy', path: () => '/api/admin/privacy', body: () => ({ agentsMayExport: false }), expect: adminOnly },
    // The admin column comes last: the victim is erased only there.
    { route: 'POST /api/admin/guests/{id}/erase', path: (f) => `/api/admin/guests/${f.victim.id}/erase`, body: (f) => ({ confirm: f.victim.id }), expect: adminOnly },
    { route: 'GET /api/admin/erasures/{id}', path: (f) => `/api/admin/erasures/${erasureOf(f.victim.id)}`, expect: adminOnly },
  ];
  const wrong = await runMatrix(t, rows, (entry, role) => answer(entry, fx, role));
  assert.deepEqual(wrong, [], wrong.join('\n'));

  const allowed = await ctx.call('PUT', '/api/admin/privacy', { headers: ctx.admin, body: { agentsMayExport: true } });
  assert.equal(allowed.status, 200);
  try {
    const after = await runMatrix(t, [{ route: 'GET /api/guests/{id}/export', name: 'allowed', path: () => `/api/guests/${guestA()}/export`, expect: agentExport(OK) }], (entry, role) => answer(entry, fx, role));
    assert.deepEqual(after, [], after.join('\n'));
  } finally {
    await ctx.call('PUT', '/api/admin/privacy', { headers: ctx.admin, body: { agentsMayExport: false } });
  }
  // The erased victim's token is refused from then on.
  const me = await ctx.call('GET', '/api/guests/me', { headers: fx.victim.headers });
  assert.equal(me.status, 401);
  assert.equal(me.body.error.code, 'guest_erased');
});

test('fuzzed erase bodies, ids and privacy settings are refused with the envelope and erase nobody', async (t) => {
  const target = await newGuest(ctx.call, 'Tess Target', 'tess.fault@example.com');
  const { check, failures, cases } = refusals(ctx);
  const notTheId = fc.string({ maxLength: 80 }).filter((s) => s !== target.id);
  const body = fc.oneof(
    fc.record({ confirm: notTheId }),
    fc.record({ confirm: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string())) }),
    fc.record({ confirm: fc.constant(target.id), extra: fc.jsonValue() }),
    fc.jsonValue(),
  );
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      await check('erase body', 'POST', `/api/admin/guests/${target.id}/erase`, ctx.admin, b, 400);
    }),
    { numRuns: RUNS },
  );
  const id = fc.oneof(fc.string({ minLength: 1, maxLength: 60 }).map(encodeURIComponent), fc.stringMatching(/^gu_[A-Za-z0-9]{20}$/));
  await fc.assert(
    fc.asyncProperty(id, async (raw) => {
      await check('erase id', 'POST', `/api/admin/guests/${raw}/erase`, ctx.admin, { confirm: decodeURIComponent(raw) });
      await check('export id', 'GET', `/api/admin/guests/${raw}/export`, ctx.admin);
      await check('erasure id', 'GET', `/api/admin/erasures/${raw}`, ctx.admin);
    }),
    { numRuns: RUNS },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.record({ agentsMayExport: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }), fc.jsonValue().filter((v) => typeof v?.agentsMayExport !== 'boolean')), async (b) => {
      await check('privacy body', 'PUT', '/api/admin/privacy', ctx.admin, b, 400);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], failures.join('\n'));
  const me = await ctx.call('GET', '/api/guests/me', { headers: target.headers });
  assert.equal(me.status, 200, 'a refused erase erased nobody');
  assert.equal(me.body.name, 'Tess Target');
  assert.equal((await ctx.call('GET', '/api/admin/privacy', { headers: ctx.admin })).body.agentsMayExport, false);
});
