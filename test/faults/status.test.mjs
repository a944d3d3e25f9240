// Conversation status (docs/rules.md, "Status") under the fault suite: the seven kinds of
// caller × resolving, snoozing and reopening (PATCH /api/conversations/{id} with `status`) and
// the inbox filter, as in authz.test.mjs; then generated bad status bodies and filters, as in
// fuzz.test.mjs: each a 400 with the error envelope that changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, expectCells as expect, log, newAgent, OK, ROLES, startConversation, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('status');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const DAY = 86_400_000;

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave'); // licensed, in no service
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  return {
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
    alice,
    carol,
    x,
    p,
  };
}

const until = (ms) => new Date(Date.now() + ms).toISOString();
// The route keeps its authz.test.mjs name: the rows are the status cells of that route.
const routes = [
  { route: 'PATCH /api/conversations/{id}', name: 'resolve', path: (fx) => `/api/conversations/${fx.x.id}`, body: () => ({ status: 'resolved' }), expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 404, bob: 403 }) },
  { route: 'PATCH /api/conversations/{id}', name: 'snooze until', path: (fx) => `/api/conversations/${fx.x.id}`, body: () => ({ status: 'snoozed', until: until(DAY) }), expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 404, bob: 403 }) },
  { route: 'PATCH /api/conversations/{id}', name: 'snooze until the guest writes', path: (fx) => `/api/conversations/${fx.x.id}`, body: () => ({ status: 'snoozed' }), expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 404, bob: 403 }) },
  { route: 'PATCH /api/conversations/{id}', name: 'reopen', path: (fx) => `/api/conversations/${fx.x.id}`, body: () => ({ status: 'open' }), expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 404, bob: 403 }) },
  { route: 'PATCH /api/conversations/{id}', name: 'resolve private', path: (fx) => `/api/conversations/${fx.p.id}`, body: () => ({ status: 'resolved' }), expect: expect(404, { anon: 401, admin: 401, guestB: 403 }) },
  { route: 'GET /api/inbox', name: '?status=resolved', path: () => '/api/inbox?status=resolved', expect: expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK }) },
];

async function answer(entry, fx, role) {
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role], body: entry.body?.() });
  if (r.status >= 200 && r.status < 300) return OK;
  if (r.status >= 400 && typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
  return r.status;
}

test('status cells: every caller kind × resolve, snooze, reopen and the inbox filter', async (t) => {
  const fx = await setup();
  const wrong = [];
  const table = [];
  for (const entry of routes) {
    const row = [];
    for (const role of ROLES) {
      const got = await answer(entry, fx, role);
      row.push(got === entry.expect[role] ? String(got) : `${got}≠${entry.expect[role]}`);
      if (got !== entry.expect[role]) wrong.push(`${entry.route} (${entry.name}) as ${role}: got ${got}, expected ${entry.expect[role]}`);
    }
    table.push(`${`${entry.route} (${entry.name})`.padEnd(66)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(66)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${routes.length * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the rules:\n${wrong.join('\n')}`);
  // What the allowed cells did is for agents only: the guest's history has none of it.
  const guestSees = await timeline(ctx, fx.x.id, fx.headers.guestA);
  const agentSees = await timeline(ctx, fx.x.id, fx.headers.alice);
  assert.equal(guestSees.filter((e) => e.event?.type === 'status').length, 0);
  assert.ok(agentSees.filter((e) => e.event?.type === 'status').length >= 4, 'the allowed cells changed the status');
});

// Generated bad status bodies: unknown statuses, wrongly typed values, times that are not ISO
// date-times with a zone, in the past, beyond 90 days, or given with another status.
const badStatusBody = fc.oneof(
  fc.string({ maxLength: 20 }).filter((s) => !['open', 'snoozed', 'resolved'].includes(s)).map((status) => ({ status })),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })).map((status) => ({ status })),
  fc.string({ maxLength: 30 }).filter((s) => Number.isNaN(Date.parse(s)) || !/[zZ]|[+-]\d\d:\d\d$/.test(s)).map((u) => ({ status: 'snoozed', until: u })),
  fc.integer({ min: 1, max: 5000 * DAY }).map((ago) => ({ status: 'snoozed', until: new Date(Date.now() - ago).toISOString() })),
  fc.integer({ min: 91 * DAY, max: 10_000 * DAY }).map((ahead) => ({ status: 'snoozed', until: until(ahead) })),
  fc.tuple(fc.constantFrom('open', 'resolved'), fc.integer({ min: 60_000, max: 30 * DAY })).map(([status, ahead]) => ({ status, until: until(ahead) })),
  fc.integer({ min: 60_000, max: 30 * DAY }).map((ahead) => ({ until: until(ahead) })),
  fc.constantFrom({ status: 'snoozed', until: 1_800_000_000_000 }, { status: 'snoozed', until: '2030-01-01' }, { status: 'resolved', extra: true }),
);

test('generated bad status bodies and filters are a 400 and change nothing', async (t) => {
  const fx = await setup();
  const { id } = await startConversation(ctx, 'Fay Status', { kind: 'service', slug: 'sales' });
  const view = async () => (await ctx.call('GET', `/api/conversations/${id}`, { headers: fx.headers.alice })).body;
  const before = { view: await view(), timeline: await timeline(ctx, id, fx.headers.alice) };
  assert.equal(before.view.status, 'open');
  let cases = 0;
  const failures = [];
  await fc.assert(
    fc.asyncProperty(badStatusBody, async (body) => {
      cases += 1;
      const r = await ctx.call('PATCH', `/api/conversations/${id}`, { headers: fx.headers.alice, body });
      if (r.status !== 400 || r.body?.error?.code !== 'invalid_request') failures.push(`PATCH ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
    }),
    { numRuns: RUNS * 4 },
  );
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).filter((s) => !['open', 'snoozed', 'resolved'].includes(s)), async (status) => {
      cases += 1;
      const r = await ctx.call('GET', `/api/inbox?${new URLSearchParams({ status })}`, { headers: fx.headers.alice });
      if (r.status !== 400 || typeof r.body?.error?.message !== 'string') failures.push(`GET /api/inbox?status=${JSON.stringify(status)} → ${r.status}`);
    }),
    { numRuns: RUNS },
  );
  log(`${cases} bad status requests`);
  assert.deepEqual(failures, [], `answers that were not a 400 with an error body:\n${failures.join('\n')}`);
  assert.deepEqual({ view: await view(), timeline: await timeline(ctx, id, fx.headers.alice) }, before, 'bad input changed the conversation');
  t.diagnostic(`cases: ${cases}`);
});
