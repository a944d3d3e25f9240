// Booking from the chat (docs/meetings.md "Booking from the chat"): both offer routes for every
// kind of caller, and generated offer and booking bodies. Only an agent in the conversation
// offers; only its guest books, once; a refusal stores nothing and never answers 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectCells as expect, log, matrixFixtures, OK, refusals, ROLES, runMatrix, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('offer');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

let unique = 0;
const next = () => (unique += 1);

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const fx = await matrixFixtures(ctx);
  const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  // Whole hours only, so that one booking (with its buffer) never blocks the next slot handed out.
  const slots = (await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${from}&days=40&duration=15`)).body.slots.filter((s) => s.start.slice(14, 16) === '00');
  return { ...fx, slot: () => slots.shift().start };
}

const status = (r) => (r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`);

/** Alice's offer in guestA's Sales conversation, fresh: an offer is booked once. */
async function aliceOffers(fx) {
  const r = await ctx.call('POST', `/api/conversations/${fx.x.id}/offers`, { headers: fx.headers.alice, body: { clientId: `o-${next()}`, durationMinutes: 15 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.entry.event.offerId;
}

// `x`: public Sales conversation of guestA with Alice in it; Dave may open it but is not in it;
// Bob (basic) neither. `p`: private Support conversation of guestB, only Carol in it.
const rows = [
  { route: 'POST /api/conversations/{id}/offers', name: 'public', conversation: 'x', expect: expect(403, { anon: 401, admin: 401, alice: OK }) },
  { route: 'POST /api/conversations/{id}/offers', name: 'private', conversation: 'p', expect: expect(404, { anon: 401, admin: 401, guestA: 403, guestB: 403 }) },
  { route: 'POST /api/conversations/{id}/offers/{offerId}/booking', name: 'Alice’s offer', conversation: 'x', expect: expect(403, { anon: 401, admin: 401, guestA: OK, guestB: 404 }) },
];

test('the offer routes × every caller are allowed or refused as the docs say; refused offers store nothing', async (t) => {
  const fx = await setup();
  const before = (await timeline(ctx, fx.x.id, fx.headers.alice)).length;
  const wrong = await runMatrix(t, rows, async (row, role) => {
    const id = fx[row.conversation].id;
    if (row.route.endsWith('/offers')) {
      return status(await ctx.call('POST', `/api/conversations/${id}/offers`, { headers: fx.headers[role], body: { clientId: `m-${role}-${next()}` } }));
    }
    const offerId = await aliceOffers(fx);
    const r = await ctx.call('POST', `/api/conversations/${id}/offers/${offerId}/booking`, { headers: fx.headers[role], body: { start: fx.slot(), timeZone: 'UTC', email: `m${next()}@example.com` } });
    return status(r);
  });
  const offers = (await timeline(ctx, fx.x.id, fx.headers.alice)).slice(before).filter((e) => e.event?.type === 'offer');
  // Alice's matrix cell, and one offer per role in the booking row.
  assert.equal(offers.length, 1 + ROLES.length, 'only Alice’s offers were stored');
  assert.ok(offers.every((e) => e.author.name === 'Alice Martin'));
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
});

const iso = fc.date({ min: new Date('2020-01-01'), max: new Date('2031-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const junk = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const hostileOffer = fc.record(
  {
    clientId: fc.oneof(fc.constant('valid'), junk),
    type: fc.oneof(fc.constantFrom('meeting', 'no-such', 'UPPER', '../x', ''), junk),
    durationMinutes: fc.oneof(fc.constantFrom(15, 30, 60, 45, 4, 481), fc.double(), junk),
    times: fc.oneof(fc.array(iso, { maxLength: 7 }), fc.array(junk, { maxLength: 3 }), junk),
    extra: junk,
  },
  { requiredKeys: [] },
);
// Well-formed ones too, so that the property sees offers made among the refusals.
const offerBody = fc.oneof(hostileOffer, fc.record({ clientId: fc.constant('valid'), type: fc.constant('meeting'), durationMinutes: fc.constantFrom(15, 30, 60) }, { requiredKeys: ['clientId'] }));

test('generated offer bodies: each is an offer or a 4xx with the error envelope, and refusals add no entry', async (t) => {
  const fx = await setup();
  const { check, failures, cases: checked } = refusals(ctx);
  let cases = 0;
  let made = 0;
  const entries = async () => (await timeline(ctx, fx.x.id, fx.headers.alice)).length;
  await fc.assert(
    fc.asyncProperty(offerBody, async (generated) => {
      cases += 1;
      const body = { ...generated, ...(generated.clientId === 'valid' ? { clientId: `f-${next()}` } : {}) };
      const before = await entries();
      const r = await ctx.call('POST', `/api/conversations/${fx.x.id}/offers`, { headers: fx.headers.alice, body });
      assert.ok(r.status < 500, `${JSON.stringify(body).slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      if (r.status === 201) {
        made += 1;
        assert.equal(r.body.entry.event.type, 'offer');
        assert.equal(await entries(), before + 1);
      } else {
        assert.equal(typeof r.body?.error?.code, 'string', JSON.stringify(r.body));
        assert.equal(await entries(), before, 'a refused offer stored nothing');
      }
    }),
    { numRuns: RUNS * 5 },
  );
  // Fixed refusals: each a 4xx with the envelope.
  const offers = `/api/conversations/${fx.x.id}/offers`;
  await check('no body', 'POST', offers, fx.headers.alice, undefined);
  await check('six times', 'POST', offers, fx.headers.alice, { clientId: `r-${next()}`, times: Array.from({ length: 6 }, () => fx.slot()) }, 400);
  await check('a time not free', 'POST', offers, fx.headers.alice, { clientId: `r-${next()}`, times: ['2031-01-01T03:07:00.000Z'] }, 409);
  await check('a hidden or unknown type', 'POST', offers, fx.headers.alice, { clientId: `r-${next()}`, type: 'nope' }, 404);
  await check('an unoffered duration', 'POST', offers, fx.headers.alice, { clientId: `r-${next()}`, durationMinutes: 45 }, 400);
  assert.ok(made > 0, 'some generated offers were made');
  log(`${cases} generated offer bodies, ${made} offers made`);
  t.diagnostic(`cases: ${cases + checked()}`);
  assert.deepEqual(failures, []);
});

const bookingBody = fc.record(
  {
    start: fc.oneof(iso, junk),
    timeZone: fc.oneof(fc.constantFrom('UTC', 'Europe/Paris', 'Nowhere/City', ''), junk),
    email: fc.oneof(fc.constantFrom('a@example.com', 'not-an-email'), junk),
    answers: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 20 }), fc.boolean())), junk),
    extra: junk,
  },
  { requiredKeys: [] },
);

test('generated booking bodies against one offer: never 5xx, and at most one meeting ever comes of it', async (t) => {
  const fx = await setup();
  const { check, failures, cases: checked } = refusals(ctx);
  const offerId = await aliceOffers(fx);
  const path = `/api/conversations/${fx.x.id}/offers/${offerId}/booking`;
  let cases = 0;
  const meetings = new Set();
  await fc.assert(
    fc.asyncProperty(bookingBody, fc.boolean(), async (generated, realSlot) => {
      cases += 1;
      const body = realSlot ? { ...generated, start: fx.slot() } : generated;
      const r = await ctx.call('POST', path, { headers: fx.headers.guestA, body });
      assert.ok(r.status < 500, `${JSON.stringify(body).slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      if (r.status === 201) meetings.add(r.body.meeting.id);
      else assert.equal(typeof r.body?.error?.code, 'string', JSON.stringify(r.body));
    }),
    { numRuns: RUNS * 5 },
  );
  const valid = { start: fx.slot(), timeZone: 'UTC', email: 'once@example.com' };
  const first = await ctx.call('POST', path, { headers: fx.headers.guestA, body: valid });
  if (first.status === 201) meetings.add(first.body.meeting.id);
  await check('booked again at another time', 'POST', path, fx.headers.guestA, { ...valid, start: fx.slot() }, 409);
  await check('an unknown offer', 'POST', `/api/conversations/${fx.x.id}/offers/of_unknown/booking`, fx.headers.guestA, valid, 404);
  await check('a malformed offer id', 'POST', `/api/conversations/${fx.x.id}/offers/nope/booking`, fx.headers.guestA, valid, 400);
  assert.equal(meetings.size, 1, 'one meeting from one offer');
  const booked = (await timeline(ctx, fx.x.id, fx.headers.guestA)).filter((e) => e.event?.type === 'meeting' && e.event.offerId === offerId);
  assert.deepEqual(booked.map((e) => e.event.action), ['booked']);
  log(`${cases} generated booking bodies`);
  t.diagnostic(`cases: ${cases + checked()}`);
  assert.deepEqual(failures, []);
});
