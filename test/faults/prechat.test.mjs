// The pre-chat form (docs/widget.md "Pre-chat form"; docs/api.md): who may set it, read it and
// read the answers, through the matrix helpers; generated hostile form configs (a refused one
// changes nothing, an accepted one obeys the rules) and hostile answers at start (a refused one
// creates nothing, an accepted one is stored as the form allows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { newGuest } from '../support/client.mjs';
import { expectCells as expect, matrixFixtures, OK, runMatrix, useServer } from './fixtures.mjs';
// Quiz's form; the unit test of the validator (test/unit/prechat.test.ts) checks the same one.
import FORM from '../support/prechat-form.json' with { type: 'json' };

const ctx = useServer('prechat');
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const ANSWERS = { phone: '+49 30 1234567', plan: 'Pro', company: 'Acme' };

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const fx = await matrixFixtures(ctx);
  const quiz = await ctx.call('POST', '/api/admin/services', { headers: ctx.admin, body: { slug: 'quiz', name: 'Quiz', prechat: FORM } });
  assert.equal(quiz.status, 201, JSON.stringify(quiz.body));
  for (const agent of ['alice', 'bob']) assert.equal((await ctx.call('PUT', `/api/admin/services/quiz/members/${agent}`, { headers: ctx.admin })).status, 200);
  // guestA answers Quiz's form; guestB is not in that conversation.
  const y = await ctx.call('POST', '/api/conversations', { headers: fx.headers.guestA, body: { target: { kind: 'service', slug: 'quiz' }, clientId: 'y', text: 'Hi quiz', answers: ANSWERS } });
  assert.equal(y.status, 200, JSON.stringify(y.body));
  return { ...fx, y: { id: y.body.conversation.id }, quizId: quiz.body.id };
}

const statusOf = (r) => (r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message === 'string' ? r.status : `${r.status} without an error body`);
const withAnswers = (r) => (statusOf(r) !== OK ? statusOf(r) : r.body.answers?.length === 3 ? 'answers' : 'hidden');

// Setting the form is the admin's; the card is everyone's; the answers are agents' and the answering guest's.
const rows = [
  { route: 'PATCH /api/admin/services/{slug}', name: 'prechat', method: 'PATCH', path: () => '/api/admin/services/quiz', body: () => ({ prechat: FORM }), read: statusOf, expect: expect(401, { admin: OK }) },
  { route: 'GET /api/public/services/{slug}', name: 'prechat on the card', method: 'GET', path: () => '/api/public/services/quiz', read: (r) => (statusOf(r) === OK && r.body.prechat?.fields.length === 4 ? OK : statusOf(r)), expect: expect(OK) },
  { route: 'GET /api/conversations/{id}', name: 'answers', method: 'GET', path: (fx) => `/api/conversations/${fx.y.id}`, read: withAnswers, expect: expect('answers', { anon: 401, admin: 401, guestB: 404 }) },
  { route: 'GET /api/conversations/{id}/details', name: 'answers', method: 'GET', path: (fx) => `/api/conversations/${fx.y.id}/details`, read: withAnswers, expect: expect('answers', { anon: 401, admin: 401, guestA: 403, guestB: 403 }) },
];

