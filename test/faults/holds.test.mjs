// Live slots and holds under the fault suite: the authorization matrix of their routes (seven
// kinds of caller, as in authz.test.mjs, whose coverage check counts these rows), nearly right
// hold bodies and socket frames, each a 4xx (or an error frame) that holds nothing, and what a
// booking page hears of someone else's booking: times, never who.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameSocket } from '../support/client.mjs';
import { expectCells as expect, matrixFixtures, OK, refusals, runMatrix, socketAnswer, useServer } from './fixtures.mjs';

const ctx = useServer('holds');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const everyone = expect(OK);
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const wsUrl = (path, token) => `${ctx.base.replace(/^http/, 'ws')}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const fx = await matrixFixtures(ctx, 'dave-holds');
  // An hour apart, so that no two overlap.
  const slots = (await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(20)}&days=14&duration=30`)).body.slots.filter((_, i) => i % 4 === 0);
  assert.ok(slots.length > 40, 'Alice has free slots');
  fx.slot = () => slots.shift().start;
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', { body: { start: fx.slot(), durationMinutes: 30, name: 'Mo Matrix', email: 'mo@example.com', timeZone: 'UTC' } });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  fx.token = decodeURIComponent(booked.body.guestLink.split('#')[1]);
  fx.sockets = [];
  /** A booking page: its open slots socket and page id. */
  fx.page = async () => {
    const socket = new FrameSocket(wsUrl('/api/agents/alice/slots/socket'));
    fx.sockets.push(socket);
    const first = await socket.waitFor((f) => f.type === 'page', 'page frame');
    return { socket, page: first.page };
  };
  return fx;
}

const hold = async (fx, body = {}) => ({ start: fx.slot(), durationMinutes: 30, page: (await fx.page()).page, ...body });

const routes = [
  { route: 'GET /api/agents/{slug}/slots/socket', socket: true, path: () => '/api/agents/alice/slots/socket', expect: everyone },
  { route: 'GET /api/agents/{slug}/slots/socket', name: 'basic agent', socket: true, path: () => '/api/agents/bob/slots/socket', expect: expect(409) },
  { route: 'POST /api/agents/{slug}/holds', path: () => '/api/agents/alice/holds', body: (fx) => hold(fx), expect: everyone },
  { route: 'POST /api/agents/{slug}/holds', name: 'basic agent', path: () => '/api/agents/bob/holds', body: (fx) => hold(fx), expect: expect(409) },
  {
    route: 'DELETE /api/agents/{slug}/holds/{token}',
    fresh: async (fx) => (await ctx.call('POST', '/api/agents/alice/holds', { body: await hold(fx) })).body.holdToken,
    path: (_fx, token) => `/api/agents/alice/holds/${token}`,
    expect: everyone,
  },
  { route: 'GET /api/meetings/{token}/socket', socket: true, path: (fx) => `/api/meetings/${encodeURIComponent(fx.token)}/socket`, expect: everyone },
  { route: 'GET /api/meetings/{token}/socket', name: 'tampered', socket: true, path: (fx) => `/api/meetings/${encodeURIComponent(fx.token.slice(0, -3) + 'AAA')}/socket`, expect: expect(401) },
];

test('every live slots and holds route × every caller is allowed or refused as docs/api.md says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.includes('/holds') || path.endsWith('/socket') && (path.includes('/slots') || path.startsWith('/api/meetings')))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.equal(documented.length, 4);
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'routes with no row');
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const made = entry.fresh ? await entry.fresh(fx) : undefined;
    const path = entry.path(fx, made);
    if (entry.socket) return socketAnswer(wsUrl(path, fx.tokens[role]));
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, path, { headers: fx.headers[role], body: await entry.body?.(fx) });
    if (r.status >= 200 && r.status < 300) return OK;
    return r.status >= 400 && typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
});

