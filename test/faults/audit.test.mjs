// The audit log and the Worker's logs under the fault suite: the matrix of GET /api/admin/audit
// (seven kinds of caller, counted by authz.test.mjs's coverage check), fast-check query strings
// that are nearly right (every one a 4xx that records nothing), and wrangler dev's own output
// searched for the guests' emails, names and message texts of a scenario (docs/privacy.md "Logs").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, newGuest } from '../support/client.mjs';
import { log, matrixFixtures, OK, refusals, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('audit');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const PATH = '/api/admin/audit';

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx, 'dave-audit'));

const newest = async () => {
  const r = await ctx.call('GET', `${PATH}?limit=1`, { headers: ctx.admin });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.entries[0]?.seq ?? 0;
};

test('the audit log × every caller: admins only', async (t) => {
  const fx = await setup();
  const adminOnly = Object.fromEntries(['anon', 'guestA', 'guestB', 'alice', 'dave', 'bob', 'admin'].map((r) => [r, r === 'admin' ? OK : 401]));
  const routes = [
    { route: 'GET /api/admin/audit', path: () => PATH, expect: adminOnly },
    { route: 'GET /api/admin/audit', name: 'filtered', path: () => `${PATH}?entity=agent&actor=admin&limit=5`, expect: adminOnly },
  ];
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const r = await ctx.call('GET', entry.path(), { headers: fx.headers[role] });
    return r.status >= 200 && r.status < 300 ? OK : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from docs/api.md:\n${wrong.join('\n')}`);
  // The matrix's own setup created Dave: the log has him, by the admin.
  const agents = await ctx.call('GET', `${PATH}?entity=agent&actor=admin`, { headers: ctx.admin });
  assert.ok(agents.body.entries.some((e) => e.entityId === fx.dave.id && e.action === 'create'), JSON.stringify(agents.body));
});

const good = { limit: fc.integer({ min: 1, max: 100 }).map(String), entity: fc.constantFrom('agent', 'service', 'label'), actor: fc.constantFrom('admin', 'ag_demoAlice00000001') };
const badLimit = fc.oneof(fc.constantFrom('0', '101', '-1', '1.5', 'x', '', '1e3', ' 5', '0x10', '9'.repeat(30)), fc.integer({ max: 0 }).map(String), fc.integer({ min: 101 }).map(String));
const badCursor = fc.oneof(fc.constantFrom('0', '-1', 'abc', '', '1.5', '01', '9'.repeat(17), "1' OR '1'='1", '%00'), fc.string({ maxLength: 20 }).filter((s) => !/^[1-9]\d{0,15}$/.test(s)));
const badEntity = fc.oneof(fc.constantFrom('Agent', 'agent;', 'DROP TABLE audit_log', '', 'x'.repeat(41), 'agent%', "agent'"), fc.string({ maxLength: 12 }).filter((s) => !/^[a-z_]{1,40}$/.test(s)));
const badActor = fc.oneof(fc.constantFrom('', "admin'", 'a b', 'x'.repeat(65), 'admin%00', '../admin'), fc.string({ maxLength: 12 }).filter((s) => !/^[\w-]{1,64}$/.test(s)));
const query = (fields) => Object.entries(fields).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

test('nearly right audit queries are a 4xx with the error envelope and record nothing', async (t) => {
  await setup();
  const before = await newest();
  const { check, failures, cases } = refusals(ctx);
  const run = (arb, each) => fc.assert(fc.asyncProperty(arb, each), { numRuns: RUNS * 2 });
  await run(fc.tuple(badLimit, good.entity), ([limit, entity]) => check('limit', 'GET', `${PATH}?${query({ limit, entity })}`, ctx.admin, undefined, 400));
  await run(fc.tuple(badCursor, good.limit), ([cursor, limit]) => check('cursor', 'GET', `${PATH}?${query({ cursor, limit })}`, ctx.admin, undefined, 400));
  await run(fc.tuple(badEntity, good.actor), ([entity, actor]) => check('entity', 'GET', `${PATH}?${query({ entity, actor })}`, ctx.admin, undefined, 400));
  await run(fc.tuple(badActor, good.entity), ([actor, entity]) => check('actor', 'GET', `${PATH}?${query({ actor, entity })}`, ctx.admin, undefined, 400));
  await run(fc.constantFrom('since', 'page', 'offset', 'Entity'), (name) => check('unknown parameter', 'GET', `${PATH}?${name}=1`, ctx.admin, undefined, 400));
  // Good queries answer, whatever they filter on.
  await run(fc.record(good, { requiredKeys: [] }), async (fields) => {
    const r = await ctx.call('GET', `${PATH}?${query(fields)}`, { headers: ctx.admin });
    if (r.status !== 200 || !Array.isArray(r.body.entries)) failures.push(`good query ${query(fields)} → ${r.status}`);
  });
  log(`${cases()} bad audit queries`);
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], `answers that were not the expected 4xx:\n${failures.join('\n')}`);
  assert.equal(await newest(), before, 'reading the log recorded something');
});

test("wrangler dev's output holds no guest's email, name or message text, and one line per request", async (t) => {
  const fx = await setup();
  const seeded = [];
  for (const n of [1, 2, 3]) {
    const name = `Quill Ledger${n}`;
    const email = `quill.ledger${n}@logs.example`;
    const text = `Parcel QX-${n}-7731 is missing`;
    const guest = await newGuest(ctx.call, name, email);
    const r = await ctx.call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'service', slug: 'sales' }, clientId: `logs-${n}`, text } });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    const reply = `Reply ZR-${n}-5519 on its way`;
    const a = await ctx.call('POST', `/api/conversations/${r.body.conversation.id}/messages`, { headers: fx.headers.alice, body: { clientId: `logs-r-${n}`, text: reply } });
    assert.ok(a.status < 300, JSON.stringify(a.body));
    const c = await ctx.call('POST', '/api/contacts', { headers: fx.headers.alice, body: { name, email } });
    assert.ok(c.status < 300, JSON.stringify(c.body));
    seeded.push(name, email, text, reply, guest.token);
  }
  const marked = await ctx.call('GET', '/api/admin/agents', { headers: ctx.admin });
  const id = marked.headers.get('x-request-id');
  // Jobs (notifications, digests) run a moment after the answers.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const output = ctx.server.output();
  // wrangler dev prints each request's full URL itself (a local convenience, not the Worker's log).
  const workers = output.split('\n').filter((l) => !/^\s*\[wrangler:/.test(l) && !/^\s*(GET|POST|PATCH|PUT|DELETE|OPTIONS) \//.test(l));
  const leaks = seeded.filter((s) => workers.some((l) => l.includes(s)));
  t.diagnostic(`cases: ${seeded.length + 1}`);
  assert.deepEqual(leaks, [], `the Worker logged personal data:\n${workers.filter((l) => leaks.some((s) => l.includes(s))).join('\n')}`);
  const lines = workers.filter((l) => l.includes(`"requestId":"${id}"`));
  assert.equal(lines.length, 1, `one line for request ${id}:\n${lines.join('\n')}`);
  assert.deepEqual(
    { ...JSON.parse(lines[0].slice(lines[0].indexOf('{'))), durationMs: 0 },
    { type: 'request', requestId: id, method: 'GET', route: '/api/admin/agents', status: 200, outcome: 'ok', actorKind: 'admin', actorId: 'admin', durationMs: 0 },
  );
});
