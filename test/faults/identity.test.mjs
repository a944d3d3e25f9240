// Identified visitors (docs/widget.md "Identified visitors", docs/api.md): the identity-secret
// routes × every caller, and generated garbage, tampered and huge user tokens against
// POST /api/guests/identify. A refused token is a clear 4xx with the error envelope and
// changes nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { expectCells as expect, log, matrixFixtures, OK, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('identity');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const secretPath = '/api/admin/services/sales/identity-secret';

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx, 'dave-identity'));

async function newSecret() {
  const r = await ctx.call('POST', secretPath, { headers: ctx.admin });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.secret;
}

const sign = (secret, claims, { alg = 'HS256', aud = 'sales', lifetime = 600 } = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims).setProtectedHeader({ alg }).setAudience(aud).setIssuedAt(now).setExpirationTime(now + lifetime).sign(new TextEncoder().encode(secret));
};
const identify = (token, headers = {}) => ctx.call('POST', '/api/guests/identify', { headers, body: { target: { kind: 'service', slug: 'sales' }, token } });

const routes = [
  { route: 'GET /api/admin/services/{slug}/identity-secret', expect: expect(401, { admin: OK }) },
  { route: 'POST /api/admin/services/{slug}/identity-secret', expect: expect(401, { admin: OK }) },
  { route: 'DELETE /api/admin/services/{slug}/identity-secret', expect: expect(401, { admin: OK }) },
  // Anyone may exchange a valid user token: the token, not the caller, says who it is.
  { route: 'POST /api/guests/identify', expect: expect(OK) },
];

test('the identity routes × every caller: only the admin touches the secret; the secret never shows after creation', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.includes('identity-secret') || path === '/api/guests/identify')
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'identity routes with no row');
  const shown = [];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    // Each caller meets the state its row is about: a secret to read, rotate or remove.
    const secret = await newSecret();
    const r =
      method === 'POST' && entry.route.endsWith('/identify')
        ? await identify(await sign(secret, { sub: `matrix-${role}`, name: 'Matrix User' }), fx.headers[role])
        : await ctx.call(method, secretPath, { headers: fx.headers[role] });
    if (method === 'GET' && JSON.stringify(r.body).includes(secret)) shown.push(`GET as ${role}`);
    return r.status >= 200 && r.status < 300 ? OK : typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
  assert.deepEqual(shown, [], 'the secret was answered after its creation');
});

const b64 = (text) => Buffer.from(text).toString('base64url');
const garbage = fc.oneof(
  fc.string({ minLength: 1, maxLength: 200 }),
  fc.tuple(fc.string(), fc.string(), fc.string()).map(([a, b, c]) => `${b64(a)}.${b64(b)}.${b64(c)}`),
  // JWT-shaped, with a header and claims that look right, signed with nothing or with junk.
  fc.tuple(fc.constantFrom('none', 'HS256', 'HS512', 'RS256', 'ES256', 'EdDSA', 'hs256', ''), fc.string({ maxLength: 40 })).map(([alg, sig]) =>
    `${b64(JSON.stringify({ alg, typ: 'JWT' }))}.${b64(JSON.stringify({ sub: 'victim', aud: 'sales', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 }))}.${b64(sig)}`,
  ),
);

test('garbage, forged and tampered user tokens are refused with the envelope, and change nobody', async (t) => {
  const secret = await newSecret();
  const victim = await identify(await sign(secret, { sub: 'victim', name: 'Vic Tim', email: 'vic@shop.example' }));
  assert.equal(victim.status, 200, JSON.stringify(victim.body));
  const me = () => ctx.call('GET', '/api/guests/me', { headers: { authorization: `Bearer ${victim.body.token}` } });
  const before = (await me()).body;
  let cases = 0;
  const wrong = [];
  const check = async (what, token, allowed) => {
    cases += 1;
    const r = await identify(token);
    if (!allowed.includes(r.status) || typeof r.body?.error?.code !== 'string') wrong.push(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  };
  await fc.assert(fc.asyncProperty(garbage, async (token) => check(`garbage ${JSON.stringify(token).slice(0, 60)}`, token, [400, 401])), { numRuns: RUNS * 4 });

  // A genuine token with one byte of its claims changed (name, sub, aud, exp): the signature no longer holds.
  const genuine = await sign(secret, { sub: 'victim', name: 'Vic Tim' });
  const [header, payload, signature] = genuine.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  for (const change of [{ name: 'Mallory' }, { sub: 'someone-else' }, { aud: 'support' }, { exp: claims.exp + 86400 }]) {
    await check(`tampered ${JSON.stringify(change)}`, `${header}.${b64(JSON.stringify({ ...claims, ...change }))}.${signature}`, [401]);
  }
  // Signed right, but claims the rules refuse.
  await check('two-hour token', await sign(secret, { sub: 'victim', name: 'Mallory' }, { lifetime: 7200 }), [401]);
  await check('another service', await sign(secret, { sub: 'victim', name: 'Mallory' }, { aud: 'support' }), [401]);
  await check('HS512 with the secret', await sign(secret, { sub: 'victim', name: 'Mallory' }, { alg: 'HS512' }), [401]);
  await check('a control character in sub', await sign(secret, { sub: 'vic\ttim', name: 'Mallory' }), [401]);

  // Huge: over the token's 4096 characters (400), over the 64 KiB body (413).
  await fc.assert(fc.asyncProperty(fc.integer({ min: 4097, max: 60_000 }), async (n) => check(`token of ${n} characters`, 'e'.repeat(n), [400])), { numRuns: RUNS });
  await check('token of 70000 characters', 'e'.repeat(70_000), [413]);
  await check('a real token padded to 5000 characters', genuine + '.'.repeat(5000 - genuine.length), [400]);

  const after = (await me()).body;
  assert.deepEqual(after, before, 'the victim guest is as it was');
  t.diagnostic(`cases: ${cases}`);
  log(`${cases} refused user tokens, none changed the user's guest`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});
