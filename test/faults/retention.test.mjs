// Retention under the fault suite: the authorization matrix of its settings routes (seven
// kinds of caller; authz.test.mjs's coverage check counts these rows), and fast-check bodies
// that are nearly right (0 or 3651 days, a fraction, a number in a string, an unknown field):
// every one is 400 with the error envelope and the settings stay as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrixFixtures, OK, ROLES, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('retention');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const PATH = '/api/admin/settings/retention';
const adminOnly = Object.fromEntries(ROLES.map((r) => [r, r === 'admin' ? OK : 401]));

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx, 'dave-retention'));

const routes = [
  { route: 'GET /api/admin/settings/retention', method: 'GET', path: PATH, expect: adminOnly },
  { route: 'PATCH /api/admin/settings/retention', method: 'PATCH', path: PATH, body: { conversationDays: 400 }, expect: adminOnly },
  { route: 'PATCH /api/admin/services/{slug}', name: 'retentionDays', method: 'PATCH', path: '/api/admin/services/support', body: { retentionDays: 90 }, expect: adminOnly },
];

const settings = async () => {
  const r = await ctx.call('GET', PATH, { headers: ctx.admin });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};

test('every retention route × every caller is allowed or refused as docs/api.md says', async (t) => {
  const fx = await setup();
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const r = await ctx.call(entry.method, entry.path, { headers: fx.headers[role], body: entry.body });
    if (r.status >= 200 && r.status < 300) return OK;
    return typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
  // Only the admin's calls landed.
  assert.deepEqual(await settings(), { conversationDays: 400, meetingDays: null });
  assert.equal((await ctx.call('GET', '/api/admin/services/support', { headers: ctx.admin })).body.retentionDays, 90);
});

const badDays = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 3651 }),
  fc.double({ min: 1.01, max: 3649.99, noNaN: true }).filter((d) => !Number.isInteger(d)),
  fc.constantFrom('30', '', 'forever', true, false, [], {}, [30], Number.MAX_SAFE_INTEGER + 2, -0.5),
);
const goodDays = fc.oneof(fc.integer({ min: 1, max: 3650 }), fc.constant(null));
const field = fc.constantFrom('conversationDays', 'meetingDays');
const badBody = fc.oneof(
  fc.tuple(field, badDays).map(([k, v]) => ({ [k]: v })),
  fc.tuple(goodDays, badDays).map(([good, bad]) => ({ conversationDays: good, meetingDays: bad })),
  fc.tuple(field, goodDays, fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== 'conversationDays' && k !== 'meetingDays')).map(([k, v, extra]) => ({ [k]: v, [extra]: 1 })),
  fc.constantFrom({}, [], null, 'conversationDays=30', 30),
);

test('fuzzed retention bodies: out of range, not whole, not numbers, unknown fields are 400 and change nothing', async (t) => {
  await setup();
  await ctx.call('PATCH', PATH, { headers: ctx.admin, body: { conversationDays: 30, meetingDays: 60 } });
  const before = await settings();
  const { check, failures, cases } = refusals(ctx);
  await fc.assert(
    fc.asyncProperty(badBody, (body) => check('retention', 'PATCH', PATH, ctx.admin, body, 400)),
    { numRuns: RUNS * 4 },
  );
  await fc.assert(
    fc.asyncProperty(badDays, (retentionDays) => check('service retentionDays', 'PATCH', '/api/admin/services/sales', ctx.admin, { retentionDays }, 400)),
    { numRuns: RUNS * 2 },
  );
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.deepEqual(await settings(), before, 'refused bodies changed nothing');
  assert.equal((await ctx.call('GET', '/api/admin/services/sales', { headers: ctx.admin })).body.retentionDays, null);

  // Good values round-trip.
  await fc.assert(
    fc.asyncProperty(goodDays, goodDays, async (conversationDays, meetingDays) => {
      const r = await ctx.call('PATCH', PATH, { headers: ctx.admin, body: { conversationDays, meetingDays } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { conversationDays, meetingDays });
    }),
    { numRuns: RUNS },
  );
  await ctx.call('PATCH', PATH, { headers: ctx.admin, body: { conversationDays: null, meetingDays: null } });
  t.diagnostic(`cases: ${cases() + RUNS}`);
});
