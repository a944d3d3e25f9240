// Canned replies under the fault suite: the authorization matrix of their routes (seven kinds
// of caller, as in authz.test.mjs, whose coverage check counts these rows), and fast-check
// bodies that are nearly right (a bad shortcut, a control character, an unknown placeholder, a
// taken shortcut…): every one is a 4xx and nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer } from '../support/client.mjs';
import { demoAgent, expectCells as expect, httpCell, log, newAgent, OK, refusals, runMatrix, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('canned');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
// Agents only; a guest token is a person's but not an agent's: 403 agents_only rather than 401.
const agentsOnly = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK });
const adminOnly = expect(401, { admin: OK });
// Alice's own reply: another agent is told it does not exist.
const alicesOnly = expect(401, { guestA: 403, guestB: 403, alice: OK, dave: 404, bob: 404 });
// The organisation's reply: agents read it, only the admin API changes it.
const orgReadOnly = expect(401, { guestA: 403, guestB: 403, alice: 403, dave: 403, bob: 403 });

let unique = 0;
const next = () => (unique += 1);
const PATH = '/api/canned-replies';
const ADMIN_PATH = '/api/admin/canned-replies';

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const fx = {
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
  };
  fx.org = await freshOrg(fx);
  fx.mine = await freshMine(fx);
  return fx;
}

async function created(r) {
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
const freshOrg = async (fx) => created(await ctx.call('POST', ADMIN_PATH, { headers: fx.headers.admin, body: { shortcut: `org-${next()}`, text: 'Hello {{guest.name}}' } }));
const freshMine = async (fx) => created(await ctx.call('POST', PATH, { headers: fx.headers.alice, body: { shortcut: `mine-${next()}`, text: 'Hi, {{agent.name}} here' } }));

const routes = [
  { route: 'GET /api/canned-replies', path: () => PATH, expect: agentsOnly },
  { route: 'POST /api/canned-replies', path: () => PATH, body: () => ({ shortcut: `new-${next()}`, text: 'New one' }), expect: agentsOnly },
  { route: 'GET /api/canned-replies/{id}', path: (fx) => `${PATH}/${fx.org}`, expect: agentsOnly },
  { route: 'GET /api/canned-replies/{id}', name: "Alice's", path: (fx) => `${PATH}/${fx.mine}`, expect: alicesOnly },
  { route: 'PATCH /api/canned-replies/{id}', fresh: freshMine, path: (_fx, id) => `${PATH}/${id}`, body: () => ({ text: `Changed ${next()}` }), expect: alicesOnly },
  { route: 'PATCH /api/canned-replies/{id}', name: 'organisation', path: (fx) => `${PATH}/${fx.org}`, body: () => ({ text: `Changed ${next()}` }), expect: orgReadOnly },
  { route: 'DELETE /api/canned-replies/{id}', fresh: freshMine, path: (_fx, id) => `${PATH}/${id}`, expect: alicesOnly },
  { route: 'DELETE /api/canned-replies/{id}', name: 'organisation', path: (fx) => `${PATH}/${fx.org}`, expect: orgReadOnly },
  { route: 'GET /api/admin/canned-replies', path: () => ADMIN_PATH, expect: adminOnly },
  { route: 'POST /api/admin/canned-replies', path: () => ADMIN_PATH, body: () => ({ shortcut: `adm-${next()}`, text: 'From the team' }), expect: adminOnly },
  { route: 'GET /api/admin/canned-replies/{id}', path: (fx) => `${ADMIN_PATH}/${fx.org}`, expect: adminOnly },
  // Nobody else sees an agent's personal reply, the admin included.
  { route: 'GET /api/admin/canned-replies/{id}', name: "Alice's", path: (fx) => `${ADMIN_PATH}/${fx.mine}`, expect: expect(401, { admin: 404 }) },
  { route: 'PATCH /api/admin/canned-replies/{id}', fresh: freshOrg, path: (_fx, id) => `${ADMIN_PATH}/${id}`, body: () => ({ shortcut: `renamed-${next()}` }), expect: adminOnly },
  { route: 'PATCH /api/admin/canned-replies/{id}', name: "Alice's", path: (fx) => `${ADMIN_PATH}/${fx.mine}`, body: () => ({ text: 'taken over' }), expect: expect(401, { admin: 404 }) },
  { route: 'DELETE /api/admin/canned-replies/{id}', fresh: freshOrg, path: (_fx, id) => `${ADMIN_PATH}/${id}`, expect: adminOnly },
  { route: 'DELETE /api/admin/canned-replies/{id}', name: "Alice's", path: (fx) => `${ADMIN_PATH}/${fx.mine}`, expect: expect(401, { admin: 404 }) },
];

/** What every caller can read of the canned replies: what a refused request must leave as it was. */
async function snapshot(fx) {
  const out = {};
  for (const role of ['alice', 'dave', 'bob', 'admin']) {
    const r = await ctx.call('GET', role === 'admin' ? ADMIN_PATH : PATH, { headers: fx.headers[role] });
    assert.equal(r.status, 200);
    out[role] = r.body;
  }
  return out;
}

test('every canned-reply route × every caller is allowed or refused as docs/api.md says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths)
    .filter(([path]) => path.includes('/canned-replies'))
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  assert.equal(documented.length, 10);
  assert.deepEqual(documented.filter((r) => !routes.some((row) => row.route === r)), [], 'canned-reply routes with no row');

  const before = await snapshot(fx);
  // Besides each cell's status: the code of a refusal where the docs name one.
  const codes = [];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const { r, cell } = await httpCell(ctx, fx, entry, role);
    if (r.status === 403 && role.startsWith('guest') && r.body.error.code !== 'agents_only') codes.push(`${entry.route} as ${role}: 403 ${r.body.error.code}, expected agents_only`);
    return cell;
  });
  wrong.push(...codes);
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);

  // The refused cells changed nothing: what is left is what the allowed cells made.
  const after = await snapshot(fx);
  const org = (s) => s.admin.cannedReplies.find((r) => r.id === fx.org);
  assert.deepEqual(org(after), org(before), "the organisation's reply the agents tried to change is as it was");
  const mine = (s) => s.alice.cannedReplies.find((r) => r.id === fx.mine);
  assert.deepEqual(mine(after), mine(before), "Alice's reply the others tried to change is as it was");
  for (const role of ['dave', 'bob', 'admin']) {
    assert.equal(after[role].cannedReplies.filter((r) => r.scope === 'personal' && r.text.startsWith('Hi, ')).length, 0, `${role} sees none of Alice's`);
  }
});

