// Labels under the fault suite: the authorization matrix of their routes (seven kinds of
// caller, as in authz.test.mjs, whose coverage check counts these rows), and fast-check bodies
// that are nearly right (a colour that is not #rrggbb, a control character, a taken name…):
// every one is a 4xx and nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, expectCells as expect, httpCell, log, newAgent, OK, refusals, runMatrix, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('labels');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// A guest token is a person's but not an agent's: 403 agents_only rather than 401.
const agentsOnly = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK });
const adminOnly = expect(401, { admin: OK });
// Who may write in a public conversation: licensed agents; bob is basic.
const writers = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: 403 });
// A private conversation of the support service: nobody here is in it (its guest is no agent).
const privateOne = expect(401, { guestA: 403, guestB: 403, alice: 404, dave: 404, bob: 404 });

let unique = 0;
const next = () => (unique += 1);
const ADMIN_PATH = '/api/admin/labels';

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  const fx = {
    x,
    p,
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
  };
  fx.label = await fresh(fx);
  return fx;
}

async function created(r) {
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
const fresh = async (fx) => created(await ctx.call('POST', ADMIN_PATH, { headers: fx.headers.admin, body: { name: `Label ${next()}`, color: '#1f6feb' } }));

const routes = [
  { route: 'GET /api/labels', path: () => '/api/labels', expect: agentsOnly },
  { route: 'PUT /api/conversations/{id}/labels/{labelId}', path: (fx) => `/api/conversations/${fx.x.id}/labels/${fx.label}`, expect: writers },
  { route: 'PUT /api/conversations/{id}/labels/{labelId}', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/labels/${fx.label}`, expect: privateOne },
  { route: 'DELETE /api/conversations/{id}/labels/{labelId}', path: (fx) => `/api/conversations/${fx.x.id}/labels/${fx.label}`, expect: writers },
  { route: 'DELETE /api/conversations/{id}/labels/{labelId}', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/labels/${fx.label}`, expect: privateOne },
  { route: 'GET /api/admin/labels', path: () => ADMIN_PATH, expect: adminOnly },
  { route: 'POST /api/admin/labels', path: () => ADMIN_PATH, body: () => ({ name: `New ${next()}`, color: '#abcdef' }), expect: adminOnly },
  { route: 'GET /api/admin/labels/{id}', path: (fx) => `${ADMIN_PATH}/${fx.label}`, expect: adminOnly },
  { route: 'PATCH /api/admin/labels/{id}', fresh, path: (_fx, id) => `${ADMIN_PATH}/${id}`, body: () => ({ name: `Renamed ${next()}` }), expect: adminOnly },
  { route: 'DELETE /api/admin/labels/{id}', fresh, path: (_fx, id) => `${ADMIN_PATH}/${id}`, expect: adminOnly },
];

/** The labels and the private conversation as those who see them read them: what a refused request must leave as it was. */
async function snapshot(fx) {
  const labels = await ctx.call('GET', ADMIN_PATH, { headers: fx.headers.admin });
  assert.equal(labels.status, 200);
  const priv = await ctx.call('GET', `/api/conversations/${fx.p.id}/messages`, { headers: fx.headers.guestB });
  assert.equal(priv.status, 200);
  return { labels: labels.body.labels, privateLastSeq: priv.body.lastSeq };
}

test('every label route × every caller is allowed or refused as docs/api.md says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.includes('/labels'))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.equal(documented.length, 8);
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'label routes with no row');

  const before = await snapshot(fx);
  // Besides each cell's status: the code of a refusal where the docs name one.
  const codes = [];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const { r, cell } = await httpCell(ctx, fx, entry, role);
    if (r.status === 403 && role.startsWith('guest') && r.body.error.code !== 'agents_only') codes.push(`${entry.route} as ${role}: 403 ${r.body.error.code}, expected agents_only`);
    if (r.status === 403 && role === 'bob' && r.body.error.code !== 'agent_not_licensed') codes.push(`${entry.route} as bob: 403 ${r.body.error.code}, expected agent_not_licensed`);
    return cell;
  });
  wrong.push(...codes);
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);

  const after = await snapshot(fx);
  assert.deepEqual(after.labels.find((l) => l.id === fx.label), before.labels.find((l) => l.id === fx.label), 'the shared label is as it was');
  assert.equal(after.privateLastSeq, before.privateLastSeq, 'nobody labelled the private conversation');
});