const slotsOf = async (from) => (await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${from}&days=14&duration=30`)).body.slots.map((s) => s.start);

test('nearly right holds and frames are refused and hold nothing; a page hears times, never who', async (t) => {
  const fx = await setup();
  const { page, socket } = await fx.page();
  const watcher = await fx.page();
  const start = fx.slot();
  const before = await slotsOf(dayFromNow(20));
  const { check: expect4xx, failures, cases } = refusals(ctx);
  const run = (arb, check) => fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS * 4 });
  const badHold = fc.oneof(
    fc.constantFrom('', 'soon', '2027-13-01T09:00:00Z', start.slice(0, 10), 12, null).map((s) => ({ start: s, durationMinutes: 30, page })),
    fc.oneof(fc.integer({ max: 4 }), fc.integer({ min: 481 }), fc.constantFrom(45, 29, '30', 30.5, null)).map((d) => ({ start, durationMinutes: d, page })),
    fc.constantFrom('', 'pg_', 'pg_short', 'PG_abcdefghijklmnop', `pg_${'a'.repeat(41)}`, 'pg_nosuchpageatall0000', 42, null).map((p) => ({ start, durationMinutes: 30, page: p })),
    fc.constantFrom('nope', 'Meeting', 'x/y', '').map((type) => ({ start, durationMinutes: 30, page, type })),
    fc.constant({ start, durationMinutes: 30 }),
    fc.constant({ start, durationMinutes: 30, page, holdToken: 'ht_abcdefghijklmnopqrst' }),
    // Midnight on a Sunday, and the past: not offered.
    fc.constantFrom(`${dayFromNow(20)}T00:00:00.000Z`, new Date(Date.now() - 86_400_000).toISOString()).map((s) => ({ start: s, durationMinutes: 30, page })),
  );
  await run(badHold, (body) => expect4xx('hold', 'POST', '/api/agents/alice/holds', {}, body));
  await run(fc.constantFrom('x', 'ht_', 'ht_short', 'ht_nosuchtokenatall0000', `ht_${'a'.repeat(41)}`), (token) => expect4xx('release', 'DELETE', `/api/agents/alice/holds/${token}`, {}));
  await run(fc.constantFrom('pg_', 'x', 'pg_short!'), (p) => expect4xx('slots page', 'GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(20)}&page=${p}`, {}));
  // Frames a report socket does not take: each answered read_only, nothing changes.
  const frames = ['{"type":"hold"}', 'not json', '{"type":"send","text":"hi"}', JSON.stringify({ type: 'slots', changed: [{ start, end: start, available: false, reason: 'held' }] })];
  for (const text of frames) {
    const seen = socket.frames.length;
    socket.sendRaw(text);
    await socket.waitFor((f) => socket.frames.indexOf(f) >= seen && f.type === 'error' && f.code === 'read_only', 'read_only');
  }
  t.diagnostic(`cases: ${cases() + frames.length}`);
  assert.deepEqual(failures, [], failures.slice(0, 10).join('\n'));
  assert.deepEqual(await slotsOf(dayFromNow(20)), before, 'nothing was held');
  assert.deepEqual(watcher.socket.frames.filter((f) => f.type === 'slots'), [], 'no page heard of a hold');

  // Someone books: the other page hears the time, and nothing of the guest or the meeting.
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', { body: { start, durationMinutes: 30, name: 'Secret Sam', email: 'sam@example.com', timeZone: 'UTC' } });
  assert.equal(booked.status, 201);
  const frame = await watcher.socket.waitFor((f) => f.type === 'slots', 'slots frame');
  assert.deepEqual(frame.changed.map((c) => [c.start, c.reason]), [[start, 'booked']]);
  const heard = JSON.stringify(watcher.socket.frames);
  for (const secret of ['Secret Sam', 'sam@example.com', booked.body.meeting.id, booked.body.meeting.conversationId, page]) assert.ok(!heard.includes(secret), `a booking page heard ${secret}`);
  for (const s of fx.sockets) s.close();
});
