// Backups under the fault suite (docs/backups.md): the matrix of every backup route (seven kinds
// of caller; authz.test.mjs's coverage check counts these rows: admins only, and on this seeded
// deployment an admin's restore is refused as not empty), and fast-check pages and queries that
// are nearly right: each a 400 (or 413 past the size limit) with the error envelope, and the
// deployment holds exactly what it held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matrixFixtures, OK, refusals, ROLES, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('backup');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const only = (admin) => Object.fromEntries(ROLES.map((r) => [r, r === 'admin' ? admin : 401]));
const RESTORE = '/api/admin/backup/restores/backup-0000-fuzz';

let fixtures;
const setup = () => (fixtures ??= matrixFixtures(ctx, 'dave-backup'));

const routes = [
  { route: 'GET /api/admin/backup', method: 'GET', path: () => '/api/admin/backup', expect: only(OK) },
  { route: 'GET /api/admin/backup/tables/{table}', method: 'GET', path: () => '/api/admin/backup/tables/agents?limit=2', expect: only(OK) },
  { route: 'GET /api/admin/backup/actors/{kind}', method: 'GET', path: () => '/api/admin/backup/actors/conversation', expect: only(OK) },
  { route: 'GET /api/admin/backup/actors/{kind}/{id}', method: 'GET', path: (fx) => `/api/admin/backup/actors/conversation/${fx.x.id}`, expect: only(OK) },
  { route: 'GET /api/admin/backup/files', method: 'GET', path: () => '/api/admin/backup/files', expect: only(OK) },
  // This deployment holds data: a restore cannot begin (not_empty), so none runs to take pages (restore_not_running).
  { route: 'POST /api/admin/backup/restores', method: 'POST', path: () => '/api/admin/backup/restores', body: { backupId: 'backup-0000-matrix', format: 1 }, expect: only(409) },
  { route: 'POST /api/admin/backup/restores/{backupId}/tables/{table}', method: 'POST', path: () => `${RESTORE}/tables/labels`, body: { rows: [] }, expect: only(409) },
  { route: 'POST /api/admin/backup/restores/{backupId}/actors/{kind}/{id}', method: 'POST', path: (fx) => `${RESTORE}/actors/conversation/${fx.x.id}`, body: { reset: true, rows: [] }, expect: only(409) },
  { route: 'POST /api/admin/backup/restores/{backupId}/finish', method: 'POST', path: () => `${RESTORE}/finish`, expect: only(409) },
];

/** What the deployment holds: each table's rows (but the audit log, which records the exports) and a conversation's storage. */
async function holdings(fx) {
  const summary = await ctx.call('GET', '/api/admin/backup', { headers: ctx.admin });
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  const actor = await ctx.call('GET', `/api/admin/backup/actors/conversation/${fx.x.id}`, { headers: ctx.admin });
  return { tables: summary.body.tables.filter((t) => t.name !== 'audit_log'), actors: summary.body.actors, conversation: actor.body.rows };
}

