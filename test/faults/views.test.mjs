// Inbox views under the fault suite: GET /api/inbox?view=…, GET /api/inbox/views and the
// search's new filters × every kind of caller (C8: a private conversation only for its
// participants; Unassigned only for members of the conversation's service; guests and
// strangers nothing), and generated hostile query parameters: always a 200 or a 4xx with the
// error envelope, never a 5xx, never a leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, log, newAgent, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('views');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const ROLES = ['anon', 'guestX', 'guestP', 'alice', 'bob', 'carol', 'dave', 'admin'];

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const [alice, carol, bob] = [await demoAgent('alice'), await demoAgent('carol'), await demoAgent('bob')];
  const dave = await newAgent(ctx, 'dave'); // licensed, in no service and no conversation
  const x = await startConversation(ctx, 'Gail Sales', { kind: 'service', slug: 'sales' }); // Alice and Carol
  const s = await startConversation(ctx, 'Hugo Support', { kind: 'service', slug: 'support' }); // Carol
  const p = await startConversation(ctx, 'Ivy Private', { kind: 'service', slug: 'support' }); // Carol, made private
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  const headers = { anon: {}, guestX: x.guest.headers, guestP: p.guest.headers, alice: bearer(alice.token), bob: bearer(bob.token), carol: bearer(carol.token), dave: bearer(dave.token), admin: ctx.admin };
  // The summaries are written by each conversation's job a moment after the change.
  for (let i = 0; ; i++) {
    const [c, a] = await Promise.all([ctx.call('GET', '/api/inbox/views', { headers: headers.carol }), ctx.call('GET', '/api/inbox?view=all', { headers: headers.alice })]);
    if (c.body?.counts?.all === 3 && a.body?.items?.length === 2) break;
    if (i > 200) assert.fail(`the summaries never landed: ${JSON.stringify(c.body)} ${JSON.stringify(a.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { headers, names: new Map([[x.id, 'x'], [s.id, 's'], [p.id, 'p']]), p };
}

/** What a caller gets: the status, or on success which of the conversations x, s, p (private) are listed. */
async function listed(fx, role, path) {
  const r = await ctx.call('GET', path, { headers: fx.headers[role] });
  if (r.status !== 200) {
    assert.equal(typeof r.body?.error?.code, 'string', `${r.status} without an error body`);
    return String(r.status);
  }
  if (r.body.counts) return ['mine', 'unassigned', 'all', 'mentions', 'resolved'].map((v) => `${v[0]}${r.body.counts[v]}`).join(' ');
  const ids = r.body.items ?? r.body.results.map((h) => ({ conversationId: h.conversationId }));
  return [...new Set(ids.map((i) => fx.names.get(i.conversationId) ?? '?'))].sort().join('') || '-';
}

test('views and counts × every caller: who sees which conversation', async (t) => {
  const fx = await setup();
  const refused = (guest) => (guest ? '403' : '401');
  // Columns: x (Sales, public), s (Support, public), p (Support, private, Carol's).
  // Each row's `route` is how authz.test.mjs finds that these routes have their matrix here.
  const matrix = [
    { route: 'GET /api/inbox', path: '/api/inbox?view=mine', expect: { alice: 'x', bob: '-', carol: 'psx', dave: '-' } },
    { route: 'GET /api/inbox', path: '/api/inbox?view=unassigned', expect: { alice: 'x', bob: 'x', carol: 'psx', dave: '-' } },
    { route: 'GET /api/inbox', path: '/api/inbox?view=all', expect: { alice: 'sx', bob: 'sx', carol: 'psx', dave: 'sx' } },
    { route: 'GET /api/inbox', path: '/api/inbox?view=all&service=support', expect: { alice: 's', bob: 's', carol: 'ps', dave: 's' } },
    { route: 'GET /api/inbox', path: '/api/inbox?view=resolved', expect: { alice: '-', bob: '-', carol: '-', dave: '-' } },
    { route: 'GET /api/inbox', path: '/api/inbox?view=mentions', expect: { alice: '-', bob: '-', carol: '-', dave: '-' } },
    { route: 'GET /api/inbox/views', path: '/api/inbox/views', expect: { alice: 'm1 u1 a2 m0 r0', bob: 'm0 u1 a2 m0 r0', carol: 'm3 u3 a3 m0 r0', dave: 'm0 u0 a2 m0 r0' } },
    { route: 'GET /api/inbox/views', path: '/api/inbox/views?service=support', expect: { alice: 'm0 u0 a1 m0 r0', bob: 'm0 u0 a1 m0 r0', carol: 'm2 u2 a2 m0 r0', dave: 'm0 u0 a1 m0 r0' } },
    { route: 'GET /api/search', path: '/api/search?q=hello&status=open&service=support', expect: { alice: 's', bob: 's', carol: 'ps', dave: 's' } },
  ];
  const wrong = [];
  const table = [];
  let cases = 0;
  for (const { path, expect: agents } of matrix) {
    for (const role of ROLES) {
      const expected = agents[role] ?? (role === 'anon' || role === 'admin' ? '401' : refused(true));
      let got = await listed(fx, role, path);
      // The search index may trail the summary by its job's short delay.
      for (let i = 0; got !== expected && path.startsWith('/api/search') && i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        got = await listed(fx, role, path);
      }
      cases += 1;
      table.push(`${path.padEnd(48)} ${role.padEnd(7)} ${got}`);
      if (got !== expected) wrong.push(`${path} ${role}: got ${got}, expected ${expected}`);
    }
  }
  console.log(table.join('\n'));
  t.diagnostic(`cases: ${cases}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

const junk = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', '%', '\u0000', '🙂', '-1', '1e3', 'null', '[]', 'open,resolved'));
// Mostly values a client might send (`good`), so that many cases get past validation to the
// queries; now and then a near miss (`bad`) or junk.
const param = (good, bad) => fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 12 }, { arbitrary: fc.constantFrom(...bad), weight: 1 }, { arbitrary: junk, weight: 1 });
const viewsQuery = fc.record(
  {
    view: param(['inbox', 'mine', 'unassigned', 'all', 'mentions', 'resolved'], ['All', 'open', 'mine ']),
    status: param(['open', 'snoozed', 'resolved'], ['closed', 'Open']),
    service: param(['sales', 'support', 'billing', 'nope'], ['Nope!', 'x'.repeat(80)]),
    label: param(['lb_0123456789abcdef'], ['lb_x', 'vip']),
    assignee: param(['alice', 'carol', 'dave', 'nobody'], ['Alice', '@carol']),
    limit: param(['1', '20', '50'], ['0', '-3', '2.5', '201']),
    from: param(['2026-01-01', '2999-12-31'], ['2026-13-01', 'yesterday']),
  },
  { requiredKeys: [] },
);
/** What each route takes; a key it does not take is sent only now and then (it is a 400). */
const TAKES = {
  '/api/inbox': ['view', 'status', 'service', 'label', 'assignee', 'limit'],
  '/api/inbox/views': ['status', 'service', 'label', 'assignee'],
  '/api/search': ['status', 'service', 'label', 'assignee', 'limit', 'from'],
};

