// Authorization matrix: every route and every frame, for each kind of caller, allowed or
// refused as SPEC.md says (People, C8, C11, M4, M6; docs/api.md "Who may call what").
// A route missing from the table fails the test, so new routes must say who may call them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { bearer, conversationSocketUrl, FrameSocket, newGuest } from '../support/client.mjs';
import { demoAgent, expectCells as expect, log, newAgent, OK, ROLES, socketAnswer, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('authz');

// OK is any 2xx (101 for a socket).
const everyone = expect(OK);
// A genuine token of the other kind is an authenticated caller of the wrong kind: 403 agents_only / guests_only.
const agentRoute = (exceptions) => expect(401, { guestA: 403, guestB: 403, ...exceptions });
const guestsOnly = expect(401, { guestA: OK, guestB: OK, alice: 403, dave: 403, bob: 403 });
const agentsOnly = agentRoute({ alice: OK, dave: OK, bob: OK });
const adminOnly = expect(401, { admin: OK });

let unique = 0;
const next = () => (unique += 1);

let fixtures;
const setup = () => (fixtures ??= makeFixtures());

async function makeFixtures() {
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave'); // licensed, in no service: "an agent outside it"
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' }, 'gail@example.com');
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  const linked = await ctx.call('POST', `/api/conversations/${x.id}/contact`, { headers: bearer(alice.token), body: {} });
  assert.ok(linked.status < 300, JSON.stringify(linked.body));
  const from = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  // Whole hours only, so that one booking (with its buffer) never blocks the next slot handed out.
  const slotList = async (slug) =>
    (await ctx.call('GET', `/api/agents/${slug}/slots?timeZone=UTC&from=${from}&days=40&duration=15`)).body.slots.filter((s) => s.start.slice(14, 16) === '00');
  // Bob (basic) takes no meetings: his cells use Alice's times.
  const slots = { alice: await slotList('alice'), dave: await slotList('dave') };
  return {
    headers: {
      anon: {},
      guestA: x.guest.headers,
      guestB: p.guest.headers,
      alice: bearer(alice.token),
      dave: bearer(dave.token),
      bob: bearer(bob.token),
      admin: ctx.admin,
    },
    tokens: { guestA: x.guest.token, guestB: p.guest.token, alice: alice.token, dave: dave.token, bob: bob.token, admin: ctx.admin.authorization.slice(7) },
    alice,
    carol,
    x,
    p,
    contactId: linked.body.contact.id,
    slot: (slug = 'alice') => slots[slug].shift().start,
  };
}

// Fresh objects for cells that change or use up what they act on.
const freshConversation = (fx) => startConversation(ctx, `Ivy ${next()}`, { kind: 'service', slug: 'sales' }, `ivy${unique}@example.com`).then((c) => c.id);
const freshMeeting = async (fx) => {
  const r = await ctx.call('POST', '/api/agents/alice/bookings', {
    body: { start: fx.slot(), durationMinutes: 15, name: 'Mia Meet', email: `mia${next()}@example.com`, timeZone: 'UTC' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.meeting.id, token: decodeURIComponent(r.body.guestLink.split('#')[1] ?? r.body.guestLink.split('/').pop()) };
};
const freshContact = async (fx) =>
  (await ctx.call('POST', '/api/contacts', { headers: fx.headers.alice, body: { name: `Cy ${next()}`, email: `cy${unique}@example.com` } })).body.contact.id;
const currentFeed = async (fx) => new URL((await ctx.call('GET', '/api/calendar', { headers: fx.headers.alice })).body.feedUrl).pathname;
const anInvite = async () => new URL((await ctx.call('GET', '/dev/outbox.json?limit=50')).body.emails.find((e) => e.attachments.length).attachments[0].url, ctx.base).pathname;
const freshWebhook = async (fx) =>
  (await ctx.call('POST', '/api/admin/webhooks', { headers: fx.headers.admin, body: { url: 'https://hooks.example.com/doorbell', events: ['meeting.booked'] } })).body.webhook?.id ??
  assert.fail('webhook not created');
const freshInvite = async (fx) => (await ctx.call('POST', `/api/conversations/${await freshConversation(fx)}/invites`, { headers: fx.headers.alice })).body.invite;

/** Every route: how to call it, and what each role gets. `fresh` prepares an object per cell. */
const routes = [
  { route: 'GET /healthz', path: () => '/healthz', expect: everyone },
  { route: 'GET /openapi.json', path: () => '/openapi.json', expect: everyone },
  { route: 'GET /api/public/agents/{slug}', path: () => '/api/public/agents/alice', expect: everyone },
  { route: 'GET /api/public/services/{slug}', path: () => '/api/public/services/sales', expect: everyone },
  { route: 'POST /api/guests', path: () => '/api/guests', body: () => ({ name: 'Zed' }), expect: everyone },
  { route: 'GET /api/guests/me', path: () => '/api/guests/me', expect: guestsOnly },
  { route: 'GET /api/agents/me', path: () => '/api/agents/me', expect: agentsOnly },
  { route: 'GET /api/services', path: () => '/api/services', expect: agentsOnly },
  { route: 'GET /api/contacts', path: () => '/api/contacts', expect: agentsOnly },
  { route: 'POST /api/contacts', path: () => '/api/contacts', body: () => ({ name: 'Ned', email: `ned${next()}@example.com` }), expect: agentsOnly },
  { route: 'GET /api/contacts/{id}', path: (fx) => `/api/contacts/${fx.contactId}`, expect: agentsOnly },
  { route: 'PATCH /api/contacts/{id}', path: (fx) => `/api/contacts/${fx.contactId}`, body: () => ({ notes: `n${next()}` }), expect: agentsOnly },
  { route: 'DELETE /api/contacts/{id}', fresh: freshContact, path: (_fx, id) => `/api/contacts/${id}`, expect: agentsOnly },
  // C11: the phonebook is the organisation's: any agent who may open the conversation adds its guest.
  { route: 'POST /api/conversations/{id}/contact', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}/contact`, body: () => ({}), expect: agentsOnly },
  { route: 'POST /api/conversations/{id}/contact', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/contact`, body: () => ({}), expect: agentRoute({ alice: 404, dave: 404, bob: 404 }) },
  { route: 'GET /api/guests/{guestId}/contact', path: (fx) => `/api/guests/${fx.x.guest.id}/contact`, expect: agentsOnly },
  { route: 'POST /api/conversations', path: () => '/api/conversations', body: () => ({ target: { kind: 'service', slug: 'sales' }, clientId: `s${next()}`, text: 'hi' }), expect: guestsOnly },
  // C8: a public conversation opens for its guests and any agent; a private one only for participants.
  { route: 'GET /api/conversations/{id}', path: (fx) => `/api/conversations/${fx.x.id}`, expect: expect(OK, { anon: 401, admin: 401, guestB: 404 }) },
  { route: 'GET /api/conversations/{id}', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}`, expect: expect(404, { anon: 401, admin: 401, guestB: OK }) },
  { route: 'GET /api/conversations/{id}/messages', path: (fx) => `/api/conversations/${fx.x.id}/messages`, expect: expect(OK, { anon: 401, admin: 401, guestB: 404 }) },
  { route: 'GET /api/conversations/{id}/messages', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/messages`, expect: expect(404, { anon: 401, admin: 401, guestB: OK }) },
  { route: 'POST /api/conversations/{id}/messages', path: (fx) => `/api/conversations/${fx.x.id}/messages`, body: () => ({ clientId: `m${next()}`, text: 'hello' }), expect: expect(OK, { anon: 401, admin: 401, guestB: 404, bob: 403 }) },
  { route: 'POST /api/conversations/{id}/messages', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/messages`, body: () => ({ clientId: `m${next()}`, text: 'hello' }), expect: expect(404, { anon: 401, admin: 401, guestB: OK }) },
  // C3: anyone who can open a conversation may rename it (licensed agents, among agents).
  { route: 'PATCH /api/conversations/{id}', path: (fx) => `/api/conversations/${fx.x.id}`, body: () => ({ name: `Renamed ${next()}` }), expect: expect(OK, { anon: 401, admin: 401, guestB: 404, bob: 403 }) },
  { route: 'PATCH /api/conversations/{id}', name: 'make private', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}`, body: () => ({ visibility: 'private' }), expect: expect(403, { anon: 401, admin: 401, guestA: 404, guestB: 404, alice: OK }) },
  { route: 'PATCH /api/conversations/{id}', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}`, body: () => ({ name: `Renamed ${next()}` }), expect: expect(404, { anon: 401, admin: 401, guestB: OK }) },
  { route: 'GET /api/conversations/{id}/socket', socket: true, path: (fx) => fx.x.id, expect: expect(OK, { anon: 401, admin: 401, guestB: 404 }) },
  { route: 'GET /api/conversations/{id}/socket', name: 'private', socket: true, path: (fx) => fx.p.id, expect: expect(404, { anon: 401, admin: 401, guestB: OK }) },
  { route: 'POST /api/conversations/{id}/join', path: (fx) => `/api/conversations/${fx.x.id}/join`, expect: agentRoute({ alice: OK, dave: OK, bob: 403 }) },
  { route: 'POST /api/conversations/{id}/join', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/join`, expect: agentRoute({ alice: 404, dave: 404, bob: 404 }) },
  { route: 'POST /api/conversations/{id}/leave', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}/leave`, expect: agentRoute({ alice: OK, dave: 409, bob: 409 }) },
  { route: 'POST /api/conversations/{id}/assign', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}/assign`, body: () => ({ service: 'support' }), expect: agentRoute({ alice: OK, dave: OK, bob: 403 }) },
  { route: 'POST /api/conversations/{id}/invites', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}/invites`, expect: agentRoute({ alice: OK, dave: OK, bob: 403 }) },
  { route: 'POST /api/invites/accept', fresh: freshInvite, path: () => '/api/invites/accept', body: (_fx, invite) => ({ invite }), expect: guestsOnly },
  { route: 'GET /api/inbox', path: () => '/api/inbox', expect: agentsOnly },
  { route: 'GET /api/inbox/settings', path: () => '/api/inbox/settings', expect: agentsOnly },
  { route: 'PATCH /api/inbox/settings', path: () => '/api/inbox/settings', body: () => ({ emailWhenOffline: false }), expect: agentsOnly },
  { route: 'GET /api/inbox/socket', socket: 'inbox', path: () => '/api/inbox/socket', expect: agentsOnly },
  // What each caller finds: test/faults/search.test.mjs.
  { route: 'GET /api/search', path: () => '/api/search?q=hello', expect: expect(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK }) },
  // C11: CRM pushes by licensed agent participants; until a CRM is configured the answer says so (409).
  { route: 'POST /api/conversations/{id}/crm', fresh: freshConversation, path: (_fx, id) => `/api/conversations/${id}/crm`, body: () => ({ provider: 'hubspot' }), expect: agentRoute({ alice: 409, dave: 403, bob: 403 }) },
  { route: 'GET /api/conversations/{id}/crm', path: (fx) => `/api/conversations/${fx.x.id}/crm`, expect: agentsOnly },
  { route: 'GET /api/conversations/{id}/crm', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/crm`, expect: agentRoute({ alice: 404, dave: 404, bob: 404 }) },
  // Meetings: slots and booking are public (the calendar link); a meeting link is its own key.
  { route: 'GET /api/agents/{slug}/slots', path: () => `/api/agents/alice/slots?timeZone=UTC&from=${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}`, expect: everyone },
  { route: 'POST /api/agents/{slug}/bookings', path: () => '/api/agents/alice/bookings', body: (fx) => ({ start: fx.slot(), durationMinutes: 15, name: 'Bea Book', email: `bea${next()}@example.com`, timeZone: 'UTC' }), expect: everyone },
  { route: 'GET /api/meetings/{token}', fresh: freshMeeting, path: (_fx, m) => `/api/meetings/${encodeURIComponent(m.token)}`, expect: everyone },
  { route: 'GET /api/meetings/{token}', name: 'tampered', fresh: freshMeeting, path: (_fx, m) => `/api/meetings/${encodeURIComponent(m.token.slice(0, -3) + 'AAA')}`, expect: expect(401) },
  { route: 'POST /api/meetings/{token}/reschedule', fresh: freshMeeting, path: (_fx, m) => `/api/meetings/${encodeURIComponent(m.token)}/reschedule`, body: (fx) => ({ start: fx.slot() }), expect: everyone },
  { route: 'POST /api/meetings/{token}/cancel', fresh: freshMeeting, path: (_fx, m) => `/api/meetings/${encodeURIComponent(m.token)}/cancel`, expect: everyone },
  // M6: every agent has a calendar of their own, and only theirs.
  { route: 'GET /api/calendar', path: () => '/api/calendar', expect: agentsOnly },
  { route: 'PATCH /api/calendar/settings', path: () => '/api/calendar/settings', body: () => ({ confirmation: 'auto' }), expect: agentsOnly },
  { route: 'POST /api/calendar/feed/rotate', path: () => '/api/calendar/feed/rotate', expect: agentsOnly },
  { route: 'GET /api/calendar/socket', socket: 'calendar', path: () => '/api/calendar/socket', expect: agentsOnly },
  { route: 'POST /api/calendar/meetings', path: () => '/api/calendar/meetings', body: (fx, _o, role) => ({ start: fx.slot(role === 'dave' ? 'dave' : 'alice'), durationMinutes: 15, name: 'Ola Own', email: `ola${next()}@example.com`, timeZone: 'UTC' }), expect: agentRoute({ alice: OK, dave: OK, bob: 409 }) },
  { route: 'PATCH /api/calendar/meetings/{id}', fresh: freshMeeting, path: (_fx, m) => `/api/calendar/meetings/${m.id}`, body: () => ({ durationMinutes: 30 }), expect: agentRoute({ alice: OK, dave: 404, bob: 404 }) },
  { route: 'DELETE /api/calendar/meetings/{id}', fresh: freshMeeting, path: (_fx, m) => `/api/calendar/meetings/${m.id}`, expect: agentRoute({ alice: OK, dave: 404, bob: 404 }) },
  { route: 'POST /api/calendar/meetings/{id}/respond', fresh: freshMeeting, path: (_fx, m) => `/api/calendar/meetings/${m.id}/respond`, body: () => ({ answer: 'accept' }), expect: agentRoute({ alice: OK, dave: 404, bob: 404 }) },
  { route: 'GET /api/feeds/{slug}/{secret}', fresh: currentFeed, path: (_fx, feed) => feed, expect: everyone },
  { route: 'GET /api/feeds/{slug}/{secret}', name: 'wrong secret', fresh: currentFeed, path: (_fx, feed) => feed.replace(/.{4}$/, 'zzzz'), expect: expect(404) },
  // Development only (ENVIRONMENT=development): the outbox, to everyone on this machine.
  { route: 'GET /dev/outbox', path: () => '/dev/outbox', expect: everyone },
  { route: 'GET /dev/outbox.json', path: () => '/dev/outbox.json', expect: everyone },
  { route: 'GET /dev/outbox/{id}/attachments/{index}', fresh: anInvite, path: (_fx, url) => url, expect: everyone },
  // The directory belongs to the admin.
  { route: 'GET /api/admin/agents', path: () => '/api/admin/agents', expect: adminOnly },
  { route: 'POST /api/admin/agents', path: () => '/api/admin/agents', body: () => ({ slug: `new${next()}`, name: 'New', email: `new${unique}@example.com`, license: 'basic', timeZone: 'UTC' }), expect: adminOnly },
  { route: 'GET /api/admin/agents/{slug}', path: () => '/api/admin/agents/alice', expect: adminOnly },
  { route: 'PATCH /api/admin/agents/{slug}', path: () => '/api/admin/agents/carol', body: () => ({ name: 'Carol Diaz' }), expect: adminOnly },
  { route: 'DELETE /api/admin/agents/{slug}', fresh: (fx) => newAgent(ctx, `gone${next()}`).then((a) => a.slug), path: (_fx, slug) => `/api/admin/agents/${slug}`, expect: adminOnly },
  { route: 'GET /api/admin/webhooks', path: () => '/api/admin/webhooks', expect: adminOnly },
  { route: 'POST /api/admin/webhooks', path: () => '/api/admin/webhooks', body: () => ({ url: 'https://hooks.example.com/doorbell', events: ['meeting.booked'] }), expect: adminOnly },
  { route: 'GET /api/admin/webhooks/{id}', fresh: freshWebhook, path: (_fx, id) => `/api/admin/webhooks/${id}`, expect: adminOnly },
  { route: 'PATCH /api/admin/webhooks/{id}', fresh: freshWebhook, path: (_fx, id) => `/api/admin/webhooks/${id}`, body: () => ({ enabled: false }), expect: adminOnly },
  { route: 'DELETE /api/admin/webhooks/{id}', fresh: freshWebhook, path: (_fx, id) => `/api/admin/webhooks/${id}`, expect: adminOnly },
  { route: 'GET /api/admin/webhooks/{id}/deliveries', fresh: freshWebhook, path: (_fx, id) => `/api/admin/webhooks/${id}/deliveries`, expect: adminOnly },
  { route: 'GET /api/admin/services', path: () => '/api/admin/services', expect: adminOnly },
  { route: 'POST /api/admin/services', path: () => '/api/admin/services', body: () => ({ slug: `svc${next()}`, name: 'Svc' }), expect: adminOnly },
  { route: 'GET /api/admin/services/{slug}', path: () => '/api/admin/services/sales', expect: adminOnly },
  { route: 'PATCH /api/admin/services/{slug}', path: () => '/api/admin/services/billing', body: () => ({ name: 'Billing' }), expect: adminOnly },
  { route: 'DELETE /api/admin/services/{slug}', fresh: (fx) => ctx.call('POST', '/api/admin/services', { headers: fx.headers.admin, body: { slug: `tmp${next()}`, name: 'Tmp' } }).then((r) => r.body.slug), path: (_fx, slug) => `/api/admin/services/${slug}`, expect: adminOnly },
  { route: 'PUT /api/admin/services/{slug}/members/{agentSlug}', path: () => '/api/admin/services/billing/members/carol', expect: adminOnly },
  { route: 'DELETE /api/admin/services/{slug}/members/{agentSlug}', fresh: (fx) => ctx.call('PUT', '/api/admin/services/support/members/bob', { headers: fx.headers.admin }), path: () => '/api/admin/services/support/members/bob', expect: adminOnly },
];

