// Private notes (docs/protocol.md, "Private notes and mentions"): the note route and frame for
// every kind of caller, and generated note frames. Guests never get a note, whoever wrote it
// and however it was sent; only licensed agents who may open the conversation write one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { demoAgent, expectCells as expect, log, newAgent, OK, ROLES, startConversation, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('notes');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

let unique = 0;
const next = () => (unique += 1);
const MARK = 'NOTE-SECRET';

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave'); // licensed, in no service: not a participant of either
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  return {
    x,
    p,
    carol,
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
    tokens: { guestA: x.guest.token, guestB: p.guest.token, alice: alice.token, dave: dave.token, bob: bob.token, admin: ctx.admin.authorization.slice(7) },
  };
}

const noteBody = (who) => ({ clientId: `n-${who}-${next()}`, text: `${MARK} from ${who}`, note: true });

// A public conversation: licensed agents note it (in it or not); a guest of it is refused as a
// guest; a basic agent as unlicensed. A private one: only its participants (Carol) may open it.
const rows = [
  { route: 'POST /api/conversations/{id}/messages', name: 'note, public', conversation: 'x', expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 404, bob: 403 }) },
  { route: 'POST /api/conversations/{id}/messages', name: 'note, private', conversation: 'p', expect: expect(404, { anon: 401, admin: 401, guestB: 403 }) },
];

