import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, newGuest } from '../helpers';

/** The audit log (docs/privacy.md "Audit log"): who changed what, when, before and after. */

const audit = async (query = '') => {
  const r = await call('GET', `/api/admin/audit${query}`, { headers: ADMIN });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { entries: any[]; nextCursor: string | null };
};
/** The newest entry, which the call just made wrote. */
const latest = async () => (await audit('?limit=1')).entries[0];
const aliceId = async () => (await call('GET', '/api/admin/agents/alice', { headers: ADMIN })).body.id as string;

describe('audit log: each kind of change is recorded', () => {
  it('an agent created, changed and deleted by the admin, with before and after', async () => {
    const created = await call('POST', '/api/admin/agents', {
      headers: ADMIN,
      body: { slug: 'audited', name: 'Audited Agent', email: 'audited@doorbell.example', license: 'standard', timeZone: 'UTC' },
    });
    expect(created.status).toBe(201);
    const entry = await latest();
    expect(entry).toMatchObject({
      actor: { kind: 'admin', id: 'admin' },
      entity: 'agent',
      entityId: created.body.id,
      action: 'create',
      route: 'POST /api/admin/agents',
      requestId: created.response.headers.get('x-request-id'),
      before: null,
      after: { slug: 'audited', license: 'standard' },
    });
    expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);

    expect((await call('PATCH', '/api/admin/agents/audited', { headers: ADMIN, body: { license: 'basic' } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'agent', entityId: created.body.id, action: 'update', before: { license: 'standard' }, after: { license: 'basic' } });

    expect((await call('DELETE', '/api/admin/agents/audited', { headers: ADMIN })).status).toBe(204);
    expect(await latest()).toMatchObject({ entity: 'agent', entityId: created.body.id, action: 'delete', before: { slug: 'audited' }, after: null });
  });

  it("a service's embed origins and members", async () => {
    const before = (await call('GET', '/api/admin/services/sales', { headers: ADMIN })).body;
    const changed = await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { embedOrigins: ['https://shop.example'] } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'service', entityId: before.id, action: 'update', before: { embedOrigins: before.embedOrigins }, after: { embedOrigins: ['https://shop.example'] } });

    expect((await call('PUT', '/api/admin/services/support/members/bob', { headers: ADMIN })).status).toBe(200);
    const member = await latest();
    expect(member).toMatchObject({ entity: 'service', action: 'add_member', route: 'PUT /api/admin/services/:slug/members/:agentSlug' });
    expect(member.before.members.map((m: any) => m.slug)).not.toContain('bob');
    expect(member.after.members.map((m: any) => m.slug)).toContain('bob');
  });

  it('secrets are never kept: an identity secret, a webhook signing secret, a feed URL', async () => {
    const rotated = await call('POST', '/api/admin/services/sales/identity-secret', { headers: ADMIN });
    expect(rotated.status).toBe(201);
    const secretEntry = await latest();
    expect(secretEntry).toMatchObject({ entity: 'identity_secret', entityId: 'sales', action: 'rotate', before: { set: false }, after: { secret: '[redacted]' } });

    const hook = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: 'https://hooks.receiver.example/audit', events: ['message.created'] } });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const hookEntry = await latest();
    expect(hookEntry).toMatchObject({ entity: 'webhook', entityId: hook.body.webhook.id, action: 'create', after: { secret: '[redacted]', webhook: { url: 'https://hooks.receiver.example/audit' } } });

    const feed = await call('POST', '/api/calendar/feed/rotate', { headers: await asAgent('alice') });
    expect(feed.status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'calendar_feed', action: 'rotate', actor: { kind: 'agent', id: await aliceId() }, after: { feedUrl: '[redacted]' } });

    // However the entries are read, none carries a secret the answers handed out.
    const everything = JSON.stringify((await audit('?limit=100')).entries);
    for (const secret of [rotated.body.secret, hook.body.secret, feed.body.feedUrl]) expect(everything).not.toContain(secret);
    const stored = await env.DB.prepare('SELECT before, after FROM audit_log').all();
    for (const secret of [rotated.body.secret, hook.body.secret]) expect(JSON.stringify(stored.results)).not.toContain(secret);
  });

  it("labels, canned replies (the organisation's and an agent's own) and phonebook contacts", async () => {
    const label = await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: 'Audited', color: '#123456' } });
    expect(await latest()).toMatchObject({ entity: 'label', entityId: label.body.id, action: 'create', after: { name: 'Audited' } });
    await call('PATCH', `/api/admin/labels/${label.body.id}`, { headers: ADMIN, body: { color: '#654321' } });
    expect(await latest()).toMatchObject({ entity: 'label', action: 'update', before: { color: '#123456' }, after: { color: '#654321' } });

    const org = await call('POST', '/api/admin/canned-replies', { headers: ADMIN, body: { shortcut: 'auditthx', text: 'Thanks!' } });
    expect(org.status, JSON.stringify(org.body)).toBe(201);
    expect(await latest()).toMatchObject({ entity: 'canned_reply', entityId: org.body.id, actor: { kind: 'admin' }, action: 'create' });

    const alice = await asAgent('alice');
    const own = await call('POST', '/api/canned-replies', { headers: alice, body: { shortcut: 'auditmine', text: 'Mine' } });
    expect(own.status).toBe(201);
    await call('DELETE', `/api/canned-replies/${own.body.id}`, { headers: alice });
    expect(await latest()).toMatchObject({ entity: 'canned_reply', entityId: own.body.id, actor: { kind: 'agent', id: await aliceId() }, action: 'delete', before: { text: 'Mine' } });

    const contact = await call('POST', '/api/contacts', { headers: alice, body: { name: 'Audit Person', email: 'audit.person@example.com' } });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    expect(await latest()).toMatchObject({ entity: 'contact', entityId: contact.body.contact.id, action: 'create', actor: { kind: 'agent' } });
  });

  it('calendar settings, meeting types (by the agent and by the admin) and inbox settings', async () => {
    const alice = await asAgent('alice');
    const id = await aliceId();
    expect((await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'invite' } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'calendar_settings', entityId: id, before: { confirmation: 'auto' }, after: { confirmation: 'invite' } });
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'auto' } });

    const type = { slug: 'audit-call', title: 'Audit call', durations: [30], location: { kind: 'jitsi' } };
    const created = await call('POST', '/api/calendar/meeting-types', { headers: alice, body: type });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(await latest()).toMatchObject({ entity: 'meeting_type', entityId: 'alice/audit-call', action: 'create', actor: { kind: 'agent', id } });
    expect((await call('PATCH', '/api/admin/agents/alice/meeting-types/audit-call', { headers: ADMIN, body: { title: 'Audit chat' } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'meeting_type', entityId: 'alice/audit-call', actor: { kind: 'admin' }, before: { title: 'Audit call' }, after: { title: 'Audit chat' } });
    expect((await call('DELETE', '/api/calendar/meeting-types/audit-call', { headers: alice })).status).toBe(204);
    expect(await latest()).toMatchObject({ entity: 'meeting_type', action: 'delete', before: { title: 'Audit chat' }, after: null });

    expect((await call('PATCH', '/api/inbox/settings', { headers: alice, body: { emailWhenOffline: false } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'inbox_settings', entityId: id, after: { emailWhenOffline: false } });
  });

  it('a refused change and a read are not recorded', async () => {
    const { entries: [newest] } = await audit('?limit=1');
    expect((await call('PATCH', '/api/admin/agents/alice', { headers: ADMIN, body: { license: 'platinum' } })).status).toBe(400);
    expect((await call('DELETE', '/api/admin/agents/nobody', { headers: ADMIN })).status).toBe(404);
    expect((await call('POST', '/api/admin/agents', { headers: ADMIN, body: { slug: 'alice', name: 'Again', email: 'x@doorbell.example', license: 'basic', timeZone: 'UTC' } })).status).toBe(409);
    await call('GET', '/api/admin/agents', { headers: ADMIN });
    expect((await latest()).seq).toBe(newest.seq);
  });
  it('retention, the privacy settings, an export and an erasure: who did it, never what an export held', async () => {
    expect((await call('PATCH', '/api/admin/settings/retention', { headers: ADMIN, body: { conversationDays: 400 } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'retention', entityId: 'organisation', action: 'update', before: { conversationDays: null }, after: { conversationDays: 400 } });
    expect((await call('PUT', '/api/admin/privacy', { headers: ADMIN, body: { agentsMayExport: true } })).status).toBe(200);
    expect(await latest()).toMatchObject({ entity: 'privacy_settings', before: { agentsMayExport: false }, after: { agentsMayExport: true } });

    const guest = await newGuest('Ida Audit', 'ida.audit@example.com');
    expect((await call('GET', `/api/admin/guests/${guest.id}/export`, { headers: ADMIN })).status).toBe(200);
    const exported = await latest();
    expect(exported).toMatchObject({ actor: { kind: 'admin' }, entity: 'guest', entityId: guest.id, action: 'export', before: null, after: null });
    expect((await call('GET', `/api/guests/${guest.id}/export`, { headers: await asAgent('alice') })).status).toBe(200);
    expect(await latest()).toMatchObject({ actor: { kind: 'agent' }, entity: 'guest', entityId: guest.id, action: 'export', after: null });

    expect((await call('POST', `/api/admin/guests/${guest.id}/erase`, { headers: ADMIN, body: { confirm: guest.id } })).status).toBe(202);
    expect(await latest()).toMatchObject({ entity: 'guest', entityId: guest.id, action: 'erase', route: 'POST /api/admin/guests/:id/erase' });
    const raw = await env.DB.prepare('SELECT before, after FROM audit_log').all();
    expect(JSON.stringify(raw.results)).not.toContain('ida.audit@example.com');
  });
});

describe('audit log: reading it', () => {
  it('pages newest first with a cursor that stays put while entries are added, and filters by entity and actor', async () => {
    for (const n of [1, 2, 3, 4, 5]) await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: `Page ${n}`, color: '#000000' } });
    const all = (await audit('?limit=100&entity=label')).entries;
    expect(all.every((e) => e.entity === 'label')).toBe(true);
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));

    const first = await audit('?limit=2&entity=label');
    expect(first.entries.map((e) => e.seq)).toEqual(seqs.slice(0, 2));
    // A change between two pages lands before the first page, not in the next.
    await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: 'Meanwhile', color: '#000000' } });
    const second = await audit(`?limit=2&entity=label&cursor=${first.nextCursor}`);
    expect(second.entries.map((e) => e.seq)).toEqual(seqs.slice(2, 4));
    let cursor: string | null = second.nextCursor;
    const rest: number[] = [];
    while (cursor) {
      const page = await audit(`?limit=2&entity=label&cursor=${cursor}`);
      rest.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor;
    }
    expect(rest).toEqual(seqs.slice(4));

    const id = await aliceId();
    const byAlice = (await audit(`?limit=100&actor=${id}`)).entries;
    expect(byAlice.length).toBeGreaterThan(0);
    expect(byAlice.every((e) => e.actor.id === id)).toBe(true);
    expect((await audit('?actor=admin&limit=100')).entries.every((e) => e.actor.kind === 'admin')).toBe(true);
  });

  it('admins only; bad parameters are 400 invalid_request', async () => {
    expect((await call('GET', '/api/admin/audit')).status).toBe(401);
    expect((await call('GET', '/api/admin/audit', { headers: await asAgent('alice') })).status).toBe(401);
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'limit=%205', 'limit=0x10', 'cursor=abc', 'cursor=0', 'entity=DROP%20TABLE', 'actor=%27', 'other=1']) {
      const r = await call('GET', `/api/admin/audit?${query}`, { headers: ADMIN });
      expect(r.status, query).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
  });
});