/** The answer a role gets: 'ok' for any 2xx or an opened socket, else the status. */
async function answer(entry, fx, role) {
  const made = entry.fresh ? await entry.fresh(fx) : undefined;
  const path = entry.path(fx, made, role);
  if (entry.socket) {
    const token = fx.tokens[role];
    const url =
      entry.socket === true
        ? conversationSocketUrl(ctx.base, path, token ?? '')
        : `${ctx.base.replace(/^http/, 'ws')}${path}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    return socketAnswer(token ? url : url.replace(/[?&]token=[^&]*/, ''));
  }
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, path, { headers: fx.headers[role], body: entry.body?.(fx, made, role) });
  if (r.status >= 200 && r.status < 300) return OK;
  if (r.status >= 400 && typeof r.body?.error?.message !== 'string') return `${r.status} without an error body`;
  return r.status;
}

test('every route × every caller is allowed or refused as the spec says', async (t) => {
  const fx = await setup();
  const doc = (await ctx.call('GET', '/openapi.json')).body;
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  // A feature's own file may hold its rows (e.g. canned.test.mjs), written `route: 'METHOD /path'` as here.
  const elsewhere = readdirSync(new URL('.', import.meta.url))
    .filter((f) => f.endsWith('.test.mjs') && f !== 'authz.test.mjs')
    .flatMap((f) => [...readFileSync(new URL(f, import.meta.url), 'utf8').matchAll(/route: '([A-Z]+ \/[^']*)'/g)].map((m) => m[1]));
  // The invite routes' cells are in hostile-chat.test.mjs.
  const covered = new Set([...routes.map((r) => r.route), ...elsewhere, 'GET /api/conversations/{id}/invites', 'DELETE /api/conversations/{id}/invites/{inviteId}']);
  assert.deepEqual(documented.filter((r) => !covered.has(r)), [], 'routes with no row in the authorization matrix');

  const wrong = [];
  const table = [];
  for (const entry of routes) {
    const row = [];
    for (const role of ROLES) {
      const got = await answer(entry, fx, role);
      row.push(got === entry.expect[role] ? String(got) : `${got}≠${entry.expect[role]}`);
      if (got !== entry.expect[role]) wrong.push(`${entry.route}${entry.name ? ` (${entry.name})` : ''} as ${role}: got ${got}, expected ${entry.expect[role]}`);
    }
    table.push(`${(entry.route + (entry.name ? ` (${entry.name})` : '')).padEnd(66)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(66)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${routes.length * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the spec:\n${wrong.join('\n')}`);
});

// Frames on a public conversation's socket, for everyone who may open it: what each gets back.
// Watching agents may read; a send joins a licensed one first (C8) and is refused to a basic one,
// and so is typing (only who may write shows typing). `null`: nothing comes back to the sender.
const FRAMES = {
  send: (who) => ({ type: 'send', clientId: `f-${who}-${next()}`, text: `frame from ${who}` }),
  typing: () => ({ type: 'typing', typing: true }),
  read: () => ({ type: 'read', seq: 1 }),
  resume: () => ({ type: 'resume', since: 0 }),
  ping: () => ({ type: 'ping' }),
  // A mark this socket was never sent: accepted from anyone, answered by nothing.
  received: () => ({ type: 'received', mark: 'never-sent' }),
};
const frameExpect = {
  guestA: { send: 'ack', typing: null, read: null, resume: 'caught_up', ping: 'pong', received: null },
  alice: { send: 'ack', typing: null, read: null, resume: 'caught_up', ping: 'pong', received: null },
  dave: { send: 'ack', typing: null, read: null, resume: 'caught_up', ping: 'pong', received: null },
  bob: { send: 'error:agent_not_licensed', typing: 'error:agent_not_licensed', read: null, resume: 'caught_up', ping: 'pong', received: null },
};

test('every frame × everyone who may open the socket gets the answer the spec says', async (t) => {
  const fx = await setup();
  const wrong = [];
  for (const [role, expected] of Object.entries(frameExpect)) {
    const socket = new FrameSocket(conversationSocketUrl(ctx.base, fx.x.id, fx.tokens[role]));
    await socket.opened;
    await socket.waitFor((f) => f.type === 'welcome', 'welcome');
    for (const [type, make] of Object.entries(FRAMES)) {
      const seen = socket.frames.length;
      const frame = make(role);
      if (type === 'ping') socket.sendRaw('{"type":"ping"}');
      else socket.send(frame);
      // Answers to the sender: its ack/error/caught_up/pong; read frames echo to everyone.
      const mine = (f) => (f.type === 'ack' || f.type === 'error') ? f.clientId === frame.clientId || !frame.clientId : ['caught_up', 'pong'].includes(f.type);
      const answer = await socket.waitFor((f) => socket.frames.indexOf(f) >= seen && mine(f), 'an answer', expected[type] ? 5000 : 600).catch(() => null);
      const got = answer ? (answer.type === 'error' ? `error:${answer.code}` : answer.type) : null;
      if (got !== expected[type]) wrong.push(`${type} as ${role}: got ${got}, expected ${expected[type]}`);
    }
    socket.close();
  }
  t.diagnostic(`cases: ${Object.keys(frameExpect).length * Object.keys(FRAMES).length}`);
  assert.deepEqual(wrong, [], `frames answered differently from the spec:\n${wrong.join('\n')}`);
});
