// Hostile use of conversations (issue "hardening conversations"): replays that would exhaust an
// object's memory, and who may list, revoke and use invite links (cells in the style of
// authz.test.mjs, for the routes added here), with invalid input for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, workerdPids } from '../../bench/lib/servers.mjs';
import { bearer, conversationSocketUrl, FrameSocket, newGuest } from '../support/client.mjs';
import { demoAgent, expectCells as cells, log, newAgent, OK, ROLES, startConversation, useServer } from './fixtures.mjs';

const ctx = useServer('hostile-chat');

/** The guest's conversation with `entries` entries in all (its `created` event and first message included). */
async function conversationWithHistory(name, entries) {
  const c = await startConversation(ctx, name, { kind: 'agent', slug: 'alice' });
  const texts = Array.from({ length: entries - 2 }, (_, i) => `message ${i} ${'x'.repeat(200)}`);
  for (let i = 0; i < texts.length; i += 10) {
    await Promise.all(
      texts.slice(i, i + 10).map(async (text, j) => {
        const r = await ctx.call('POST', `/api/conversations/${c.id}/messages`, { headers: c.guest.headers, body: { clientId: `h-${i + j}`, text } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }),
    );
  }
  return c;
}

test('200 resumes from a client that does not read cannot make the runtime hold their replays', async (t) => {
  const HISTORY = 600;
  const RESUMES = 200;
  const c = await conversationWithHistory('Rita Resume', HISTORY);
  // wrangler dev runs more than one workerd (its proxy, then the Worker): count them all.
  const pids = workerdPids(ctx.server.pid);
  assert.ok(pids.length > 0, 'workerd processes of wrangler dev');
  const rss = () => Math.round(pids.reduce((sum, pid) => sum + (rssMiB(pid) ?? 0), 0) * 10) / 10;
  const socket = new FrameSocket(conversationSocketUrl(ctx.base, c.id, c.guest.token));
  await socket.opened;
  await socket.waitFor((f) => f.type === 'welcome', 'welcome');
  await sleep(1000);
  const before = rss();

  // Stop reading: what the server sends piles up in the kernel's buffers, then in workerd's.
  socket.ws._socket.pause();
  for (let i = 0; i < RESUMES; i++) socket.send({ type: 'resume', since: 0 });
  let peak = before;
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    peak = Math.max(peak, rss());
  }
  const grown = Math.round((peak - before) * 10) / 10;
  socket.ws._socket.resume();
  await socket.waitFor(() => socket.frames.filter((f) => f.type === 'caught_up').length === RESUMES, 'every caught_up', 60_000).catch(() => null);
  const received = socket.frames.filter((f) => f.type === 'entry').length;
  const caughtUp = socket.frames.filter((f) => f.type === 'caught_up').length;
  const summary = `workerd RSS before ${before} MiB, peak ${peak} MiB (+${grown} MiB); ${received} entries and ${caughtUp} caught_up received`;
  log(summary);
  t.diagnostic(`memory: ${summary}`);
  t.diagnostic(`cases: ${RESUMES}`);
  socket.terminate();
  assert.ok(grown < 64, `the runtime grew by ${grown} MiB`);
  // Every resume is answered, but each entry went out once: the replays were coalesced.
  assert.equal(caughtUp, RESUMES);
  assert.equal(received, HISTORY);
});

// Who may list, withdraw and use invite links: the cells of the authorization matrix
// (authz.test.mjs) for the invite routes, with the same seven kinds of caller.

let fixtures;
async function inviteFixtures() {
  if (fixtures) return fixtures;
  const alice = await demoAgent('alice');
  const carol = await demoAgent('carol');
  const bob = await demoAgent('bob');
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  assert.equal(priv.status, 200, JSON.stringify(priv.body));
  fixtures = {
    headers: { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin },
    carol: bearer(carol.token),
    x,
    p,
  };
  return fixtures;
}

const makeInvite = async (fx, conversation, headers = fx.headers.alice, maxUses = 1) => {
  const r = await ctx.call('POST', `/api/conversations/${conversation.id}/invites`, { headers, body: { maxUses } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};
const usedInvite = async (fx) => {
  const invite = await makeInvite(fx, fx.x);
  const taker = await newGuest(ctx.call, `Taker ${Math.random()}`);
  assert.equal((await ctx.call('POST', '/api/invites/accept', { headers: taker.headers, body: { invite: invite.invite } })).status, 200);
  return invite;
};
const revokedInvite = async (fx) => {
  const invite = await makeInvite(fx, fx.x);
  assert.equal((await ctx.call('DELETE', `/api/conversations/${fx.x.id}/invites/${invite.id}`, { headers: fx.headers.alice })).status, 200);
  return invite;
};

const inviteRoutes = [
  { route: 'POST /api/conversations/{id}/invites', name: 'maxUses', path: (fx) => `/api/conversations/${fx.x.id}/invites`, body: () => ({ maxUses: 3 }), expect: cells(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: 403 }) },
  { route: 'POST /api/conversations/{id}/invites', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/invites`, expect: cells(401, { guestA: 403, guestB: 403, alice: 404, dave: 404, bob: 404 }) },
  { route: 'GET /api/conversations/{id}/invites', path: (fx) => `/api/conversations/${fx.x.id}/invites`, expect: cells(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: OK }) },
  { route: 'GET /api/conversations/{id}/invites', name: 'private', path: (fx) => `/api/conversations/${fx.p.id}/invites`, expect: cells(401, { guestA: 403, guestB: 403, alice: 404, dave: 404, bob: 404 }) },
  { route: 'DELETE /api/conversations/{id}/invites/{inviteId}', fresh: (fx) => makeInvite(fx, fx.x), path: (fx, i) => `/api/conversations/${fx.x.id}/invites/${i.id}`, expect: cells(401, { guestA: 403, guestB: 403, alice: OK, dave: OK, bob: 403 }) },
  { route: 'DELETE /api/conversations/{id}/invites/{inviteId}', name: 'private', fresh: (fx) => makeInvite(fx, fx.p, fx.carol), path: (fx, i) => `/api/conversations/${fx.p.id}/invites/${i.id}`, expect: cells(401, { guestA: 403, guestB: 403, alice: 404, dave: 404, bob: 404 }) },
  { route: 'POST /api/invites/accept', name: 'used up', fresh: usedInvite, path: () => '/api/invites/accept', body: (_fx, i) => ({ invite: i.invite }), expect: cells(401, { guestA: OK, guestB: 410, alice: 403, dave: 403, bob: 403 }) },
  // The token is the right to see who invites to what: every caller alike, anonymous included.
  { route: 'POST /api/invites/preview', name: 'open', fresh: (fx) => makeInvite(fx, fx.x), path: () => '/api/invites/preview', body: (_fx, i) => ({ invite: i.invite }), expect: cells(OK) },
  { route: 'POST /api/invites/preview', name: 'used up', fresh: usedInvite, path: () => '/api/invites/preview', body: (_fx, i) => ({ invite: i.invite }), expect: cells(410) },
  { route: 'POST /api/invites/preview', name: 'revoked', fresh: revokedInvite, path: () => '/api/invites/preview', body: (_fx, i) => ({ invite: i.invite }), expect: cells(410) },
  { route: 'POST /api/invites/accept', name: 'revoked', fresh: revokedInvite, path: () => '/api/invites/accept', body: (_fx, i) => ({ invite: i.invite }), expect: cells(401, { guestA: OK, guestB: 410, alice: 403, dave: 403, bob: 403 }) },
];

test('the invite routes × every caller are allowed or refused as documented', async (t) => {
  const fx = await inviteFixtures();
  const wrong = [];
  const table = [];
  for (const entry of inviteRoutes) {
    const row = [];
    for (const role of ROLES) {
      const made = entry.fresh ? await entry.fresh(fx) : undefined;
      const r = await ctx.call(entry.route.split(' ')[0], entry.path(fx, made), { headers: fx.headers[role], body: entry.body?.(fx, made) });
      const got = r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
      row.push(got === entry.expect[role] ? String(got) : `${got}≠${entry.expect[role]}`);
      if (got !== entry.expect[role]) wrong.push(`${entry.route}${entry.name ? ` (${entry.name})` : ''} as ${role}: got ${got}, expected ${entry.expect[role]}`);
    }
    table.push(`${(entry.route + (entry.name ? ` (${entry.name})` : '')).padEnd(66)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(66)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${inviteRoutes.length * ROLES.length}`);
  assert.deepEqual(wrong, [], `cells that differ from the docs:\n${wrong.join('\n')}`);
});

test('invalid invite requests get a 4xx with the error envelope and change nothing', async (t) => {
  const fx = await inviteFixtures();
  const base = `/api/conversations/${fx.x.id}/invites`;
  const listed = async () => (await ctx.call('GET', base, { headers: fx.headers.alice })).body.invites;
  const open = await makeInvite(fx, fx.x);
  const before = await listed();
  const cases = [
    ...[0, -1, 21, 1000, 1.5, '1', null, true, [], {}, 'many'].map((maxUses) => ({ method: 'POST', path: base, body: { maxUses }, status: 400 })),
    { method: 'POST', path: base, body: { maxUses: 1, uses: 5 }, status: 400 },
    { method: 'POST', path: base, body: [1], status: 400 },
    { method: 'POST', path: base, raw: '{"maxUses":', type: 'application/json', status: 400 },
    { method: 'POST', path: base, raw: 'maxUses=2', type: 'application/x-www-form-urlencoded', status: 415 },
    { method: 'POST', path: `/api/conversations/cv_${'0'.repeat(32)}/invites`, body: { maxUses: 1 }, status: 404 },
    ...['nope', 'iv_short', `iv_${'A'.repeat(21)}`, `iv_${'-'.repeat(20)}`, '..%2F..%2Fadmin'].map((id) => ({ method: 'DELETE', path: `${base}/${id}`, status: 400 })),
    { method: 'DELETE', path: `${base}/iv_${'Z'.repeat(20)}`, status: 404 },
    { method: 'DELETE', path: `/api/conversations/${fx.p.id}/invites/${open.id}`, status: 404 },
    { method: 'GET', path: `/api/conversations/not-an-id/invites`, status: 400 },
    ...[{}, { invite: 5 }, { invite: null }, { invite: '' }, { invite: 'x'.repeat(2049) }, { invite: open.invite, extra: 1 }, [open.invite]].map((body) => ({ method: 'POST', path: '/api/invites/preview', body, status: 400 })),
    { method: 'POST', path: '/api/invites/preview', raw: `invite=${open.invite}`, type: 'application/x-www-form-urlencoded', status: 415 },
  ];
  const wrong = [];
  for (const c of cases) {
    const headers = { ...fx.headers.alice, ...(c.type ? { 'content-type': c.type } : {}) };
    const r = await ctx.call(c.method, c.path, c.raw !== undefined ? { headers, raw: c.raw } : { headers, body: c.body });
    if (r.status !== c.status || typeof r.body?.error?.code !== 'string') wrong.push(`${c.method} ${c.path} ${JSON.stringify(c.body ?? c.raw)}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  // Invites of another conversation, forged or cut tokens: never a way in.
  const guest = await newGuest(ctx.call, 'Fuzz Guest');
  const tokens = [open.invite.slice(0, -2), `${open.invite}x`, open.invite.replace(/\.[^.]+\./, '.e30.'), '', 'a'.repeat(3000)];
  for (const invite of tokens) {
    for (const route of ['accept', 'preview']) {
      const r = await ctx.call('POST', `/api/invites/${route}`, { headers: guest.headers, body: { invite } });
      if (r.status !== 400) wrong.push(`${route} ${invite.slice(0, 20)}…: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }
  // Looking at an open invite uses nothing up.
  assert.equal((await ctx.call('POST', '/api/invites/preview', { body: { invite: open.invite } })).status, 200);
  assert.deepEqual(await listed(), before, 'the refused requests changed the invites');
  t.diagnostic(`cases: ${cases.length + 2 * tokens.length + 1}`);
  assert.deepEqual(wrong, [], `answered otherwise:\n${wrong.join('\n')}`);
});