const KNOWN = ['guest.name', 'agent.name', 'service.name'];
const SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const goodText = fc.stringMatching(/^[A-Za-z0-9 ,.!?']{1,60}$/).filter((s) => s.trim() !== '');
const goodShortcut = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,31}$/);
const badShortcut = fc.oneof(
  fc.string({ maxLength: 40 }).filter((s) => !SHORTCUT.test(s)),
  fc.constantFrom('', 'Thx', '-thx', '_thx', 'a'.repeat(33), 'th x', '/thx', 'thé', 'thx\n', '🙂'),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
);
const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => (c < 0x20 && c !== 9 && c !== 10) || c >= 0x7f).map((c) => String.fromCharCode(c));
const badText = fc.oneof(
  fc.tuple(goodText, control, goodText).map(([a, c, b]) => a + c + b),
  fc.tuple(goodText, fc.stringMatching(/^[A-Za-z._ -]{0,16}$/).filter((n) => !KNOWN.includes(n.trim())), goodText).map(([a, name, b]) => `${a}{{${name}}}${b}`),
  fc.integer({ min: 2001, max: 2200 }).map((n) => 'x'.repeat(n)),
  fc.stringMatching(/^[ \t\n]{0,5}$/),
  fc.constantFrom('lone \ud800 surrogate', 'crlf\r\nline'),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 })),
);
// Nearly right bodies: each field right or wrong, at least one wrong; or extra fields.
const badCreate = fc.oneof(
  fc.record({ shortcut: fc.oneof(goodShortcut, badShortcut), text: fc.oneof(goodText, badText) }).filter((b) => !(typeof b.shortcut === 'string' && SHORTCUT.test(b.shortcut) && typeof b.text === 'string' && /^[A-Za-z0-9 ,.!?']{1,60}$/.test(b.text))),
  fc.record({ shortcut: goodShortcut, text: goodText, owner: fc.constantFrom('ag_demoBob0000000001', null), scope: fc.constant('organisation') }, { requiredKeys: ['shortcut', 'text'] }).filter((b) => Object.keys(b).length > 2),
  fc.record({ shortcut: goodShortcut }),
  fc.record({ text: goodText }),
);
const badUpdate = fc.oneof(
  fc.record({ shortcut: badShortcut }),
  fc.record({ text: badText }),
  fc.record({ shortcut: fc.oneof(goodShortcut, badShortcut), text: badText }),
  fc.constant({}),
  fc.record({ text: goodText, ownerId: fc.constant('ag_demoBob0000000001') }),
);
const badId = fc.oneof(fc.string({ maxLength: 30 }).filter((s) => s !== '' && s !== '.' && s !== '..'), fc.constantFrom('cr_AAAAAAAAAAAAAAAAAAAA', '%00', 'x'.repeat(3000), '🙂'));

test('nearly right canned-reply bodies, taken shortcuts and bad ids all get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await setup();
  // A second reply of each owner, whose shortcut is the taken one for a rename.
  const taken = { org: `taken-${next()}`, mine: `taken-${next()}` };
  await created(await ctx.call('POST', ADMIN_PATH, { headers: fx.headers.admin, body: { shortcut: taken.org, text: 'Taken' } }));
  await created(await ctx.call('POST', PATH, { headers: fx.headers.alice, body: { shortcut: taken.mine, text: 'Taken' } }));
  const before = await snapshot(fx);
  const { check: expect4xx, failures, cases } = refusals(ctx);
  const run = (arb, check) => fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS * 4 });
  const owners = [
    { name: 'admin', path: ADMIN_PATH, headers: fx.headers.admin, id: fx.org, taken: taken.org },
    { name: 'alice', path: PATH, headers: fx.headers.alice, id: fx.mine, taken: taken.mine },
  ];
  for (const o of owners) {
    await run(badCreate, (body) => expect4xx(`${o.name} create`, 'POST', o.path, o.headers, body));
    await run(badUpdate, (body) => expect4xx(`${o.name} update`, 'PATCH', `${o.path}/${o.id}`, o.headers, body));
    await run(goodText, (text) => expect4xx(`${o.name} taken shortcut`, 'POST', o.path, o.headers, { shortcut: o.taken, text }, 409));
    await run(goodText, (text) => expect4xx(`${o.name} rename onto a taken shortcut`, 'PATCH', `${o.path}/${o.id}`, o.headers, { shortcut: o.taken, text }, 409));
    await run(badId, (id) => expect4xx(`${o.name} bad id`, 'PATCH', `${o.path}/${encodeURIComponent(id)}`, o.headers, { text: 'fine' }));
    await run(badId, (id) => expect4xx(`${o.name} bad id`, 'DELETE', `${o.path}/${encodeURIComponent(id)}`, o.headers));
  }
  // Good bodies from the wrong callers: refused whatever they say.
  await run(fc.record({ shortcut: goodShortcut, text: goodText }), async (body) => {
    await expect4xx('guest create', 'POST', PATH, fx.headers.guestA, body, 403);
    await expect4xx('admin token on the agent route', 'POST', PATH, fx.headers.admin, body, 401);
    await expect4xx('agent on the admin route', 'POST', ADMIN_PATH, fx.headers.alice, body, 401);
    await expect4xx("bob changes Alice's", 'PATCH', `${PATH}/${fx.mine}`, fx.headers.bob, { text: body.text }, 404);
    await expect4xx("dave changes the organisation's", 'PATCH', `${PATH}/${fx.org}`, fx.headers.dave, { text: body.text }, 403);
  });
  log(`${cases()} bad canned-reply requests`);
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], `answers that were not the expected 4xx:\n${failures.join('\n')}`);
  assert.deepEqual(await snapshot(fx), before, 'bad input changed the canned replies');
});
