// Fuzz (fast-check): generated bad input against every HTTP route of the OpenAPI document and
// every WebSocket frame type. Every answer is a 4xx or an error frame, never a 5xx or a crash,
// and nothing changes: the state readable through the API is the same before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { agentToken } from '../support/dev-server.mjs';
import { bearer, conversationSocketUrl, FrameSocket } from '../support/client.mjs';
import { demoAgent, log, startConversation, timeline, useServer } from './fixtures.mjs';

const ctx = useServer('fuzz');
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const encoder = new TextEncoder();

/** Real ids to put in paths, so that bodies and tokens are judged past the lookup. */
async function fixtures() {
  const alice = await demoAgent('alice');
  const { guest, id } = await startConversation(ctx, 'Fay Fuzz', { kind: 'service', slug: 'sales' }, 'fay@example.com');
  const contact = await ctx.call('POST', '/api/conversations/' + id + '/contact', { headers: bearer(alice.token), body: {} });
  const from = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const slots = await ctx.call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${from}&days=14&duration=30`);
  const booked = await ctx.call('POST', '/api/agents/alice/bookings', {
    body: { start: slots.body.slots[0].start, durationMinutes: 30, name: 'Fay Fuzz', email: 'fay@example.com', timeZone: 'UTC' },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const meetingToken = new URL(booked.body.guestLink).hash.slice(1) || booked.body.guestLink.split('/').pop();
  return { alice, guest, conversationId: id, contactId: contact.body?.contact?.id ?? 'ct_none', meetingId: booked.body.meeting.id, meetingToken };
}

/** A value for each path parameter, chosen by the path it is in. */
function pathFor(template, f, override = {}) {
  return template.replace(/\{(\w+)\}/g, (_m, name) => {
    if (name in override) return encodeURIComponent(override[name]);
    if (name === 'id' && template.startsWith('/api/conversations')) return f.conversationId;
    if (name === 'id' && template.startsWith('/api/contacts')) return f.contactId;
    if (name === 'id' && template.startsWith('/api/calendar/meetings')) return f.meetingId;
    if (name === 'token') return f.meetingToken;
    if (name === 'guestId') return f.guest.id;
    if (name === 'agentSlug') return 'alice';
    if (name === 'slug') return template.includes('services') ? 'support' : 'alice';
    return 'x';
  });
}

/** The state a client can read: what must not change under bad input. */
async function snapshot(f) {
  const reads = [
    ['GET', '/api/admin/agents', ctx.admin],
    ['GET', '/api/admin/services', ctx.admin],
    ['GET', '/api/contacts', bearer(f.alice.token)],
    ['GET', `/api/conversations/${f.conversationId}/messages?after=0&limit=200`, f.guest.headers],
    ['GET', '/api/calendar', bearer(f.alice.token)],
    ['GET', '/api/guests/me', f.guest.headers],
    ['GET', '/dev/outbox.json?limit=500', {}],
  ];
  const out = {};
  for (const [method, path, headers] of reads) out[path] = (await ctx.call(method, path, { headers })).body;
  return out;
}

const tokenFor = (security, f) => {
  const kinds = security.flatMap((s) => Object.keys(s));
  if (kinds.includes('adminToken')) return ctx.admin;
  if (kinds.includes('agentJwt')) return bearer(f.alice.token);
  if (kinds.includes('guestToken')) return f.guest.headers;
  return {};
};

// Strings no route accepts as an id or slug: unicode, controls, huge, encodings. ('.' and '..'
// are left out: the client's URL parser resolves them before sending, into another valid path.)
const badSegment = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => s !== '.' && s !== '..'),
  fc.constantFrom('...', '%00', '%ff', 'a'.repeat(5000), 'cv_' + 'f'.repeat(32), 'null', '0', '-1', '🙂', '<script>'),
);
const json = fc.jsonValue({ maxDepth: 4 });
// Bodies of the wrong shape: scalars, arrays, objects with unknown keys or wrongly typed fields.
const badBody = (schema) =>
  fc.oneof(
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(json, { maxLength: 4 })),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(k in (schema.properties ?? {}))), json, { minKeys: 1, maxKeys: 4 }),
    ...(schema.properties && Object.keys(schema.properties).length
      ? [fc.record(Object.fromEntries(Object.keys(schema.properties).map((k) => [k, fc.oneof(fc.array(json, { minLength: 1, maxLength: 3 }), fc.object({ maxDepth: 1 }).filter((o) => Object.keys(o).length > 0))])), { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0)]
      : []),
  );
// Bytes no JSON route accepts: not JSON, invalid UTF-8 (also inside a string), deep, huge, wrong type.
const badRaw = (schema) => {
  const key = Object.keys(schema.properties ?? { name: 1 })[0];
  const invalidUtf8 = Buffer.concat([Buffer.from(`{"${key}":"ok `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
  return fc.constantFrom(
    { raw: 'not json', type: 'application/json' },
    { raw: '{"a":', type: 'application/json' },
    { raw: invalidUtf8, type: 'application/json' },
    { raw: Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), type: 'application/json' },
    { raw: '['.repeat(30000) + ']'.repeat(30000), type: 'application/json' },
    { raw: JSON.stringify({ [key]: 'x'.repeat(70 * 1024) }), type: 'application/json' },
    { raw: JSON.stringify({ [key]: 'x' }), type: 'text/plain' },
  );
};
const badToken = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImFsaWNlQGRvb3JiZWxsLmV4YW1wbGUifQ.', 'Bearer', 'a.b.c', 'x'.repeat(10000)),
);

