// Agent availability (docs/rules.md "Availability") under the fault suite: the seven kinds of
// caller × the presence routes, the inbox settings' idle delay and the public cards that show
// availability, as in authz.test.mjs; then generated bad presence bodies, bad idle delays and
// frames sent on the (read-only) inbox socket, as in fuzz.test.mjs: each refused (400 with the
// error envelope, or an `error` frame) and changing nothing any guest can see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, FrameSocket } from '../support/client.mjs';
import { demoAgent, expectCells as expect, log, newAgent, OK, ROLES, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('presence');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const agentsOnly = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK });
const everyone = expect(OK);

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  return {
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
    alice,
  };
}

const routes = [
  { route: 'GET /api/inbox/presence', path: () => '/api/inbox/presence', expect: agentsOnly },
  { route: 'PUT /api/inbox/presence', name: 'away', path: () => '/api/inbox/presence', body: () => ({ state: 'away' }), expect: agentsOnly },
  { route: 'PUT /api/inbox/presence', name: 'online', path: () => '/api/inbox/presence', body: () => ({ state: 'online' }), expect: agentsOnly },
  { route: 'PATCH /api/inbox/settings', name: 'awayAfterMinutes', path: () => '/api/inbox/settings', body: () => ({ awayAfterMinutes: 15 }), expect: agentsOnly },
  { route: 'GET /api/public/agents/{slug}', name: 'availability', path: () => '/api/public/agents/alice', expect: everyone, check: (b) => ['online', 'away', 'offline'].includes(b.availability) },
  { route: 'GET /api/public/services/{slug}', name: 'availability', path: () => '/api/public/services/sales', expect: everyone, check: (b) => ['online', 'away', 'offline'].includes(b.availability) },
];

async function answer(entry, fx, role) {
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role], body: entry.body?.() });
  if (r.status >= 200 && r.status < 300) return entry.check && !entry.check(r.body) ? `2xx without availability` : OK;
  if (r.status >= 400 && typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
  return r.status;
}

const card = async (slug) => (await ctx.call('GET', `/api/public/agents/${slug}`)).body;

test('presence cells: every caller kind × the presence routes, the idle delay and the public cards', async (t) => {
  const fx = await setup();
  const wrong = [];
  const table = [];
  for (const entry of routes) {
    const row = [];
    for (const role of ROLES) {
      const got = await answer(entry, fx, role);
      row.push(got === entry.expect[role] ? String(got) : `${got}≠${entry.expect[role]}`);
      if (got !== entry.expect[role]) wrong.push(`${entry.route} (${entry.name ?? ''}) as ${role}: got ${got}, expected ${entry.expect[role]}`);
    }
    table.push(`${`${entry.route}${entry.name ? ` (${entry.name})` : ''}`.padEnd(66)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(66)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${routes.length * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the rules:\n${wrong.join('\n')}`);
  // Setting a state without a console open changes nothing guests see.
  assert.equal((await card('alice')).availability, 'offline');
});

const KNOWN_STATES = ['online', 'away'];
const json = fc.jsonValue({ maxDepth: 2 });
const badPresenceBody = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !KNOWN_STATES.includes(s)).map((state) => ({ state })),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.constantFrom('online', 'away'), { maxLength: 2 }), fc.object({ maxDepth: 1 })).map((state) => ({ state })),
  fc.tuple(fc.constantFrom('online', 'away'), fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'state' && k !== '__proto__'), json).map(([state, k, v]) => ({ state, [k]: v })),
  fc.constantFrom({}, { state: 'offline' }, { availability: 'online' }, [], { state: 'AWAY' }),
);
const badIdle = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 241 }),
  fc.double({ min: 1.01, max: 239.99, noNaN: true }).filter((n) => !Number.isInteger(n)),
  fc.oneof(fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 })),
).map((awayAfterMinutes) => ({ awayAfterMinutes }));

test('generated bad presence bodies, idle delays and inbox-socket frames are refused and change nothing', async (t) => {
  const fx = await setup();
  const socket = new FrameSocket(`${ctx.base.replace(/^http/, 'ws')}/api/inbox/socket?token=${encodeURIComponent(fx.alice.token)}`);
  await socket.opened;
  await socket.waitFor((f) => f.type === 'inbox', 'inbox snapshot');
  assert.equal((await ctx.call('PUT', '/api/inbox/presence', { headers: fx.headers.alice, body: { state: 'online' } })).status, 200);
  const presence = async () => (await ctx.call('GET', '/api/inbox/presence', { headers: fx.headers.alice })).body;
  const settings = async () => (await ctx.call('GET', '/api/inbox/settings', { headers: fx.headers.alice })).body;
  const before = { presence: await presence(), settings: await settings() };
  assert.deepEqual(before.presence, { state: 'online', availability: 'online' });
  await socket.waitFor((f) => f.type === 'presence', 'the presence frame of the PUT above');
  const quiet = socket.frames.length;
  let cases = 0;
  const failures = [];
  await fc.assert(
    fc.asyncProperty(badPresenceBody, async (body) => {
      cases += 1;
      const r = await ctx.call('PUT', '/api/inbox/presence', { headers: fx.headers.alice, body });
      if (r.status !== 400 || r.body?.error?.code !== 'invalid_request') failures.push(`PUT presence ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
    }),
    { numRuns: RUNS * 4 },
  );
  await fc.assert(
    fc.asyncProperty(badIdle, async (body) => {
      cases += 1;
      const r = await ctx.call('PATCH', '/api/inbox/settings', { headers: fx.headers.alice, body });
      if (r.status !== 400 || r.body?.error?.code !== 'invalid_request') failures.push(`PATCH settings ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
    }),
    { numRuns: RUNS * 2 },
  );
  // The inbox socket only reports: a presence frame (or anything else) is an error frame, never a change.
  const frames = fc.oneof(
    fc.constantFrom('away', 'offline').map((state) => ({ type: 'presence', state })),
    fc.record({ type: fc.string({ maxLength: 10 }).filter((s) => s !== 'ping'), state: json }),
    json.filter((v) => JSON.stringify(v) !== '{"type":"ping"}'),
  );
  await fc.assert(
    fc.asyncProperty(frames, async (frame) => {
      cases += 1;
      const from = socket.frames.length;
      socket.ws.send(JSON.stringify(frame));
      const reply = await socket.waitFor((f, i) => i >= from && f.type === 'error', `error frame for ${JSON.stringify(frame)}`, 5000).catch((e) => e);
      if (reply instanceof Error || reply.code !== 'read_only') failures.push(`frame ${JSON.stringify(frame)} → ${reply instanceof Error ? reply.message : JSON.stringify(reply)}`);
    }),
    { numRuns: RUNS * 2 },
  );
  t.diagnostic(`cases: ${cases}`);
  log(`${cases} generated presence bodies, idle delays and socket frames`);
  assert.deepEqual(failures, []);
  assert.deepEqual({ presence: await presence(), settings: await settings() }, before, 'nothing changed');
  assert.equal((await card('alice')).availability, 'online');
  assert.ok(!socket.frames.slice(quiet).some((f) => f.type === 'presence'), 'no presence frame: nothing was set');
  socket.close();
  await socket.closed;
  // Closing the last console makes her offline for guests.
  const deadline = Date.now() + 5000;
  while ((await card('alice')).availability !== 'offline' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await card('alice')).availability, 'offline');
});
