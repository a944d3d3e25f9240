// What agents know about the guest (docs/api.md, "What agents know about the guest"): the
// details route for every kind of caller, and generated hostile `context` bodies at start.
// A refused context never creates the conversation; an accepted one is stored only as the
// rules allow, and the guest's own view never carries it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { bearer, newGuest } from '../support/client.mjs';
import { demoAgent, expectCells as expect, newAgent, OK, ROLES, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('details');
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const ALICE_ID = 'ag_demoAlice00000001';

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' }, 'gail@example.com');
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  return {
    x,
    p,
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
  };
}

// An agents-only route: guests are 403 agents_only even in their own conversation; an agent who
// may not open the conversation (a private one they are not in) gets 404, as for none.
const rows = [
  { route: 'GET /api/conversations/{id}/details', name: 'public', conversation: 'x', expect: expect(OK, { anon: 401, admin: 401, guestA: 403, guestB: 403 }) },
  { route: 'GET /api/conversations/{id}/details', name: 'private', conversation: 'p', expect: expect(404, { anon: 401, admin: 401, guestA: 403, guestB: 403 }) },
];

test('the details route × every caller is allowed or refused as the docs say; a guest is told nothing', async (t) => {
  const fx = await setup();
  const wrong = [];
  for (const row of rows) {
    for (const role of ROLES) {
      const r = await ctx.call('GET', `/api/conversations/${fx[row.conversation].id}/details`, { headers: fx.headers[role] });
      const got = r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`;
      if (got !== row.expect[role]) wrong.push(`${row.name} as ${role}: got ${got} ${r.body?.error?.code ?? ''}, expected ${row.expect[role]}`);
      if (got === 403 && r.body.error.code !== 'agents_only') wrong.push(`${row.name} as ${role}: 403 with code ${r.body.error.code}`);
      if (got !== OK && JSON.stringify(r.body).includes('@example.com')) wrong.push(`${row.name} as ${role}: a refusal carries an email`);
    }
  }
  t.diagnostic(`cases: ${rows.length * ROLES.length}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const hostileString = fc.oneof(
  fc.constantFrom(
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>x</script>', 'vbscript:x', 'file:///etc/passwd',
    'https://ok.example/', 'http://ok.example/a?b=c', `https://ok.example/${'a'.repeat(2100)}`, '//evil.example/', 'https://ok.example/\u0000x',
    '<img src=x onerror=alert(1)>', 'Pricing\r\nSet-Cookie: a=b', 'Ann \u202Egnp.exe', 'x'.repeat(201), '   ', '',
    'en', 'en-GB', 'zh-Hant-TW', 'en_US', 'e', 'x'.repeat(40), 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Mars/Olympus', '../../etc', 'UTC', 'z'.repeat(70),
    'widget', 'page', 'meeting', 'email',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ maxLength: 3000 }),
);
const anyValue = fc.oneof(hostileString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const KEYS = ['url', 'title', 'referrer', 'language', 'timeZone', 'channel'];
// Values that pass, so that part of the runs is accepted and what is stored gets checked too.
const valid = {
  url: fc.webUrl({ withQueryParameters: true, withFragments: true }),
  title: fc.constantFrom('Pricing — Acme', 'Ünïcode 🙂 page', 'a'.repeat(200), '  padded  ', '<b>not html</b>'),
  referrer: fc.webUrl(),
  language: fc.constantFrom('en', 'en-GB', 'zh-Hant-TW', 'de-DE-1996'),
  timeZone: fc.constantFrom('Europe/Paris', 'UTC', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata'),
  channel: fc.constantFrom('widget', 'page'),
};
const hostileContext = fc.oneof(
  { weight: 6, arbitrary: fc.record(Object.fromEntries(KEYS.map((k) => [k, fc.oneof({ weight: 6, arbitrary: valid[k] }, { weight: 2, arbitrary: hostileString }, anyValue)])), { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), anyValue, { minKeys: 1, maxKeys: 3 }) },
  { weight: 1, arbitrary: anyValue },
);

const conversationId = (guestId) => `cv_${createHash('sha256').update(`${guestId}|agent:${ALICE_ID}`).digest('hex').slice(0, 32)}`;
const web = (u) => /^https?:$/.test(new URL(u).protocol) && u.length <= 2048;

test('hostile contexts at start: never 5xx; refused ones create nothing; what is stored obeys the rules and stays with agents', async (t) => {
  const fx = await setup();
  let cases = 0;
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(hostileContext, async (context) => {
      cases += 1;
      const guest = await newGuest(ctx.call, `Fuzz ${cases}`);
      const r = await ctx.call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'agent', slug: 'alice' }, clientId: `f-${cases}`, text: 'hi', context } });
      assert.ok(r.status < 500, `5xx for ${JSON.stringify(context)}: ${r.status} ${JSON.stringify(r.body)}`);
      const id = conversationId(guest.id);
      if (r.status !== 200) {
        assert.equal(r.status, 400, `${JSON.stringify(context)}: ${r.status}`);
        assert.equal(r.body.error.code, 'invalid_request');
        assert.ok(r.body.error.details.problems.some((p) => p.path === 'context' || p.path.startsWith('context.')), JSON.stringify(r.body.error));
        const seen = await ctx.call('GET', `/api/conversations/${id}/details`, { headers: fx.headers.alice });
        assert.equal(seen.status, 404, `a refused start created ${id}`);
        return;
      }
      accepted += 1;
      assert.equal(r.body.conversation.id, id);
      assert.ok(!('context' in r.body.conversation), 'the guest’s view has no context');
      const { body } = await ctx.call('GET', `/api/conversations/${id}/details`, { headers: fx.headers.alice });
      const stored = body.context;
      assert.ok(['widget', 'personal_link'].includes(stored.channel), stored.channel);
      for (const k of ['url', 'referrer']) if (stored[k] !== undefined) assert.ok(web(stored[k]), `${k}: ${stored[k]}`);
      if (stored.title !== undefined) assert.ok(!CONTROL.test(stored.title) && stored.title.length <= 200 && stored.title.trim() === stored.title, stored.title);
      if (stored.language !== undefined) assert.ok(stored.language.length <= 35);
      if (stored.timeZone !== undefined) assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: stored.timeZone }));
      for (const k of Object.keys(stored)) assert.ok(KEYS.includes(k), `unexpected stored field ${k}`);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases}`);
  t.diagnostic(`accepted: ${accepted}`);
});