test('hostile view and count parameters are answered 200 or 4xx, never 5xx, and never leak the private conversation', async (t) => {
  const fx = await setup();
  let cases = 0;
  const statuses = new Map();
  await fc.assert(
    fc.asyncProperty(viewsQuery, fc.constantFrom(...Object.keys(TAKES)), fc.constantFrom('alice', 'dave', 'bob'), fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, { arbitrary: junk, weight: 1 }), async (q, path, role, stray) => {
      cases += 1;
      const taken = Object.fromEntries(Object.entries(q).filter(([k]) => TAKES[path].includes(k)));
      const query = new URLSearchParams({ ...(path === '/api/search' ? { q: 'hello' } : {}), ...taken, ...(stray === null ? {} : { stray }) });
      const r = await ctx.call('GET', `${path}?${query}`, { headers: fx.headers[role] });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} for ${path} ${query}: ${JSON.stringify(r.body)}`);
      if (r.status !== 200) return assert.equal(typeof r.body?.error?.code, 'string');
      const ids = r.body.items?.map((i) => i.conversationId) ?? r.body.results?.map((h) => h.conversationId) ?? [];
      assert.ok(!ids.includes(fx.p.id), `${role} got the private conversation from ${path}?${query}`);
      if (r.body.counts) for (const n of Object.values(r.body.counts)) assert.ok(Number.isInteger(n) && n >= 0 && n <= 2, JSON.stringify(r.body));
    }),
    { numRuns: RUNS * 20 },
  );
  log(`hostile view queries by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.diagnostic(`cases: ${cases}`);
});