test('every HTTP route answers generated bad input with a 4xx and changes nothing', async (t) => {
  const f = await fixtures();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const before = await snapshot(f);
  // Tokens that verify but must still be refused: expired, and signed with another secret.
  const expired = await agentToken('alice@doorbell.example', '-1m');
  const forged = await agentToken('alice@doorbell.example').then((tk) => tk.slice(0, -4) + (tk.endsWith('AAAA') ? 'BBBB' : 'AAAA'));
  let cases = 0;
  const failures = [];
  const expect4xx = async (label, method, path, init) => {
    cases += 1;
    let r;
    try {
      r = await ctx.call(method, path, init);
    } catch (e) {
      failures.push(`${label} ${method} ${path.slice(0, 120)}: no answer (${e.message})`);
      return;
    }
    if (r.status < 400 || r.status > 499 || typeof r.body?.error?.message !== 'string') {
      const sent = init.raw ?? JSON.stringify(init.body ?? init.headers);
      failures.push(`${label} ${method} ${path.slice(0, 120)} ${String(sent).slice(0, 80)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    }
  };
  const ops = Object.entries(doc.paths).flatMap(([template, methods]) => Object.entries(methods).map(([method, op]) => ({ template, method: method.toUpperCase(), op })));
  for (const { template, method, op } of ops) {
    const auth = tokenFor(op.security, f);
    const path = pathFor(template, f);
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
    // Every failing input is collected (not just the first), so one run names all the routes at fault.
    const run = (arb, body) => fc.assert(fc.asyncProperty(arb, body), { numRuns: RUNS });
    if (params.length) {
      for (const name of params) {
        await run(badSegment, (segment) => expect4xx('path', method, pathFor(template, f, { [name]: segment }), { headers: auth, body: bodySchema ? {} : undefined }));
      }
    }
    if (bodySchema) {
      await run(badBody(bodySchema), (body) => expect4xx('body', method, path, { headers: auth, body }));
      await run(badRaw(bodySchema), ({ raw, type }) => expect4xx('raw body', method, path, { headers: { ...auth, 'content-type': type }, raw }));
    }
    if (op.security.length) {
      await run(badToken, (token) => expect4xx('token', method, path, { headers: { authorization: `Bearer ${token}` }, body: bodySchema ? {} : undefined }));
      for (const token of [expired, forged]) await expect4xx('token', method, path, { headers: bearer(token), body: bodySchema ? {} : undefined });
      await expect4xx('no token', method, path, { body: bodySchema ? {} : undefined });
    }
    const query = (op.parameters ?? []).filter((p) => p.in === 'query');
    if (query.length && method === 'GET') {
      // Queries are often free text (a search): any answer but a 5xx is right.
      await fc.assert(
        fc.asyncProperty(fc.dictionary(fc.constantFrom(...query.map((q) => q.name)), fc.string({ unit: 'binary', maxLength: 50 })), async (q) => {
          cases += 1;
          const r = await ctx.call('GET', `${path}?${new URLSearchParams(q)}`, { headers: auth });
          if (r.status >= 500) failures.push(`query GET ${path} ${JSON.stringify(q)} → ${r.status}`);
        }),
        { numRuns: RUNS },
      );
    }
  }
  log(`${ops.length} operations, ${cases} bad requests`);
  assert.deepEqual(failures, [], `answers that were not a 4xx with an error body:\n${failures.join('\n')}`);
  assert.deepEqual(await snapshot(f), before, 'bad input changed the state');
  t.diagnostic(`cases: ${cases}`);
});

// Frames that no socket accepts: every one is answered with an error frame.
const frameTypes = ['send', 'typing', 'read', 'resume', 'ping', 'received'];
const wrongTyped = { send: { clientId: [1], text: 42 }, typing: { typing: 'yes' }, read: { seq: -1 }, resume: { since: 'x' }, ping: { extra: true }, received: { mark: 'm'.repeat(65) } };
const badFrame = fc.oneof(
  fc.constantFrom(...frameTypes).map((type) => JSON.stringify({ type, ...wrongTyped[type] })),
  fc.constantFrom(...frameTypes).chain((type) => fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'type'), json, { minKeys: 1, maxKeys: 3 }).map((extra) => JSON.stringify({ ...extra, type, zzUnknown: 1 }))),
  fc.string({ maxLength: 30 }).filter((type) => !frameTypes.includes(type)).map((type) => JSON.stringify({ type })),
  json.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    'not json',
    '{"type":"send"',
    JSON.stringify({ type: 'send', clientId: 'ok-1', text: 'x'.repeat(5000) }),
    JSON.stringify({ type: 'send', clientId: 'ok-2', text: '   ' }),
    JSON.stringify({ type: 'send', clientId: 'bad id with spaces', text: 'hello' }),
    JSON.stringify({ type: 'send', clientId: 'ok-3', text: 'y'.repeat(20 * 1024) }),
    '['.repeat(5000) + ']'.repeat(5000),
  ),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])).map((bytes) => ({ binary: bytes })),
);

test('every WebSocket frame type answers generated bad frames with an error frame and changes nothing', async (t) => {
  const alice = await demoAgent('alice');
  const { guest, id } = await startConversation(ctx, 'Finn Frames');
  const before = await timeline(ctx, id, guest.headers);
  let cases = 0;
  for (const token of [guest.token, alice.token]) {
    const socket = new FrameSocket(conversationSocketUrl(ctx.base, id, token));
    await socket.opened;
    await socket.waitFor((f) => f.type === 'welcome', 'welcome');
    // The frame that follows every welcome (docs/protocol.md "Availability") is no answer to a bad frame.
    await socket.waitFor((f) => f.type === 'availability', 'availability');
    await fc.assert(
      fc.asyncProperty(badFrame, async (frame) => {
        cases += 1;
        const seen = socket.frames.length;
        if (frame.binary) socket.sendRaw(frame.binary, true);
        else socket.sendRaw(frame);
        const answer = await socket.waitFor((f, i) => socket.frames.indexOf(f) >= seen, 'an answer', 5000);
        assert.equal(answer.type, 'error', `answer to ${String(frame.binary ?? frame).slice(0, 100)}: ${JSON.stringify(answer)}`);
        assert.equal(typeof answer.message, 'string');
        // Stay under the rate limit (50 frames a second) so every frame is judged on its content.
        await new Promise((r) => setTimeout(r, 25));
      }),
      { numRuns: RUNS * 10 },
    );
    assert.ok(socket.open, 'the socket is still open after bad frames');
    socket.send({ type: 'send', clientId: `after-fuzz-${cases}`, text: 'still works' });
    await socket.waitFor((f) => f.type === 'ack', 'ack for a good frame after the bad ones');
    socket.close();
  }
  const after = await timeline(ctx, id, guest.headers);
  assert.deepEqual(after.slice(0, before.length), before);
  assert.deepEqual(after.slice(before.length).map((e) => e.text), ['still works', 'still works'], 'only the two good messages were added');

  // Wrong origins: a guest's socket from a site not allowed to embed is refused before upgrade.
  const evil = new FrameSocket(conversationSocketUrl(ctx.base, id, guest.token), { origin: 'https://evil.example' });
  await assert.rejects(evil.opened, (e) => e.status === 403);
  cases += 1;
  t.diagnostic(`cases: ${cases}`);
});