test('the pre-chat routes × every caller: the form is the admin’s, the answers are agents’ and the answering guest’s', async (t) => {
  const fx = await setup();
  const wrong = await runMatrix(t, rows, async (row, role) => row.read(await ctx.call(row.method, row.path(fx), { headers: fx.headers[role], ...(row.body ? { body: row.body() } : {}) })));
  // A guest invited later joins the conversation but never reads what the first guest answered.
  const invite = await ctx.call('POST', `/api/conversations/${fx.y.id}/invites`, { headers: fx.headers.alice });
  const kim = await newGuest(ctx.call, 'Kim Invited');
  const joined = await ctx.call('POST', '/api/invites/accept', { headers: kim.headers, body: { invite: invite.body.invite } });
  if (withAnswers(joined) !== 'hidden') wrong.push(`invited guest on accept: ${withAnswers(joined)}`);
  const later = await ctx.call('GET', `/api/conversations/${fx.y.id}`, { headers: kim.headers });
  if (withAnswers(later) !== 'hidden') wrong.push(`invited guest: ${withAnswers(later)}`);
  assert.deepEqual(wrong, [], wrong.join('\n'));
});

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const hostileString = fc.oneof(
  fc.constantFrom('', '   ', 'x'.repeat(81), 'x'.repeat(501), 'Ann \u202Egnp.exe', 'a\r\nb', '<img src=x onerror=alert(1)>', 'Free', 'Pro', 'pro', '+49 30 1234567', '12', '1'.repeat(16), 'a@b.co', 'not-an-address', 'company', 'Company', '__proto__', 'constructor'),
  fc.string({ maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const anyValue = fc.oneof(hostileString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const key = fc.oneof(fc.constantFrom('company', 'phone', 'work', 'plan', 'a', 'Bad Key', '1st', 'x'.repeat(33), '__proto__'), fc.string({ maxLength: 12 }));
const field = fc.record(
  {
    key: fc.oneof({ weight: 4, arbitrary: key }, anyValue),
    label: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('Company', 'Phone', 'Ünïcode 🙂', 'x'.repeat(80)) }, hostileString, anyValue),
    type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('text', 'email', 'phone', 'select') }, anyValue),
    options: fc.oneof(fc.array(fc.oneof(fc.constantFrom('S', 'M', 'L'), hostileString), { maxLength: 22 }), anyValue),
    required: fc.oneof(fc.boolean(), anyValue),
  },
  { requiredKeys: ['key', 'label', 'type'] },
);
const ask = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('required', 'optional', 'hidden') }, anyValue);
const hostileForm = fc.oneof(
  { weight: 6, arbitrary: fc.record({ name: ask, email: ask, fields: fc.oneof({ weight: 5, arbitrary: fc.array(field, { maxLength: 12 }) }, anyValue) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyValue, { minKeys: 1, maxKeys: 3 }) },
  { weight: 1, arbitrary: anyValue },
);

test('hostile pre-chat forms: never 5xx; a refused one changes nothing; an accepted one obeys the rules', async (t) => {
  await setup();
  const made = await ctx.call('POST', '/api/admin/services', { headers: ctx.admin, body: { slug: 'forms', name: 'Forms' } });
  assert.equal(made.status, 201);
  let cases = 0;
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(hostileForm, async (prechat) => {
      cases += 1;
      const before = (await ctx.call('GET', '/api/public/services/forms')).body.prechat;
      const r = await ctx.call('PATCH', '/api/admin/services/forms', { headers: ctx.admin, body: { prechat } });
      assert.ok(r.status < 500, `5xx for ${JSON.stringify(prechat)}: ${r.status} ${JSON.stringify(r.body)}`);
      const after = (await ctx.call('GET', '/api/public/services/forms')).body.prechat;
      if (r.status !== 200) {
        assert.equal(r.status, 400, `${JSON.stringify(prechat)}: ${r.status}`);
        assert.equal(r.body.error.code, 'invalid_request');
        assert.ok(r.body.error.details.problems.every((p) => p.path.startsWith('prechat')), JSON.stringify(r.body.error));
        assert.deepEqual(after, before, 'a refused form changed the card');
        return;
      }
      accepted += 1;
      assert.deepEqual(after, r.body.prechat);
      assert.ok(['required', 'optional', 'hidden'].includes(after.name) && ['required', 'optional', 'hidden'].includes(after.email));
      assert.ok(after.fields.length <= 10);
      assert.equal(new Set(after.fields.map((f) => f.key)).size, after.fields.length, 'duplicate keys');
      for (const f of after.fields) {
        assert.match(f.key, /^[a-z][a-z0-9_]{0,31}$/);
        assert.ok(f.label.length >= 1 && f.label.length <= 80 && !CONTROL.test(f.label), f.label);
        assert.equal(typeof f.required, 'boolean');
        assert.equal(f.type === 'select', Array.isArray(f.options) && f.options.length > 0, JSON.stringify(f));
      }
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases}`);
  t.diagnostic(`accepted: ${accepted}`);
});

const valid = { company: fc.constantFrom('Acme', '  Ünïcode 🙂  '), phone: fc.constantFrom('+49 30 1234567', '(030) 123-4567', '0612345678'), work: fc.constantFrom('a@b.co', 'ann.lee@work.example'), plan: fc.constantFrom('Free', 'Pro') };
const hostileAnswers = fc.oneof(
  { weight: 6, arbitrary: fc.record(Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.oneof({ weight: 5, arbitrary: v }, hostileString, anyValue)])), { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.dictionary(key, anyValue, { minKeys: 1, maxKeys: 3 }) },
  { weight: 1, arbitrary: anyValue },
);
const conversationId = (guestId, serviceId) => `cv_${createHash('sha256').update(`${guestId}|service:${serviceId}`).digest('hex').slice(0, 32)}`;

test('hostile answers at start: never 5xx; refused ones create nothing; stored ones are what the form allows', async (t) => {
  const fx = await setup();
  let cases = 0;
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(hostileAnswers, async (answers) => {
      cases += 1;
      const guest = await newGuest(ctx.call, `Fuzz ${cases}`);
      const r = await ctx.call('POST', '/api/conversations', { headers: guest.headers, body: { target: { kind: 'service', slug: 'quiz' }, clientId: `f-${cases}`, text: 'hi', answers } });
      assert.ok(r.status < 500, `5xx for ${JSON.stringify(answers)}: ${r.status} ${JSON.stringify(r.body)}`);
      const id = conversationId(guest.id, fx.quizId);
      if (r.status !== 200) {
        assert.equal(r.status, 400, `${JSON.stringify(answers)}: ${r.status}`);
        assert.equal(r.body.error.code, 'invalid_request');
        assert.ok(r.body.error.details.problems.length > 0 && r.body.error.details.problems.every((p) => p.path === 'answers' || p.path.startsWith('answers.')), JSON.stringify(r.body.error));
        const seen = await ctx.call('GET', `/api/conversations/${id}/details`, { headers: fx.headers.alice });
        assert.equal(seen.status, 404, `a refused start created ${id}`);
        return;
      }
      accepted += 1;
      assert.equal(r.body.conversation.id, id);
      const stored = (await ctx.call('GET', `/api/conversations/${id}/details`, { headers: fx.headers.alice })).body.answers;
      const byKey = Object.fromEntries(stored.map((a) => [a.key, a]));
      assert.ok(byKey.phone && byKey.plan, 'the required answers are there');
      for (const a of stored) {
        const f = FORM.fields.find((x) => x.key === a.key);
        assert.ok(f, `unknown key ${a.key}`);
        assert.equal(a.label, f.label);
        assert.ok(a.value.length > 0 && a.value.length <= 500 && a.value.trim() === a.value, a.value);
        if (f.type === 'select') assert.ok(f.options.includes(a.value), a.value);
        if (f.type === 'phone') assert.match(a.value, /^\+?[0-9 ()./-]+$/);
        if (f.type === 'email') assert.match(a.value, /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      }
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`cases: ${cases}`);
  t.diagnostic(`accepted: ${accepted}`);
});
