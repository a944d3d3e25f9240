// Search (GET /api/search) under the fault suite: who may search and what each caller finds
// (C8: public conversations, or private ones they are in; guests never), and generated hostile
// queries and parameters, always a 200 or a 4xx with the error envelope, never a 5xx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, log, newAgent, ROLES, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('search');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const PUBLIC_WORD = 'quokkapublic';
const PRIVATE_WORD = 'wombatprivate';

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const [alice, carol, bob] = [await demoAgent('alice'), await demoAgent('carol'), await demoAgent('bob')];
  const dave = await newAgent(ctx, 'dave'); // licensed, in no service and no conversation
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  for (const [c, text] of [[x, `my ${PUBLIC_WORD} is lost`], [p, `my ${PRIVATE_WORD} is lost`]]) {
    const r = await ctx.call('POST', `/api/conversations/${c.id}/messages`, { headers: c.guest.headers, body: { clientId: 'w', text } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const headers = { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin };
  // The index is fed by each conversation's own job a moment after its message, so both are
  // waited for: Carol finds the private one (she is in it) and the public one (any agent may).
  for (const word of [PRIVATE_WORD, PUBLIC_WORD]) {
    for (let i = 0; ; i++) {
      const r = await ctx.call('GET', `/api/search?q=${word}`, { headers: bearer(carol.token) });
      if (r.body?.results?.length === 1) break;
      if (i > 100) assert.fail(`the message with ${word} was never indexed: ${JSON.stringify(r.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { headers, carol: bearer(carol.token), alice: headers.alice, x, p };
}

/** What a caller gets for a word: the status, and on success how many results. */
async function outcome(headers, word) {
  const r = await ctx.call('GET', `/api/search?q=${word}`, { headers });
  if (r.status !== 200) {
    assert.equal(typeof r.body?.error?.message, 'string', `${r.status} without an error body`);
    return String(r.status);
  }
  return `${r.body.results.length} found`;
}

test('GET /api/search × every caller: who may search, and what each finds', async (t) => {
  const fx = await setup();
  // Guests are told it is for agents (403); anyone without an agent's or guest's token is 401.
  const expected = {
    anon: ['401', '401'],
    guestA: ['403', '403'],
    guestB: ['403', '403'],
    alice: ['1 found', '0 found'],
    dave: ['1 found', '0 found'],
    bob: ['1 found', '0 found'],
    admin: ['401', '401'],
  };
  const wrong = [];
  const table = [];
  for (const role of ROLES) {
    const got = [await outcome(fx.headers[role], PUBLIC_WORD), await outcome(fx.headers[role], PRIVATE_WORD)];
    table.push(`${'GET /api/search'.padEnd(20)} ${role.padEnd(8)} public: ${got[0].padEnd(8)} private: ${got[1]}`);
    if (got.join() !== expected[role].join()) wrong.push(`${role}: got ${got.join(' / ')}, expected ${expected[role].join(' / ')}`);
  }
  // The private conversation's participant finds it.
  const carol = await outcome(fx.carol, PRIVATE_WORD);
  table.push(`${'GET /api/search'.padEnd(20)} ${'carol'.padEnd(8)} private: ${carol}`);
  if (carol !== '1 found') wrong.push(`carol (participant): got ${carol}`);
  console.log(table.join('\n'));
  t.diagnostic(`cases: ${ROLES.length * 2 + 1}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

/** Pieces of FTS5 syntax and other trouble, glued together into queries. */
const fragment = fc.oneof(
  fc.constantFrom('"', '""', '*', '^', ':', 'text:', 'col:x', '(', ')', '{', '}', 'NEAR(', 'NEAR/3', ',', 'AND', 'OR', 'NOT', '-', '+', "'", '\\', '\u0000', '\u0002', '\u0003', '%', '_', ';', '--', '/*', 'é', '東京', '🙂', '\u200b', PUBLIC_WORD, PRIVATE_WORD, 'lost'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const hostileQuery = fc.oneof(
  fc.array(fragment, { minLength: 1, maxLength: 20 }).map((parts) => parts.join(fc.sample(fc.constantFrom('', ' '), 1)[0])),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.integer({ min: 190, max: 1200 }).map((n) => 'x '.repeat(n).slice(0, n)),
);
const extraParam = fc.oneof(
  fc.constant({}),
  fc.record({ limit: fc.oneof(fc.integer({ min: -5, max: 100 }).map(String), fc.string({ maxLength: 6 })) }, { requiredKeys: [] }),
  fc.record({ cursor: fc.oneof(fc.integer({ min: 0, max: 2000 }).map(String), fc.string({ maxLength: 6 })) }, { requiredKeys: [] }),
  fc.record({ from: fc.string({ maxLength: 12 }), to: fc.constantFrom('2026-01-01', '2999-12-31', 'x') }, { requiredKeys: [] }),
  fc.record({ service: fc.constantFrom('sales', 'support', 'Nope!', ''), assignee: fc.constantFrom('alice', 'carol', ' '), visibility: fc.constantFrom('public', 'private', 'secret') }, { requiredKeys: [] }),
);

test('hostile queries and parameters are answered 200 or 4xx, never 5xx, and never leak the private conversation', async (t) => {
  const fx = await setup();
  let cases = 0;
  const statuses = new Map();
  await fc.assert(
    fc.asyncProperty(hostileQuery, extraParam, async (q, extra) => {
      cases += 1;
      const query = new URLSearchParams({ q, ...extra });
      const r = await ctx.call('GET', `/api/search?${query}`, { headers: fx.alice });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} for ${JSON.stringify(q).slice(0, 120)} ${JSON.stringify(extra)}: ${JSON.stringify(r.body)}`);
      if (r.status === 200) {
        assert.ok(Array.isArray(r.body.results));
        for (const hit of r.body.results) assert.notEqual(hit.conversationId, fx.p.id, 'a private conversation of others was found');
        for (const hit of r.body.results) for (const [a, b] of hit.snippet.highlights) assert.ok(a >= 0 && a < b && b <= hit.snippet.text.length);
      } else assert.equal(typeof r.body?.error?.code, 'string');
    }),
    { numRuns: RUNS * 25 },
  );
  log(`hostile searches by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.diagnostic(`cases: ${cases}`);
});