const COLOR = /^#[0-9a-fA-F]{6}$/;
const goodName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,30}$/).filter((s) => s.trim() !== '');
const goodColor = fc.stringMatching(/^#[0-9a-f]{6}$/);
const badColor = fc.oneof(
  fc.string({ maxLength: 10 }).filter((s) => !COLOR.test(s)),
  fc.constantFrom('red', '#fff', '#ffff', '#1234567', '123456', '#12345g', ' #123456', '#123456 ', 'rgb(1,2,3)', '#ＡＢＣＤＥＦ'),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
);
const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f).map((c) => String.fromCharCode(c));
const badName = fc.oneof(
  fc.tuple(goodName, control, goodName).map(([a, c, b]) => a + c + b),
  fc.tuple(goodName, fc.constantFrom('\u202e', '\u2066', '\u202a'), goodName).map(([a, c, b]) => a + c + b),
  fc.integer({ min: 41, max: 200 }).map((n) => 'x'.repeat(n)),
  fc.stringMatching(/^[ ]{0,5}$/),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 })),
);
const badCreate = fc.oneof(
  fc.record({ name: fc.oneof(goodName, badName), color: fc.oneof(goodColor, badColor) }).filter((b) => !(typeof b.name === 'string' && /^[A-Za-z0-9][A-Za-z0-9 ]{0,30}$/.test(b.name) && b.name.trim() !== '' && typeof b.color === 'string' && COLOR.test(b.color))),
  fc.record({ name: goodName, color: goodColor, id: fc.constant('lb_AAAAAAAAAAAAAAAAAAAA') }),
  fc.record({ name: goodName }),
  fc.record({ color: goodColor }),
);
const badUpdate = fc.oneof(fc.record({ name: badName }), fc.record({ color: badColor }), fc.constant({}), fc.record({ name: goodName, extra: fc.constant(1) }));
const badId = fc.oneof(fc.string({ maxLength: 30 }).filter((s) => s !== '' && s !== '.' && s !== '..'), fc.constantFrom('lb_AAAAAAAAAAAAAAAAAAAA', '%00', 'x'.repeat(3000), '🙂'));

test('nearly right label bodies, taken names and bad ids all get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await setup();
  const taken = `Taken ${next()}`;
  await created(await ctx.call('POST', ADMIN_PATH, { headers: fx.headers.admin, body: { name: taken, color: '#000000' } }));
  const before = await snapshot(fx);
  const viewBefore = (await ctx.call('GET', `/api/conversations/${fx.x.id}`, { headers: fx.headers.alice })).body.labels;
  const { check: expect4xx, failures, cases } = refusals(ctx);
  const run = (arb, check) => fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS * 4 });
  await run(badCreate, (body) => expect4xx('create', 'POST', ADMIN_PATH, fx.headers.admin, body));
  await run(badUpdate, (body) => expect4xx('update', 'PATCH', `${ADMIN_PATH}/${fx.label}`, fx.headers.admin, body));
  const spellings = fc.constantFrom(taken, taken.toUpperCase(), taken.toLowerCase(), ` ${taken} `);
  await run(fc.tuple(spellings, goodColor), ([name, color]) => expect4xx('taken name', 'POST', ADMIN_PATH, fx.headers.admin, { name, color }, 409));
  await run(spellings, (name) => expect4xx('rename onto a taken name', 'PATCH', `${ADMIN_PATH}/${fx.label}`, fx.headers.admin, { name }, 409));
  await run(badId, (id) => expect4xx('bad id', 'PATCH', `${ADMIN_PATH}/${encodeURIComponent(id)}`, fx.headers.admin, { name: 'fine' }));
  await run(badId, (id) => expect4xx('bad id', 'DELETE', `${ADMIN_PATH}/${encodeURIComponent(id)}`, fx.headers.admin));
  await run(badId, (id) => expect4xx('bad label id', 'PUT', `/api/conversations/${fx.x.id}/labels/${encodeURIComponent(id)}`, fx.headers.alice));
  await run(badId, (id) => expect4xx('bad conversation id', 'PUT', `/api/conversations/${encodeURIComponent(id)}/labels/${fx.label}`, fx.headers.alice));
  await run(fc.record({ name: goodName, color: goodColor }), async (body) => {
    await expect4xx('agent on the admin route', 'POST', ADMIN_PATH, fx.headers.alice, body, 401);
    await expect4xx('guest labels', 'PUT', `/api/conversations/${fx.x.id}/labels/${fx.label}`, fx.headers.guestA, undefined, 403);
    await expect4xx('basic agent labels', 'PUT', `/api/conversations/${fx.x.id}/labels/${fx.label}`, fx.headers.bob, undefined, 403);
  });
  log(`${cases()} bad label requests`);
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], `answers that were not the expected 4xx:\n${failures.join('\n')}`);
  assert.deepEqual(await snapshot(fx), before, 'bad input changed the labels');
  assert.deepEqual((await ctx.call('GET', `/api/conversations/${fx.x.id}`, { headers: fx.headers.alice })).body.labels, viewBefore, 'bad input changed the conversation’s labels');
});
