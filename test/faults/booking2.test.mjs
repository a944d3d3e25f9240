// The rest of issue 16 under the fault suite: the meeting page's own slots route and the agent's
// own description route in the authorization matrix (seven kinds of caller, as in authz.test.mjs,
// whose coverage check counts these rows), and fast-check inputs that are nearly right (a slots
// query with a bad zone, date or span; a description too long, of the wrong type, or with fields
// that are the admin's; an offer booked with answers that break the type's rules): every one is a
// 4xx with the error envelope and nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectCells as expect, matrixFixtures, OK, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('booking2');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const QUIZ = {
  slug: 'b2-quiz',
  title: 'Quiz',
  durations: [30],
  hidden: false,
  questions: [
    { id: 'company', label: 'Company', kind: 'short', required: true },
    { id: 'size', label: 'Size', kind: 'select', options: ['small', 'big'], required: true },
    { id: 'phone', label: 'Phone', kind: 'phone' },
    { id: 'ok', label: 'OK', kind: 'checkbox', required: true },
  ],
};

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const fx = await matrixFixtures(ctx, 'dave-b2');
  const quiz = await ctx.call('POST', '/api/calendar/meeting-types', { headers: fx.headers.alice, body: QUIZ });
  assert.equal(quiz.status, 201, JSON.stringify(quiz.body));
  const slots = (await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&days=14&type=${QUIZ.slug}`)).body.slots;
  assert.ok(slots.length > 20, 'Alice has free quiz slots');
  fx.slot = () => slots.shift().start;
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', {
    body: { start: fx.slot(), durationMinutes: 30, name: 'Mo Matrix', email: 'mo@example.com', timeZone: 'UTC', type: QUIZ.slug, answers: { company: 'Acme', size: 'big', ok: true } },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  fx.token = decodeURIComponent(booked.body.guestLink.split('#')[1]);
  // The meeting's type is hidden now: its page still reschedules it.
  assert.equal((await ctx.call('PATCH', `/api/calendar/meeting-types/${QUIZ.slug}`, { headers: fx.headers.alice, body: { hidden: true } })).status, 200);
  // An offer of the quiz type in guestA's conversation, while it is visible.
  assert.equal((await ctx.call('PATCH', `/api/calendar/meeting-types/${QUIZ.slug}`, { headers: fx.headers.alice, body: { hidden: false } })).status, 200);
  const offer = await ctx.call('POST', `/api/conversations/${fx.x.id}/offers`, { headers: fx.headers.alice, body: { clientId: 'b2-offer', type: QUIZ.slug } });
  assert.equal(offer.status, 201, JSON.stringify(offer.body));
  fx.offerId = offer.body.entry.event.offerId;
  assert.equal((await ctx.call('PATCH', `/api/calendar/meeting-types/${QUIZ.slug}`, { headers: fx.headers.alice, body: { hidden: true } })).status, 200);
  return fx;
}

const days = `timeZone=UTC&from=${dayFromNow(1)}&days=14`;
const routes = [
  { route: 'GET /api/meetings/{token}/slots', path: (fx) => `/api/meetings/${encodeURIComponent(fx.token)}/slots?${days}`, expect: expect(OK) },
  { route: 'GET /api/meetings/{token}/slots', name: 'tampered', path: (fx) => `/api/meetings/${encodeURIComponent(fx.token.slice(0, -3) + 'AAA')}/slots?${days}`, expect: expect(401) },
  { route: 'PATCH /api/agents/me', path: () => '/api/agents/me', body: () => ({ description: 'Set by the matrix.' }), expect: expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK }) },
];

/** What a refused request must leave as it was: Alice's description, her meetings, the offer still open. */
async function snapshot(fx) {
  const me = await ctx.call('GET', '/api/agents/me', { headers: fx.headers.alice });
  const calendar = await ctx.call('GET', '/api/calendar', { headers: fx.headers.alice });
  return { description: me.body.description, meetings: calendar.body.meetings.map((m) => [m.id, m.start, m.status]) };
}

test('the meeting page’s slots and the agent’s description × every caller are allowed or refused as docs/api.md says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  assert.ok(doc.paths['/api/meetings/{token}/slots']?.get, 'the meeting slots route is documented');
  assert.ok(doc.paths['/api/agents/me']?.patch, 'the description route is documented');
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, entry.path(fx), { headers: fx.headers[role], body: entry.body?.() });
    if (r.status >= 200 && r.status < 300) return OK;
    return r.status >= 400 && typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
  // The slots of a hidden type's meeting are its own type's, with its length.
  const r = await ctx.call('GET', `/api/meetings/${encodeURIComponent(fx.token)}/slots?${days}`);
  assert.equal(r.body.durationMinutes, 30);
  assert.ok(r.body.slots.length > 0);
});

const zone = fc.constantFrom('Mars/Olympus', 'utc ', '', 'Europe/Paris/x', 'x'.repeat(200), 'GMT+25');
const date = fc.constantFrom('2026-13-01', '2026-02-30', '26-01-01', 'tomorrow', '', '2026-1-1');
const span = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 63 }), fc.constantFrom('7.5', 'seven', '1e3'));
const badQuery = fc.oneof(
  zone.map((z) => `timeZone=${encodeURIComponent(z)}&from=${dayFromNow(1)}`),
  date.map((d) => `timeZone=UTC&from=${encodeURIComponent(d)}`),
  span.map((n) => `timeZone=UTC&from=${dayFromNow(1)}&days=${encodeURIComponent(n)}`),
  fc.constant(`from=${dayFromNow(1)}`),
  fc.constant('timeZone=UTC'),
);
const badDescription = fc.oneof(
  fc.integer({ min: 2001, max: 2100 }).map((n) => ({ description: 'x'.repeat(n) })),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(['a'])).map((description) => ({ description })),
  fc.constantFrom({ name: 'Mallory' }, { license: 'premium' }, { slug: 'mallory' }, { email: 'm@example.com' }, { description: 'x', avatarUrl: null }, {}),
  fc.oneof(fc.constant(null), fc.constant([]), fc.constant('description')),
);
const badAnswers = fc.oneof(
  fc.constant({}),
  fc.record({ company: fc.constantFrom('', '   ', 'a\nb', 'x'.repeat(201)), size: fc.constant('big'), ok: fc.constant(true) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constantFrom('huge', 'Big', ''), ok: fc.constant(true) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constantFrom(false, 'yes', 1, null) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constant(true), phone: fc.constantFrom('call me', '12') }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constant(true), extra: fc.string({ maxLength: 5 }) }),
);

test('nearly right slots queries, descriptions and offer answers get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await setup();
  await ctx.call('PATCH', '/api/agents/me', { headers: fx.headers.alice, body: { description: 'Kept by the fuzz.' } });
  const before = await snapshot(fx);
  const { check: expect4xx, failures, cases } = refusals(ctx);
  const run = (arb, check) => fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS * 4 });
  await run(badQuery, (query) => expect4xx('meeting slots', 'GET', `/api/meetings/${encodeURIComponent(fx.token)}/slots?${query}`, {}, undefined, 400));
  await run(badDescription, (body) => expect4xx('description', 'PATCH', '/api/agents/me', fx.headers.alice, body, 400));
  // Answers are checked as on the type's page (the type is visible again for the offer's booking).
  assert.equal((await ctx.call('PATCH', `/api/calendar/meeting-types/${QUIZ.slug}`, { headers: fx.headers.alice, body: { hidden: false } })).status, 200);
  await run(badAnswers, (answers) =>
    expect4xx('offer answers', 'POST', `/api/conversations/${fx.x.id}/offers/${fx.offerId}/booking`, fx.headers.guestA, { start: fx.slot(), timeZone: 'UTC', email: 'ivy@example.com', answers }, 400),
  );
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], failures.slice(0, 10).join('\n'));
  assert.deepEqual(await snapshot(fx), before, 'no description changed and nothing was booked or moved');
});
