// The unsubscribe link of continuity digests under the fault suite (docs/email-continuity.md
// "Unsubscribing"): its routes in the authorization matrix (the token is the credential, so
// every caller gets the same answer, and authz.test.mjs's coverage check counts these rows),
// garbage and nearly right tokens with every method (a 4xx with the error envelope, nothing
// changes), and the headers reaching the outbox through `wrangler dev`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { guestWithReplyAddress } from '../support/inbound-email.mjs';
import { log, matrixFixtures, OK, ROLES, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('unsubscribe', { DIGEST_GATHER_SECONDS: '5' });
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const everyone = (answer) => Object.fromEntries(ROLES.map((r) => [r, answer]));

/** A guest who got a digest, and the unsubscribe link it carries, read from the outbox. */
async function subscribedGuest(email) {
  await guestWithReplyAddress(ctx.call, email, { timeoutMs: 60_000 });
  const [digest] = (await ctx.call('GET', `/dev/outbox.json?to=${encodeURIComponent(email)}`)).body.emails;
  assert.equal(digest.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const link = /^<(.+)>$/.exec(digest.headers['List-Unsubscribe'] ?? '')?.[1];
  assert.ok(link, `no List-Unsubscribe in ${JSON.stringify(digest.headers)}`);
  assert.match(digest.raw.replace(/\r\n[ \t]+/g, ' '), /^List-Unsubscribe: <[^>]+>$/m, 'the header is in the message the provider gets');
  return { path: new URL(link).pathname, token: new URL(link).pathname.split('/').pop() };
}

/** How many digests reached `email`: a refused request must leave it getting them. */
const digestsTo = async (email) => (await ctx.call('GET', `/dev/outbox.json?to=${encodeURIComponent(email)}`)).body.emails.length;

let fixtures;
const setup = () => (fixtures ??= (async () => ({ ...(await matrixFixtures(ctx, 'dave-unsub')), una: await subscribedGuest('una.fault@example.com') }))());

test('the unsubscribe routes × every caller: the token decides, not the caller', async (t) => {
  const fx = await setup();
  const routes = [
    { route: 'GET /api/unsubscribe/{token}', path: () => fx.una.path, expect: everyone(OK) },
    { route: 'POST /api/unsubscribe/{token}', path: () => fx.una.path, expect: everyone(OK) },
    { route: 'GET /api/unsubscribe/{token}', name: 'a guest token', path: () => `/api/unsubscribe/${fx.tokens.guestA}`, expect: everyone(400) },
    { route: 'POST /api/unsubscribe/{token}', name: 'garbage', path: () => '/api/unsubscribe/garbage', expect: everyone(400) },
  ];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    const r = await ctx.call(method, entry.path(), { headers: fx.headers[role] });
    if (r.status >= 200 && r.status < 300) return OK;
    if (typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
    return r.status;
  });
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

const tamper = (token, index) => {
  const chars = [...token];
  const i = index % chars.length;
  chars[i] = chars[i] === 'A' ? 'B' : 'A';
  return chars.join('');
};

test('garbage, foreign and tampered tokens with every method are refused with the envelope and unsubscribe nobody', async (t) => {
  const fx = await setup();
  const email = 'vic.fault@example.com';
  const vic = await subscribedGuest(email);
  const before = await digestsTo(email);
  const token = fc.oneof(
    fc.string({ minLength: 1, maxLength: 300 }),
    fc.stringMatching(/^[A-Za-z0-9_-]{10,60}\.[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,60}$/),
    fc.integer({ min: 0, max: 10_000 }).map((i) => tamper(vic.token, i)),
    fc.constantFrom(fx.tokens.guestA, fx.tokens.alice, fx.tokens.admin, `${vic.token}x`, vic.token.split('.').slice(0, 2).join('.'), 'x'.repeat(3000)),
  );
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(token, fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), async (raw, method) => {
      const oneClick = method === 'GET' ? {} : { raw: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
      const r = await ctx.call(method, `/api/unsubscribe/${encodeURIComponent(raw)}`, oneClick);
      cases++;
      if (raw === vic.token) return;
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${raw.slice(0, 60)}: ${r.status}`);
      assert.equal(typeof r.body?.error?.message, 'string', `${method} ${raw.slice(0, 60)}: no error envelope`);
      // Past 2048 characters the path parameter itself is refused, as any too-long input (docs/api.md).
      const link = raw.length > 2048 ? ['invalid_request'] : ['invalid_unsubscribe_link', 'not_found'];
      const expected = method === 'GET' || method === 'POST' ? link : ['method_not_allowed'];
      assert.ok(expected.includes(r.body.error.code), `${method} ${raw.slice(0, 60)}: ${r.status} ${r.body.error.code}`);
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases}`);

  // Vic's address still gets digests: a new conversation's answer reaches it by email
  // (guestWithReplyAddress returns at the first email to it, so wait for the new one).
  await guestWithReplyAddress(ctx.call, email, { timeoutMs: 60_000 });
  const deadline = Date.now() + 60_000;
  while ((await digestsTo(email)) <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  assert.ok((await digestsTo(email)) > before, 'a refused token unsubscribed the guest');
});
