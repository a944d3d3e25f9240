// Meeting types under the fault suite: the authorization matrix of their routes and of the
// .ics download (seven kinds of caller, as in authz.test.mjs, whose coverage check counts these
// rows), and fast-check bodies that are nearly right (a slug with a capital, a duration out of
// range, an http room link, a select without options, answers that break a question's rule):
// every one is a 4xx with the error envelope and nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectCells as expect, matrixFixtures, OK, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('meeting-types');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const everyone = expect(OK);
const agentsOnly = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK });
const adminOnly = expect(401, { admin: OK });
const AGENTS = new Set(['alice', 'dave', 'bob']);

let unique = 0;
const next = () => (unique += 1);
const dayFromNow = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

const QUIZ = {
  slug: 'quiz',
  title: 'Quiz',
  durations: [30],
  location: { kind: 'jitsi' },
  questions: [
    { id: 'company', label: 'Company', kind: 'short', required: true },
    { id: 'size', label: 'Size', kind: 'select', options: ['small', 'big'], required: true },
    { id: 'phone', label: 'Phone', kind: 'phone' },
    { id: 'ok', label: 'OK', kind: 'checkbox', required: true },
  ],
};

async function makeFixtures() {
  const fx = await matrixFixtures(ctx, 'dave-mt');
  const quiz = await ctx.call('POST', '/api/calendar/meeting-types', { headers: fx.headers.alice, body: QUIZ });
  assert.equal(quiz.status, 201, JSON.stringify(quiz.body));
  const slots = (await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&days=14&duration=30&type=quiz`)).body.slots;
  assert.ok(slots.length > 20, 'Alice has free quiz slots');
  fx.slot = () => slots.shift().start;
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', {
    body: { start: fx.slot(), durationMinutes: 30, name: 'Mo Matrix', email: 'mo@example.com', timeZone: 'UTC', type: 'quiz', answers: { company: 'Acme', size: 'big', ok: true } },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  fx.token = decodeURIComponent(booked.body.guestLink.split('#')[1]);
  return fx;
}

const own = '/api/calendar/meeting-types';
const admin = '/api/admin/agents/alice/meeting-types';
/** A type to change or delete: made in the caller's own calendar (agents), in Alice's (admin), or nowhere (the rest, refused first). */
async function freshType(fx, role, where) {
  const slug = `fresh-${next()}`;
  const headers = where === 'admin' ? fx.headers.admin : fx.headers[role];
  if (where === 'admin' || AGENTS.has(role)) {
    const r = await ctx.call('POST', where === 'admin' ? admin : own, { headers, body: { slug, title: `Fresh ${unique}` } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  return slug;
}

const routes = [
  { route: 'GET /api/agents/{slug}/meeting-types', path: () => '/api/agents/alice/meeting-types', expect: everyone },
  { route: 'GET /api/meetings/{token}/meeting.ics', path: (fx) => `/api/meetings/${encodeURIComponent(fx.token)}/meeting.ics`, expect: everyone },
  { route: 'GET /api/meetings/{token}/meeting.ics', name: 'tampered', path: (fx) => `/api/meetings/${encodeURIComponent(fx.token.slice(0, -3) + 'AAA')}/meeting.ics`, expect: expect(401) },
  { route: 'GET /api/calendar/meeting-types', path: () => own, expect: agentsOnly },
  { route: 'POST /api/calendar/meeting-types', path: () => own, body: () => ({ slug: `new-${next()}`, title: 'New' }), expect: agentsOnly },
  { route: 'PATCH /api/calendar/meeting-types/{type}', fresh: (fx, role) => freshType(fx, role, 'own'), path: (_fx, slug) => `${own}/${slug}`, body: () => ({ title: 'Changed' }), expect: agentsOnly },
  { route: 'DELETE /api/calendar/meeting-types/{type}', fresh: (fx, role) => freshType(fx, role, 'own'), path: (_fx, slug) => `${own}/${slug}`, expect: agentsOnly },
  { route: 'GET /api/admin/agents/{slug}/meeting-types', path: () => admin, expect: adminOnly },
  { route: 'POST /api/admin/agents/{slug}/meeting-types', path: () => admin, body: () => ({ slug: `adm-${next()}`, title: 'By admin' }), expect: adminOnly },
  { route: 'PATCH /api/admin/agents/{slug}/meeting-types/{type}', fresh: (fx) => freshType(fx, 'admin', 'admin'), path: (_fx, slug) => `${admin}/${slug}`, body: () => ({ title: 'Changed' }), expect: adminOnly },
  { route: 'DELETE /api/admin/agents/{slug}/meeting-types/{type}', fresh: (fx) => freshType(fx, 'admin', 'admin'), path: (_fx, slug) => `${admin}/${slug}`, expect: adminOnly },
];

/** Alice's types and meetings: what a refused request must leave as it was. */
async function snapshot(fx) {
  const types = await ctx.call('GET', admin, { headers: fx.headers.admin });
  const calendar = await ctx.call('GET', '/api/calendar', { headers: fx.headers.alice });
  assert.equal(types.status, 200);
  return { types: types.body.types.filter((t) => !t.slug.startsWith('fresh-') && !t.slug.startsWith('adm-') && !t.slug.startsWith('new-')), meetings: calendar.body.meetings.length };
}

test('every meeting type route × every caller is allowed or refused as docs/api.md says; nobody reaches another agent’s types', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.includes('/meeting-types') || path.endsWith('/meeting.ics'))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.equal(documented.length, 10);
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'meeting type routes with no row');
  const before = await snapshot(fx);
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const made = entry.fresh ? await entry.fresh(fx, role) : undefined;
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, entry.path(fx, made), { headers: fx.headers[role], body: entry.body?.() });
    if (r.status >= 200 && r.status < 300) return OK;
    return r.status >= 400 && typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
  // Dave's and Bob's edits went to their own calendars: Alice's types are as they were.
  assert.deepEqual(await snapshot(fx), before);
});

const slug = fc.oneof(
  fc.constantFrom('Intro', '-intro', 'intro-', 'in tro', 'intro_call', '', 'a'.repeat(41), 'intro/x', 'ıntro', '🙂'),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
);
const duration = fc.oneof(fc.integer({ max: 4 }), fc.integer({ min: 481 }), fc.double({ min: 5.1, max: 6, noInteger: true }), fc.constantFrom('30', null));
const link = fc.constantFrom('http://zoom.us/j/1', 'javascript:alert(1)', 'zoom.us/j/1', 'ftp://x.example/room', `https://${'x'.repeat(500)}.example`, '');
const badType = fc.oneof(
  slug.map((s) => ({ slug: s, title: 'Fine' })),
  fc.record({ slug: fc.constant('fine'), title: fc.constantFrom('', ' ', 'x\u0000y', 'a\u202eb', 'x'.repeat(121)) }),
  fc.array(duration, { minLength: 1, maxLength: 3 }).map((d) => ({ slug: 'fine', title: 'Fine', durations: d })),
  fc.constant({ slug: 'fine', title: 'Fine', durations: [] }),
  fc.constant({ slug: 'fine', title: 'Fine', durations: [5, 10, 15, 20, 25, 30, 35, 40, 45] }),
  link.map((url) => ({ slug: 'fine', title: 'Fine', location: { kind: 'link', url } })),
  fc.constantFrom({ kind: 'phone', phone: 'call me' }, { kind: 'address', address: '' }, { kind: 'video' }, { kind: 'jitsi', url: 'https://meet.jit.si/mine' }, 'jitsi').map((location) => ({ slug: 'fine', title: 'Fine', location })),
  fc.constantFrom(
    [{ id: 'q', label: 'Q', kind: 'select' }],
    [{ id: 'q', label: 'Q', kind: 'short', options: ['a'] }],
    [{ id: 'q', label: 'Q', kind: 'date' }],
    [{ id: 'Q!', label: 'Q', kind: 'short' }],
    [{ id: 'q', label: 'Q', kind: 'short' }, { id: 'q', label: 'R', kind: 'long' }],
    Array.from({ length: 11 }, (_, i) => ({ id: `q${i}`, label: `Q${i}`, kind: 'short' })),
  ).map((questions) => ({ slug: 'fine', title: 'Fine', questions })),
  fc.constant({ slug: 'fine', title: 'Fine', price: 10 }),
  fc.constant({ slug: 'quiz', title: 'Taken' }),
);
const badAnswers = fc.oneof(
  fc.constant({}),
  fc.record({ company: fc.constantFrom('', '   ', 'a\nb', 'x'.repeat(201)), size: fc.constant('big'), ok: fc.constant(true) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constantFrom('huge', 'Big', '', 'small,big'), ok: fc.constant(true) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constantFrom(false, 'yes', 1, null) }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constant(true), phone: fc.constantFrom('call me', '12', '+1 (555) abc') }),
  fc.record({ company: fc.constant('Acme'), size: fc.constant('big'), ok: fc.constant(true), extra: fc.string({ maxLength: 5 }) }),
  fc.oneof(fc.constant(null), fc.constant([]), fc.constant('answers')),
);

test('nearly right meeting types and answers get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await setup();
  const before = await snapshot(fx);
  const { check: expect4xx, failures, cases } = refusals(ctx);
  const run = (arb, check) => fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS * 4 });
  await run(badType, (body) => expect4xx('create', 'POST', own, fx.headers.alice, body));
  await run(badType, (body) => expect4xx('create as admin', 'POST', admin, fx.headers.admin, body));
  // As a change, each body renames quiz too (bad slugs are refused as such); a rename onto a taken slug is 409.
  await run(badType.filter((b) => b.slug !== 'quiz'), (body) => expect4xx('change', 'PATCH', `${own}/quiz`, fx.headers.alice, body));
  await run(fc.constantFrom('meeting'), (taken) => expect4xx('rename onto a taken slug', 'PATCH', `${own}/quiz`, fx.headers.alice, { slug: taken }, 409));
  await run(badAnswers, (answers) =>
    expect4xx('answers', 'POST', '/api/agents/alice/bookings', {}, { start: fx.slot(), durationMinutes: 30, name: 'Fuzz', email: `f${next()}@example.com`, timeZone: 'UTC', type: 'quiz', answers }, 400),
  );
  await run(fc.constantFrom('nope', 'QUIZ', 'quiz/x'), (type) =>
    expect4xx('unknown type', 'POST', '/api/agents/alice/bookings', {}, { start: fx.slot(), durationMinutes: 30, name: 'Fuzz', email: 'f@example.com', timeZone: 'UTC', type }),
  );
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], failures.slice(0, 10).join('\n'));
  assert.deepEqual(await snapshot(fx), before, 'no type changed and nothing was booked');
});
