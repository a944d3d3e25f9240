// Transcripts and ratings (docs/rules.md, "Transcript and rating"; docs/protocol.md, "Rating"):
// the service setting and the `rate` frame for every kind of caller, and generated bad input.
// Only a guest of the conversation rates it, once per resolution; refusals store nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { demoAgent, log, newAgent, startConversation, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('rating');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// guestA is the conversation's guest; guestB has a conversation of their own; dave is licensed and in no service.
const ROLES = ['anon', 'guestB', 'alice', 'dave', 'bob', 'admin', 'guestA'];
const OK = 'ok';

let unique = 0;
const next = () => (unique += 1);

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const [alice, bob] = [await demoAgent('alice'), await demoAgent('bob')];
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const y = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  return {
    x,
    y,
    alice,
    headers: { anon: {}, guestA: x.guest.headers, guestB: y.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
    tokens: { guestA: x.guest.token, guestB: y.guest.token, alice: alice.token, dave: dave.token, bob: bob.token, admin: ctx.admin.authorization.slice(7) },
  };
}

/** Resolves `id` as Alice and answers the resolution guests may rate. */
async function resolve(id, fx) {
  const r = await ctx.call('PATCH', `/api/conversations/${id}`, { headers: fx.headers.alice, body: { status: 'resolved' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.rating.resolution;
}

async function socketOf(id, token) {
  const socket = new FrameSocket(conversationSocketUrl(ctx.base, id, token));
  await socket.opened;
  await socket.waitFor((f) => f.type === 'welcome', 'welcome');
  return socket;
}

/** Sends a frame and waits for the answer to it: `rated` or an `error`. */
async function answer(socket, frame) {
  const seen = socket.frames.length;
  if (typeof frame === 'string') socket.sendRaw(frame);
  else socket.send(frame);
  return socket.waitFor((f) => socket.frames.indexOf(f) >= seen && (f.type === 'rated' || f.type === 'error'), 'an answer', 5000);
}

const ratings = async (id, fx) => (await timeline(ctx, id, fx.headers.alice)).filter((e) => e.event?.type === 'rating');

test('the transcripts setting × every caller: only the admin turns it on', async (t) => {
  const fx = await setup();
  const wrong = [];
  const setting = async () => (await ctx.call('GET', '/api/admin/services/billing', { headers: ctx.admin })).body.transcripts;
  for (const role of ROLES) {
    const before = await setting();
    const r = await ctx.call('PATCH', '/api/admin/services/billing', { headers: fx.headers[role], body: { transcripts: !before } });
    const got = r.status === 200 ? OK : r.status;
    const want = role === 'admin' ? OK : 401;
    if (got !== want) wrong.push(`PATCH /api/admin/services/{slug} {transcripts} as ${role}: got ${got}, expected ${want}`);
    if (got !== OK && (await setting()) !== before) wrong.push(`refused as ${role}, yet the setting changed`);
  }
  t.diagnostic(`cases: ${ROLES.length}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

// Callers who cannot open the socket are refused at the upgrade (the guest of another
// conversation gets 404, as for one that does not exist); agents get guests_only; the guest rates.
const frameExpect = { anon: 401, admin: 401, guestB: 404, alice: 'error:guests_only', dave: 'error:guests_only', bob: 'error:guests_only', guestA: 'rated' };

test('the rate frame × every caller; a second, different rating of the same resolution is refused', async (t) => {
  const fx = await setup();
  const resolution = await resolve(fx.x.id, fx);
  const wrong = [];
  for (const role of ROLES) {
    let got;
    try {
      const socket = await socketOf(fx.x.id, fx.tokens[role] ?? '');
      const a = await answer(socket, { type: 'rate', resolution, score: 4, comment: `from ${role}` });
      got = a.type === 'error' ? `error:${a.code}` : a.type;
      socket.close();
    } catch (e) {
      got = e.status ?? `no answer (${e.message})`;
    }
    if (got !== frameExpect[role]) wrong.push(`rate frame as ${role}: got ${got}, expected ${frameExpect[role]}`);
  }
  const stored = await ratings(fx.x.id, fx);
  assert.deepEqual(stored.map((e) => [e.author.kind, e.event.score, e.event.comment]), [['guest', 4, 'from guestA']], 'only the guest’s rating was stored');
  const guest = await socketOf(fx.x.id, fx.tokens.guestA);
  assert.deepEqual(await answer(guest, { type: 'rate', resolution, score: 4, comment: 'from guestA' }), { type: 'rated', resolution, duplicate: true });
  assert.equal((await answer(guest, { type: 'rate', resolution, score: 5 })).code, 'already_rated');
  assert.equal((await answer(guest, { type: 'rate', resolution: resolution + 1, score: 5 })).code, 'rating_closed');
  assert.equal((await ratings(fx.x.id, fx)).length, 1);
  guest.close();
  t.diagnostic(`cases: ${ROLES.length + 3}`);
  assert.deepEqual(wrong, [], `frames answered differently from the docs:\n${wrong.join('\n')}`);
});

const json = fc.jsonValue({ maxDepth: 3 });
const badRate = (resolution) =>
  fc.oneof(
    fc.record({ resolution: fc.constant(resolution), score: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 6 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null), fc.boolean()) }),
    fc.record({ resolution: fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null)), score: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ resolution: fc.constant(resolution), score: fc.integer({ min: 1, max: 5 }), comment: fc.oneof(fc.integer(), fc.constant(null), fc.array(json, { maxLength: 2 }), fc.string({ minLength: 1001, maxLength: 1100 })) }),
    fc.record({ resolution: fc.constant(resolution), score: fc.integer({ min: 1, max: 5 }), extra: json }),
    fc.record({ score: fc.integer({ min: 1, max: 5 }) }),
  );

test('generated rate frames: bad ones are invalid_frame and store nothing; any good one is taken once', async (t) => {
  const fx = await setup();
  let cases = 0;
  const { guest, id } = await startConversation(ctx, `Finn ${next()}`, { kind: 'service', slug: 'sales' });
  const resolution = await resolve(id, fx);
  const socket = await socketOf(id, guest.token);
  await fc.assert(
    fc.asyncProperty(badRate(resolution), async (frame) => {
      cases += 1;
      const a = await answer(socket, { type: 'rate', ...frame });
      assert.equal(a.type, 'error', `answer to ${JSON.stringify(frame).slice(0, 100)}: ${JSON.stringify(a)}`);
      assert.equal(a.code, 'invalid_frame');
    }),
    { numRuns: RUNS * 5 },
  );
  assert.deepEqual(await ratings(id, fx), [], 'no bad frame stored a rating');
  // Each good rating goes to a resolution of its own: rate, then reopen and resolve again.
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.option(fc.string({ maxLength: 1000 }), { nil: undefined }), async (score, comment) => {
      cases += 1;
      const current = await resolve(id, fx);
      const frame = { type: 'rate', resolution: current, score, ...(comment === undefined ? {} : { comment }) };
      assert.deepEqual(await answer(socket, frame), { type: 'rated', resolution: current, duplicate: false });
      assert.deepEqual(await answer(socket, frame), { type: 'rated', resolution: current, duplicate: true });
      const reopened = await ctx.call('PATCH', `/api/conversations/${id}`, { headers: fx.headers.alice, body: { status: 'open' } });
      assert.equal(reopened.status, 200);
      assert.equal((await answer(socket, frame)).code, 'rating_closed');
    }),
    { numRuns: RUNS },
  );
  const stored = await ratings(id, fx);
  assert.equal(stored.length, RUNS, 'one rating per resolution');
  assert.equal(new Set(stored.map((e) => e.event.resolution)).size, RUNS);
  assert.ok(!JSON.stringify(await timeline(ctx, id, guest.headers)).includes('"rating"'), 'the guest’s history has no rating entry');
  socket.close();
  log(`${cases} generated rate frames`);
  t.diagnostic(`cases: ${cases}`);
});
