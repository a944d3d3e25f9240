// Business hours under the fault suite (docs/rules.md "Business hours"): who may set a service's
// hours and who reads the card that tells them (the authorization matrix), and fast-check hours
// bodies that are nearly right (an unknown zone, overlapping or inverted ranges, a range past
// midnight, a date that does not exist, a holiday twice, an unknown weekday or field): every one
// is a 400 with the error envelope naming a field under `hours`, and the service is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectCells as expect, log, matrixFixtures, OK, runMatrix, useServer } from './fixtures.mjs';

const ctx = useServer('hours');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SLUG = 'hours-faults';
const HOURS = { timeZone: 'Europe/Paris', weeklyHours: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: [{ date: '2026-12-25', name: 'Christmas' }] };

let fixtures;
async function setup() {
  if (fixtures) return fixtures;
  const fx = await matrixFixtures(ctx, 'dave-hours');
  const made = await ctx.call('POST', '/api/admin/services', { headers: ctx.admin, body: { slug: SLUG, name: 'Hours faults', hours: HOURS } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  fixtures = fx;
  return fx;
}
const service = async () => (await ctx.call('GET', `/api/admin/services/${SLUG}`, { headers: ctx.admin })).body;

const routes = [
  { route: 'PATCH /api/admin/services/{slug}', name: 'hours', body: { hours: { ...HOURS, weeklyHours: { tue: [{ start: '10:00', end: '12:00' }] } } }, expect: expect(401, { admin: OK }) },
  { route: 'PATCH /api/admin/services/{slug}', name: 'hours: null', body: { hours: null }, expect: expect(401, { admin: OK }) },
  { route: 'GET /api/public/services/{slug}', expect: expect(OK) },
];

test('setting hours is the admin’s alone; the card that tells them is anyone’s', async (t) => {
  const fx = await setup();
  const wrong = await runMatrix(t, routes, async (entry, role) => {
    const [method] = entry.route.split(' ');
    // Each try starts from the same hours, so a refused one can be seen to change nothing.
    await ctx.call('PATCH', `/api/admin/services/${SLUG}`, { headers: ctx.admin, body: { hours: HOURS } });
    const r = await ctx.call(method, method === 'GET' ? `/api/public/services/${SLUG}` : `/api/admin/services/${SLUG}`, { headers: fx.headers[role], body: entry.body });
    if (r.status >= 400 && role !== 'admin' && method !== 'GET') assert.deepEqual((await service()).hours, HOURS, `${entry.route} as ${role} changed the hours`);
    if (method === 'GET' && r.status === 200 && !['open', 'away', 'closed'].includes(r.body.hoursStatus)) return `200 without hoursStatus`;
    return r.status >= 200 && r.status < 300 ? OK : typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  });
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
});

const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const day = fc.constantFrom('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun');
// Each of these breaks exactly one rule of the hours (the field it names is in `path`).
const bad = fc.oneof(
  fc.constantFrom('Mars/Olympus', 'Europe/Pariss', '', 'UTC+1', 'x'.repeat(80)).map((timeZone) => ({ hours: { ...HOURS, timeZone }, path: 'hours.timeZone' })),
  fc.tuple(day, clock, clock).filter(([, a, b]) => a >= b).map(([d, start, end]) => ({ hours: { ...HOURS, weeklyHours: { [d]: [{ start, end }] } }, path: `hours.weeklyHours.${d}.0` })),
  fc.tuple(day, fc.integer({ min: 0, max: 20 })).map(([d, h]) => {
    const at = (n) => `${String(n).padStart(2, '0')}:00`;
    return { hours: { ...HOURS, weeklyHours: { [d]: [{ start: at(h), end: at(h + 3) }, { start: at(h + 1), end: at(h + 2) }] } }, path: `hours.weeklyHours.${d}.1` };
  }),
  fc.tuple(day, fc.constantFrom('24:30', '25:00', '9:00', '09:60', '0900', 'noon')).map(([d, end]) => ({ hours: { ...HOURS, weeklyHours: { [d]: [{ start: '08:00', end }] } }, path: `hours.weeklyHours.${d}.0.end` })),
  fc.constantFrom('2026-02-30', '2026-13-01', '2026-1-5', '25/12/2026', '2026-12-25T00:00').map((date) => ({ hours: { ...HOURS, holidays: [{ date }] }, path: 'hours.holidays.0.date' })),
  fc.constant({ hours: { ...HOURS, holidays: [{ date: '2026-12-25' }, { date: '2026-12-25', name: 'Twice' }] }, path: 'hours.holidays.1.date' }),
  fc.constantFrom('\u202eevil', 'a\nb', '').map((name) => ({ hours: { ...HOURS, holidays: [{ date: '2026-12-24', name }] }, path: 'hours.holidays.0.name' })),
  fc.constantFrom('funday', 'Monday', 'MON').map((d) => ({ hours: { ...HOURS, weeklyHours: { [d]: [] } }, path: 'hours.weeklyHours' })),
  fc.constant({ hours: { ...HOURS, open: true }, path: 'hours' }),
  fc.constantFrom('always', 1, [], true).map((hours) => ({ hours, path: 'hours' })),
);

test('nearly right hours bodies get a 400 naming the field under hours, and change nothing', async (t) => {
  await setup();
  await ctx.call('PATCH', `/api/admin/services/${SLUG}`, { headers: ctx.admin, body: { hours: HOURS } });
  const before = await service();
  let cases = 0;
  const failures = [];
  await fc.assert(
    fc.asyncProperty(bad, async ({ hours, path }) => {
      cases += 1;
      const r = await ctx.call('PATCH', `/api/admin/services/${SLUG}`, { headers: ctx.admin, body: { hours } });
      const paths = r.body?.error?.details?.problems?.map((p) => p.path) ?? [];
      if (r.status !== 400 || r.body.error.code !== 'invalid_request' || !paths.includes(path)) failures.push(`${JSON.stringify(hours).slice(0, 160)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)} (expected ${path})`);
    }),
    { numRuns: RUNS * 8 },
  );
  log(`${cases} bad hours bodies`);
  t.diagnostic(`cases: ${cases}`);
  assert.deepEqual(failures, [], `answers that were not the expected 400:\n${failures.join('\n')}`);
  assert.deepEqual(await service(), before, 'bad hours changed the service');
});
