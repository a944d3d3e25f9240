// What the fault suite's files share: a server per file, the demo directory's people, and a
// guest conversation to work on. Files report generated cases with `t.diagnostic('cases: N')`;
// scripts/faults.mjs adds them up in its summary table.
import { after, before } from 'node:test';
import { adminToken, agentToken, root, startDevServer } from '../support/dev-server.mjs';
import { bearer, FrameSocket, httpClient, newGuest } from '../support/client.mjs';

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

/** A matrix cell for a socket route: OK when `url` opens (and is closed again), else the upgrade's status. */
export async function socketAnswer(url) {
  const socket = new FrameSocket(url);
  try {
    await socket.opened;
    socket.close();
    return OK;
  } catch (e) {
    return e.status;
  }
}

/** The callers of the authorization matrices: no token, two guests, a standard agent of Sales, a standard agent in no service, a basic agent, the admin. */
export const ROLES = ['anon', 'guestA', 'guestB', 'alice', 'dave', 'bob', 'admin'];
export const OK = 'ok';
/** A matrix row's expected answers: `base` for every role, then per-role exceptions. */
export const expectCells = (base, exceptions = {}) => Object.fromEntries(ROLES.map((r) => [r, exceptions[r] ?? base]));

/**
 * The matrix's usual cast, made once per file: the demo agents, Dave (licensed, in no
 * service), `x`, a public Sales conversation of guestA, and `p`, a private Support
 * conversation of guestB whose only agent is Carol (no role here); each role's headers and
 * token (null: anonymous).
 */
export async function matrixFixtures(ctx, daveSlug = 'dave') {
  const [alice, carol, bob, dave] = await Promise.all([demoAgent('alice'), demoAgent('carol'), demoAgent('bob'), newAgent(ctx, daveSlug)]);
  const x = await startConversation(ctx, 'Ivy Matrix', { kind: 'service', slug: 'sales' });
  const p = await startConversation(ctx, 'Jon Matrix', { kind: 'service', slug: 'support' });
  const priv = await ctx.call('PATCH', `/api/conversations/${p.id}`, { headers: bearer(carol.token), body: { visibility: 'private' } });
  if (priv.status !== 200) throw new Error(`private: ${priv.status} ${JSON.stringify(priv.body)}`);
  const headers = { anon: {}, guestA: x.guest.headers, guestB: p.guest.headers, alice: bearer(alice.token), dave: bearer(dave.token), bob: bearer(bob.token), admin: ctx.admin };
  const tokens = { anon: null, guestA: x.guest.token, guestB: p.guest.token, alice: alice.token, dave: dave.token, bob: bob.token, admin: ctx.admin.authorization.slice(7) };
  return { alice, carol, bob, dave, x, p, headers, tokens };
}

/**
 * One HTTP cell of a matrix: the row's route called as `role` (with what `entry.fresh` made
 * for it, if anything); the answer, and the cell: OK for a 2xx, else the status, or a 4xx/5xx
 * without the error envelope named as such.
 */
export async function httpCell(ctx, fx, entry, role) {
  const made = entry.fresh ? await entry.fresh(fx) : undefined;
  const [method] = entry.route.split(' ');
  const r = await ctx.call(method, entry.path(fx, made), { headers: fx.headers[role], body: entry.body?.() });
  const cell = r.status >= 200 && r.status < 300 ? OK : r.status >= 400 && typeof r.body?.error?.message !== 'string' ? `${r.status} without an error body` : r.status;
  return { r, cell };
}

/**
 * Runs every row for every role: `answer(entry, role)` is OK or the status; prints the table,
 * reports the cases, and returns the cells that differ from each row's `expect`.
 */
export async function runMatrix(t, routes, answer) {
  const wrong = [];
  const table = [];
  for (const entry of routes) {
    const label = entry.route + (entry.name ? ` (${entry.name})` : '');
    const row = [];
    for (const role of ROLES) {
      const got = await answer(entry, role);
      row.push(got === entry.expect[role] ? String(got) : `${got}≠${entry.expect[role]}`);
      if (got !== entry.expect[role]) wrong.push(`${label} as ${role}: got ${got}, expected ${entry.expect[role]}`);
    }
    table.push(`${label.padEnd(66)} ${row.map((c) => c.padEnd(8)).join(' ')}`);
  }
  console.log(`${''.padEnd(66)} ${ROLES.map((r) => r.padEnd(8)).join(' ')}\n${table.join('\n')}`);
  t.diagnostic(`cases: ${routes.length * ROLES.length}`);
  return wrong;
}

/**
 * Collects refusals that were not: `check(label, method, path, headers, body, status?)` expects
 * `status`, or any 4xx, with the error envelope; `failures` lists the answers that were not,
 * `cases()` how many were checked.
 */
export function refusals(ctx) {
  let cases = 0;
  const failures = [];
  const check = async (label, method, path, headers, body, status) => {
    cases += 1;
    const r = await ctx.call(method, path, { headers, body });
    const ok = status ? r.status === status : r.status >= 400 && r.status < 500;
    if (!ok || typeof r.body?.error?.message !== 'string') failures.push(`${label}: ${method} ${path.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 160)} → ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
  };
  return { check, failures, cases: () => cases };
}
