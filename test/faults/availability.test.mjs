// Live availability (docs/protocol.md "Availability") under the fault suite: who receives the
// conversation socket's `availability` frame (everyone who may open the socket, nobody else,
// as in authz.test.mjs); generated `availability` frames sent by clients (the frame is the
// server's only: each refused with an `error` frame, nobody else hears a thing, as in
// fuzz.test.mjs); and a storm of guests opening and closing sockets around one agent's
// changes, which must leave each open socket exactly one frame per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { log, matrixFixtures, ROLES, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('availability');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const FRAME = 'frame';

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx));

const setState = (token, state) => ctx.call('PUT', '/api/inbox/presence', { headers: bearer(token), body: { state } });
const inboxSocket = async (token) => {
  const s = new FrameSocket(`${ctx.base.replace(/^http/, 'ws')}/api/inbox/socket?token=${encodeURIComponent(token)}`);
  await s.opened;
  await s.waitFor((f) => f.type === 'inbox', 'inbox snapshot');
  return s;
};
const conversationSocket = async (id, token) => {
  const s = new FrameSocket(conversationSocketUrl(ctx.base, id, token));
  await s.opened;
  await s.waitFor((f) => f.type === 'welcome', 'welcome');
  return s;
};

/** What a role gets on a conversation's socket: the availability frame right after the welcome, or the refusal's status. */
async function cell(id, token) {
  const url = conversationSocketUrl(ctx.base, id, token ?? '');
  const socket = new FrameSocket(token ? url : url.replace(/[?&]token=[^&]*/, ''));
  try {
    await socket.opened;
  } catch (err) {
    return err.status;
  }
  try {
    await socket.waitFor((f) => f.type === 'availability', 'availability', 5000);
    const [first, second] = socket.frames;
    return first?.type === 'welcome' && second?.type === 'availability' ? FRAME : `out of order: ${socket.frames.map((f) => f.type)}`;
  } catch {
    return 'no frame';
  } finally {
    socket.close();
  }
}

test('availability cells: the frame reaches everyone who may open the socket, and nobody else', async (t) => {
  const fx = await setup();
  const expected = {
    // The public Sales conversation: its guest and every agent (C8); the private one: its participants only.
    x: { anon: 401, guestA: FRAME, guestB: 404, alice: FRAME, dave: FRAME, bob: FRAME, admin: 401 },
    p: { anon: 401, guestA: 404, guestB: FRAME, alice: 404, dave: 404, bob: 404, admin: 401 },
  };
  const wrong = [];
  const table = [];
  for (const which of ['x', 'p']) {
    const row = [];
    for (const role of ROLES) {
      const got = await cell(fx[which].id, fx.tokens[role]);
      row.push(got === expected[which][role] ? String(got) : `${got}≠${expected[which][role]}`);
      if (got !== expected[which][role]) wrong.push(`${which} as ${role}: got ${got}, expected ${expected[which][role]}`);
    }
    table.push(`${`availability frame (${which === 'x' ? 'public' : 'private'})`.padEnd(34)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(34)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${2 * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the rules:\n${wrong.join('\n')}`);
});

const json = fc.jsonValue({ maxDepth: 2 });
const clientAvailability = fc.oneof(
  fc.record({ type: fc.constant('availability'), availability: fc.oneof(fc.constantFrom('online', 'away', 'offline'), json) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('availability'), agents: fc.array(fc.record({ id: fc.string({ maxLength: 24 }), availability: json }), { maxLength: 3 }) }),
  fc.tuple(fc.constantFrom('availability', 'presence', 'AVAILABILITY', 'availability '), json).map(([type, v]) => ({ type, availability: v })),
);

test('fuzz: availability frames from a client are refused, and nobody else hears of them', async (t) => {
  const fx = await setup();
  const guest = await conversationSocket(fx.x.id, fx.tokens.guestA);
  const agent = await conversationSocket(fx.x.id, fx.tokens.alice);
  await agent.waitFor((f) => f.type === 'availability', 'availability');
  const frames = fc.sample(clientAvailability, RUNS * 4);
  const before = agent.frames.filter((f) => f.type === 'availability').length;
  for (const frame of frames) {
    const seen = guest.frames.length;
    guest.send(frame);
    const answer = await guest.waitFor((f) => guest.frames.indexOf(f) >= seen && f.type === 'error', 'an error frame');
    assert.equal(answer.code, 'invalid_frame', JSON.stringify(frame));
  }
  // Still answering, and the agent on the same conversation got no availability of the guest's making.
  guest.send({ type: 'ping' });
  await guest.waitFor((f) => f.type === 'pong', 'pong');
  assert.equal(agent.frames.filter((f) => f.type === 'availability').length, before);
  t.diagnostic(`cases: ${frames.length}`);
  guest.close();
  agent.close();
});

test('storm: guests opening and closing sockets around an agent’s changes; each open socket gets one frame per change', async (t) => {
  const fx = await setup();
  const GUESTS = 12;
  const conversations = await Promise.all(Array.from({ length: GUESTS }, (_, i) => startConversation(ctx, `Storm ${i}`, { kind: 'agent', slug: 'alice' })));
  const steady = await Promise.all(conversations.map((c) => conversationSocket(c.id, c.guest.token)));
  await Promise.all(steady.map((s) => s.waitFor((f) => f.type === 'availability', 'first availability')));
  const console_ = await inboxSocket(fx.alice.token);
  await Promise.all(steady.map((s) => s.waitFor((f) => f.type === 'availability' && f.availability === 'online', 'online')));

  // Meanwhile other sockets of the same guests come and go, some cut without a close frame.
  let churning = true;
  let churned = 0;
  const churn = (async () => {
    for (let i = 0; churning; i++) {
      const c = conversations[i % GUESTS];
      const s = new FrameSocket(conversationSocketUrl(ctx.base, c.id, c.guest.token));
      await s.opened.catch(() => {});
      if (i % 2) s.terminate();
      else s.close();
      churned++;
    }
  })();

  const changes = ['away', 'online', 'away', 'online'];
  const latencies = [];
  for (const state of changes) {
    const marks = steady.map((s) => s.frames.length);
    const started = Date.now();
    assert.equal((await setState(fx.alice.token, state)).status, 200);
    await Promise.all(steady.map((s, i) => s.waitFor((f) => s.frames.indexOf(f) >= marks[i] && f.type === 'availability' && f.availability === state, `${state} on socket ${i}`)));
    latencies.push(Date.now() - started);
    // A moment for any duplicate to show.
    await new Promise((r) => setTimeout(r, 300));
    for (const [i, s] of steady.entries()) {
      const got = s.frames.slice(marks[i]).filter((f) => f.type === 'availability');
      assert.equal(got.length, 1, `socket ${i} after ${state}: ${JSON.stringify(got)}`);
    }
  }
  churning = false;
  await churn;
  log(`${GUESTS} guests looking, ${churned} sockets churned: each change reached all in ${latencies.join(', ')} ms`);

  // Closing the console: offline for all, and everything still answers.
  console_.close();
  await Promise.all(steady.map((s) => s.waitFor((f) => f.type === 'availability' && f.availability === 'offline', 'offline')));
  for (const s of steady) s.close();
  t.diagnostic(`cases: ${changes.length * GUESTS + 1}`);
});
