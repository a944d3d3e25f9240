// What the fault suite's files share: a server per file, the demo directory's people, and a
// guest conversation to work on. Files report generated cases with `t.diagnostic('cases: N')`;
// scripts/faults.mjs adds them up in its summary table.
import { after, before } from 'node:test';
import { adminToken, agentToken, root, startDevServer } from '../support/dev-server.mjs';
import { bearer, httpClient, newGuest } from '../support/client.mjs';

export const log = (msg) => console.log(`[faults] ${msg}`);

/** Registers before/after hooks starting `wrangler dev` for this file; fills and returns `ctx`. */
export function useServer(name, vars = {}) {
  const ctx = { server: null, base: '', call: null, admin: null };
  before(async () => {
    ctx.server = await startDevServer({ work: `${root}test-results/faults/${name}`, vars, log });
    ctx.base = ctx.server.base;
    ctx.call = httpClient(ctx.base);
    ctx.admin = bearer(adminToken());
  });
  after(() => ctx.server?.stop());
  return ctx;
}

/** A standard agent created through the admin API, with a token. */
export async function newAgent(ctx, slug, license = 'standard') {
  const r = await ctx.call('POST', '/api/admin/agents', {
    headers: ctx.admin,
    body: { slug, name: `Agent ${slug}`, email: `${slug}@doorbell.example`, license, timeZone: 'Europe/Berlin' },
  });
  if (r.status !== 201) throw new Error(`agent ${slug}: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, slug, token: await agentToken(`${slug}@doorbell.example`) };
}

export async function demoAgent(slug) {
  return { slug, token: await agentToken(`${slug}@doorbell.example`) };
}

/** A guest's conversation with a service (or an agent), started by their first message. */
export async function startConversation(ctx, guestName, target = { kind: 'service', slug: 'sales' }, email) {
  const guest = await newGuest(ctx.call, guestName, email);
  const r = await ctx.call('POST', '/api/conversations', { headers: guest.headers, body: { target, clientId: 'first', text: `Hello from ${guestName}` } });
  if (r.status !== 201 && r.status !== 200) throw new Error(`start: ${r.status} ${JSON.stringify(r.body)}`);
  return { guest, id: r.body.conversation.id };
}

/** The whole timeline, page by page, as an agent or guest with `headers` reads it. */
export async function timeline(ctx, id, headers) {
  const entries = [];
  for (let after = 0; ; ) {
    const r = await ctx.call('GET', `/api/conversations/${id}/messages?after=${after}&limit=200`, { headers });
    if (r.status !== 200) throw new Error(`history: ${r.status} ${JSON.stringify(r.body)}`);
    entries.push(...r.body.entries);
    if (r.body.entries.length < 200) return entries;
    after = r.body.entries.at(-1).seq;
  }
}

/**
 * The matrix's usual cast, made once per file: the demo agents, Dave (licensed, in no
 * service), a public Sales conversation `x` (guest A) and a Support one `p` made private
 * (guest B), with each role's token (null: anonymous).
 */
export async function matrixCast(ctx) {
  const [alice, carol, bob] = await Promise.all(['alice', 'carol', 'bob'].map(demoAgent));
  const dave = await newAgent(ctx, 'dave');
  const x = await startConversation(ctx, 'Gail A', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Hugo B', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  if (priv.status !== 200) throw new Error(`private: ${priv.status} ${JSON.stringify(priv.body)}`);
  const tokens = { anon: null, guestA: x.guest.token, guestB: p.guest.token, alice: alice.token, dave: dave.token, bob: bob.token, admin: ctx.admin.authorization.slice(7) };
  return { alice, carol, bob, dave, x, p, tokens };
}