test('the note route × every caller is allowed or refused as the docs say; refusals store nothing, a note joins nobody', async (t) => {
  const fx = await setup();
  const wrong = [];
  const table = [];
  for (const row of rows) {
    const id = fx[row.conversation].id;
    const cells = [];
    for (const role of ROLES) {
      const r = await ctx.call('POST', `/api/conversations/${id}/messages`, { headers: fx.headers[role], body: noteBody(role) });
      const got = r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`;
      const code = r.body?.error?.code;
      cells.push(got === row.expect[role] ? String(got) : `${got}≠${row.expect[role]}`);
      if (got !== row.expect[role]) wrong.push(`${row.name} as ${role}: got ${got} ${code ?? ''}, expected ${row.expect[role]}`);
      if (got === 403 && !['agents_only', 'agent_not_licensed'].includes(code)) wrong.push(`${row.name} as ${role}: 403 with code ${code}`);
    }
    table.push(`${`${row.route} (${row.name})`.padEnd(60)} ${cells.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(60)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);

  const agentsSee = (await timeline(ctx, fx.x.id, fx.headers.alice)).filter((e) => e.event?.type === 'note').map((e) => e.text);
  assert.deepEqual(agentsSee.sort(), [`${MARK} from alice`, `${MARK} from dave`], 'exactly the allowed notes were stored');
  const privateNotes = (await timeline(ctx, fx.p.id, bearer(fx.carol.token))).filter((e) => e.event?.type === 'note');
  assert.deepEqual(privateNotes, [], 'no note stored in the private conversation');
  for (const [id, headers] of [[fx.x.id, fx.headers.guestA], [fx.p.id, fx.headers.guestB]]) {
    assert.ok(!JSON.stringify(await timeline(ctx, id, headers)).includes(MARK), 'the guest’s history has no note');
  }
  const view = (await ctx.call('GET', `/api/conversations/${fx.x.id}`, { headers: fx.headers.dave })).body;
  assert.equal(view.you.participant, false, 'writing a note did not join Dave');
  t.diagnostic(`cases: ${rows.length * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
});

// The note frame: callers who cannot open the socket are refused at the upgrade; the others get
// an ack or an error frame carrying the clientId.
const frameExpect = expect(null, { anon: 401, admin: 401, guestB: 404, guestA: 'error:agents_only', alice: 'ack', dave: 'ack', bob: 'error:agent_not_licensed' });

test('the note frame × every caller; the guest’s socket, open all along and resumed, never gets a note', async (t) => {
  const fx = await setup();
  const wrong = [];
  const sockets = [];
  for (const role of ROLES) {
    const socket = new FrameSocket(conversationSocketUrl(ctx.base, fx.x.id, fx.tokens[role] ?? ''));
    let got;
    try {
      await socket.opened;
      await socket.waitFor((f) => f.type === 'welcome', 'welcome');
      sockets.push(socket);
      const frame = { type: 'send', ...noteBody(role) };
      const seen = socket.frames.length;
      socket.send(frame);
      const mine = (f) => socket.frames.indexOf(f) >= seen && (f.type === 'ack' || f.type === 'error') && f.clientId === frame.clientId;
      const answer = await socket.waitFor(mine, 'an answer', 5000).catch(() => null);
      got = answer ? (answer.type === 'error' ? `error:${answer.code}` : answer.type) : null;
    } catch (e) {
      got = e.status ?? `no answer (${e.message})`;
    }
    if (got !== frameExpect[role]) wrong.push(`note frame as ${role}: got ${got}, expected ${frameExpect[role]}`);
  }
  // A message after the notes reaches the guest's socket, so the notes had their chance to arrive first.
  const guestLive = sockets.find((s) => s.frames.find((f) => f.type === 'welcome').conversation.you.kind === 'guest');
  const agent = sockets.find((s) => s.frames.find((f) => f.type === 'welcome').conversation.you.kind === 'agent');
  agent.send({ type: 'send', clientId: `after-${next()}`, text: 'a message after the notes' });
  await guestLive.waitFor((f) => f.type === 'entry' && f.entry.text === 'a message after the notes', 'the message');
  const resumed = new FrameSocket(conversationSocketUrl(ctx.base, fx.x.id, fx.tokens.guestA, 0));
  await resumed.opened;
  await resumed.waitFor((f) => f.type === 'caught_up', 'caught_up on resume');
  for (const [what, s] of [['live', guestLive], ['resumed', resumed]]) {
    if (JSON.stringify(s.frames).includes(MARK)) wrong.push(`the guest's ${what} socket received a note`);
  }
  for (const s of [...sockets, resumed]) s.close();
  t.diagnostic(`cases: ${ROLES.length + 2}`);
  assert.deepEqual(wrong, [], `frames answered differently from the docs:\n${wrong.join('\n')}`);
});

// Generated note frames: bad ones are refused with an error frame and store nothing; good ones
// (any text, any @mentions) are acknowledged once, reach agents, and never the guest.
const json = fc.jsonValue({ maxDepth: 3 });
const badNote = fc.oneof(
  fc.record({ clientId: fc.constant('n-bad'), text: fc.constant('x'), note: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(json, { maxLength: 2 })) }),
  fc.record({ clientId: fc.oneof(fc.constant(''), fc.constant('with space'), fc.constant('x'.repeat(65)), fc.integer()), text: fc.constant('x'), note: fc.constant(true) }),
  fc.record({ clientId: fc.constant('n-bad-2'), text: fc.oneof(fc.constant(''), fc.constant('   \n'), fc.constant('y'.repeat(4001)), fc.integer()), note: fc.constant(true) }),
  fc.record({ clientId: fc.constant('n-bad-3'), text: fc.constant('x'), note: fc.constant(true), mentions: json }),
);
const slug = fc.constantFrom('bob', 'carol', 'alice', 'dave', 'nobody', 'BOB', 'bob-', 'a'.repeat(70));
const goodText = fc
  .tuple(fc.string({ minLength: 1, maxLength: 200 }), fc.array(slug, { maxLength: 4 }), fc.constantFrom('', '.', '?', 'x', '@', '-'))
  .map(([text, slugs, after]) => `${MARK} ${text} ${slugs.map((s) => `@${s}${after}`).join(' ')}`.slice(0, 4000))
  .filter((t) => t.trim().length > 0);

test('generated note frames: bad ones get an error frame and store nothing; good ones are acked once and never reach the guest', async (t) => {
  const fx = await setup();
  const { guest, id } = await startConversation(ctx, `Finn ${next()}`, { kind: 'service', slug: 'sales' });
  const before = await timeline(ctx, id, guest.headers);
  const alice = new FrameSocket(conversationSocketUrl(ctx.base, id, fx.tokens.alice));
  const guestSocket = new FrameSocket(conversationSocketUrl(ctx.base, id, guest.token));
  await Promise.all([alice.opened, guestSocket.opened]);
  await Promise.all([alice.waitFor((f) => f.type === 'welcome', 'welcome'), guestSocket.waitFor((f) => f.type === 'welcome', 'welcome')]);
  let cases = 0;
  const pause = () => new Promise((r) => setTimeout(r, 25));
  await fc.assert(
    fc.asyncProperty(badNote, async (body) => {
      cases += 1;
      const seen = alice.frames.length;
      alice.sendRaw(JSON.stringify({ type: 'send', ...body }));
      const answer = await alice.waitFor((f) => alice.frames.indexOf(f) >= seen && (f.type === 'error' || f.type === 'ack'), 'an answer', 5000);
      assert.equal(answer.type, 'error', `answer to ${JSON.stringify(body).slice(0, 100)}: ${JSON.stringify(answer)}`);
      assert.equal(answer.code, 'invalid_frame');
      await pause();
    }),
    { numRuns: RUNS * 5 },
  );
  const acked = new Map();
  await fc.assert(
    fc.asyncProperty(goodText, fc.boolean(), async (text, resend) => {
      cases += 1;
      const clientId = `n-good-${next()}`;
      const seen = alice.frames.length;
      alice.send({ type: 'send', clientId, text, note: true });
      const ack = await alice.waitFor((f) => alice.frames.indexOf(f) >= seen && f.clientId === clientId, 'an ack', 5000);
      assert.equal(ack.type, 'ack', `answer to a note ${JSON.stringify(text).slice(0, 100)}: ${JSON.stringify(ack)}`);
      acked.set(clientId, ack.seq);
      if (resend) {
        const again = alice.frames.length;
        alice.send({ type: 'send', clientId, text, note: true });
        const dup = await alice.waitFor((f) => alice.frames.indexOf(f) >= again && f.clientId === clientId, 'a duplicate ack', 5000);
        assert.deepEqual(dup, { type: 'ack', clientId, seq: ack.seq, duplicate: true });
      }
      // A guest sending the same note is refused.
      const g = guestSocket.frames.length;
      guestSocket.send({ type: 'send', clientId: `g-${clientId}`, text, note: true });
      const refused = await guestSocket.waitFor((f) => guestSocket.frames.indexOf(f) >= g && f.clientId === `g-${clientId}`, 'a refusal', 5000);
      assert.equal(refused.code, 'agents_only');
      await pause();
    }),
    { numRuns: RUNS * 3 },
  );
  alice.send({ type: 'send', clientId: 'after-notes', text: 'still a chat' });
  await guestSocket.waitFor((f) => f.type === 'entry' && f.entry.text === 'still a chat', 'the message after the notes');
  assert.ok(!JSON.stringify(guestSocket.frames).includes(MARK), 'the guest socket never got a note');
  const after = await timeline(ctx, id, guest.headers);
  assert.deepEqual(after.slice(0, before.length), before);
  assert.deepEqual(after.slice(before.length).map((e) => e.text), ['still a chat'], 'the guest’s history gained only the message');
  const notes = (await timeline(ctx, id, bearer(fx.tokens.alice))).filter((e) => e.event?.type === 'note');
  assert.deepEqual(notes.map((e) => e.seq).sort((a, b) => a - b), [...acked.values()].sort((a, b) => a - b), 'each acked note stored once');
  for (const n of notes) {
    for (const m of n.event.mentions) assert.ok(['bob', 'carol', 'dave'].includes(m.slug), `mention of ${m.slug}`);
    assert.equal(new Set(n.event.mentions.map((m) => m.slug)).size, n.event.mentions.length, 'each agent mentioned once');
  }
  alice.close();
  guestSocket.close();
  log(`${cases} generated note frames`);
  t.diagnostic(`cases: ${cases}`);
});