/** Holdings once the fixtures' own jobs (search indexing) have landed: the same twice a second apart. */
async function settled(fx) {
  for (let last = await holdings(fx); ; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await holdings(fx);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
}

test('every backup route × every caller: admins only; a used deployment takes no restore', async (t) => {
  const fx = await setup();
  const before = await settled(fx);
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const r = await ctx.call(entry.method, entry.path(fx), { headers: fx.headers[role], body: entry.body });
    if (r.status >= 200 && r.status < 300) return OK;
    return typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`;
  });
  assert.deepEqual(wrong, [], `cells that differ from docs/backups.md:\n${wrong.join('\n')}`);
  const refused = await ctx.call('POST', '/api/admin/backup/restores', { headers: ctx.admin, body: { backupId: 'backup-0000-matrix', format: 1 } });
  assert.equal(refused.body.error.code, 'not_empty');
  assert.ok(refused.body.error.details.tables.includes('agents'), JSON.stringify(refused.body));
  assert.deepEqual(await holdings(fx), before, 'the refused calls changed nothing');
});

const name = fc.stringMatching(/^\w{1,20}$/);
const cell = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null));
const goodRow = fc.dictionary(name, cell, { maxKeys: 4 });
const badCell = fc.constantFrom(true, false, [], [1], {}, { a: 1 });
const badColumn = fc.oneof(fc.constantFrom('', 'a b', 'x'.repeat(65), 'name;', '"id"', 'é'), fc.string({ maxLength: 10 }).filter((s) => !/^\w{1,64}$/.test(s)));
const badRow = fc.oneof(
  fc.tuple(name, badCell).map(([k, v]) => ({ [k]: v })),
  fc.tuple(badColumn, cell).map(([k, v]) => ({ [k]: v })),
  fc.constantFrom(null, 1, 'row', [], [1, 2]),
);
const badTableBody = fc.oneof(
  badRow.map((row) => ({ rows: [row] })),
  fc.tuple(goodRow, badRow).map(([good, bad]) => ({ rows: [good, bad] })),
  goodRow.map((row) => ({ rows: row })),
  goodRow.map((row) => ({ rows: [row], extra: 1 })),
  fc.constantFrom({}, [], null, 'rows', { rows: null }, { rows: Array.from({ length: 1001 }, () => ({})) }),
);
const goodStored = fc.oneof(fc.record({ table: name, row: goodRow }), fc.record({ key: fc.string({ minLength: 1, maxLength: 10 }), value: fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 5 })) }));
const badStored = fc.oneof(
  badRow.map((row) => ({ table: 'timeline', row })),
  fc.tuple(badColumn, goodRow).map(([table, row]) => ({ table, row })),
  fc.constantFrom({ key: '', value: 1 }, { key: 'k'.repeat(2049), value: 1 }, { key: 'k' }, { table: 'timeline' }, { table: 'timeline', row: {}, key: 'k', value: 1 }, null, 'row'),
);
const badActorBody = fc.oneof(
  badStored.map((row) => ({ reset: false, rows: [row] })),
  fc.tuple(goodStored, badStored).map(([good, bad]) => ({ reset: true, rows: [good, bad] })),
  goodStored.map((row) => ({ rows: [row] })),
  fc.tuple(goodStored, fc.constantFrom('yes', 1, null, 'true')).map(([row, reset]) => ({ reset, rows: [row] })),
  fc.constantFrom({}, null, [], { reset: true, rows: Array.from({ length: 1001 }, () => ({ key: 'k', value: 1 })) }),
);
const badBackupId = fc.oneof(fc.constantFrom('short', 'x'.repeat(65), 'has space00', 'semi;colon00', '../../etc00'), fc.string({ maxLength: 12 }).filter((s) => !/^[\w-]{8,64}$/.test(s)));

test('fuzzed restore pages and export queries: each a 400 (413 past 1 MiB) with the envelope; nothing changes', async (t) => {
  const fx = await setup();
  const before = await settled(fx);
  const { check, failures, cases } = refusals(ctx);
  const run = (arb, each, n = RUNS * 2) => fc.assert(fc.asyncProperty(arb, each), { numRuns: n });
  await run(badTableBody, (body) => check('table page', 'POST', `${RESTORE}/tables/labels`, ctx.admin, body, 400), RUNS * 4);
  await run(badActorBody, (body) => check('actor page', 'POST', `${RESTORE}/actors/conversation/${fx.x.id}`, ctx.admin, body, 400), RUNS * 4);
  await run(badBackupId, (id) => check('backup id', 'POST', '/api/admin/backup/restores', ctx.admin, { backupId: id, format: 1 }, 400));
  await run(fc.constantFrom('people', 'Conversation', 'retention', '', 'conversation;'), (kind) => check('actor kind', 'GET', `/api/admin/backup/actors/${encodeURIComponent(kind)}x`, ctx.admin, undefined, 400), RUNS);
  await run(fc.constantFrom('-1', '1.5', 'x', '', '0x10', ' 5', '9'.repeat(20)), (after) => check('table after', 'GET', `/api/admin/backup/tables/agents?after=${encodeURIComponent(after)}`, ctx.admin, undefined, 400), RUNS);
  // A well-formed name the directory does not list is not asked for (asking would create the object).
  await run(fc.constantFrom('cv_00000000000000000000000000000000', 'cv_unlisted', 'ag_nobody'), (id) => check('unlisted actor', 'GET', `/api/admin/backup/actors/conversation/${id}`, ctx.admin, undefined, 404), RUNS);
  await run(fc.constantFrom('0', '1001', '-5', 'all'), (limit) => check('table limit', 'GET', `/api/admin/backup/tables/agents?limit=${limit}`, ctx.admin, undefined, 400), RUNS);
  await run(fc.oneof(fc.constantFrom('', 't:', 't:x:timeline', 'x', `t:1:${'a'.repeat(65)}`, 'k'.slice(1)), fc.string({ maxLength: 12 }).filter((s) => !/^(k(:.*)?|t:-?\d{1,19}:\w{1,64})$/s.test(s))), (cursor) =>
    check('actor cursor', 'GET', `/api/admin/backup/actors/conversation/${fx.x.id}?cursor=${encodeURIComponent(cursor)}`, ctx.admin, undefined, 400),
  );
  // Past the restore pages' 1 MiB: refused before it is read.
  const huge = { rows: [{ text: 'x'.repeat(1024 * 1024) }] };
  await check('oversized table page', 'POST', `${RESTORE}/tables/labels`, ctx.admin, huge, 413);
  await check('oversized actor page', 'POST', `${RESTORE}/actors/conversation/${fx.x.id}`, ctx.admin, { reset: true, rows: [{ table: 'timeline', row: huge.rows[0] }] }, 413);
  t.diagnostic(`cases: ${cases()}`);
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.deepEqual(await holdings(fx), before, 'refused pages and queries changed nothing');
});
