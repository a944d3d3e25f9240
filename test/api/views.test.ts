import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, agentToken, asAgent, call, eventually, guestWrites, newGuest, sleep } from '../helpers';
import { TestSocket } from '../socket';

/**
 * Inbox views (docs/rules.md "Inbox views"): Mine, Unassigned, All open, Mentions, Resolved,
 * their filters and counts, through the Worker. Sales: Alice, Bob (basic), Carol; Support: Carol.
 */

const view = async (who: string, query: string) => {
  const r = await call('GET', `/api/inbox?${query}`, { headers: await asAgent(who) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return (r.body.items as any[]).map((i) => i.conversationId as string);
};
const counts = async (who: string, query = '') => {
  const r = await call('GET', `/api/inbox/views${query ? `?${query}` : ''}`, { headers: await asAgent(who) });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { counts: Record<string, number>; anything: boolean };
};

const shows = (who: string, query: string, id: string) => eventually(() => view(who, query), (ids) => ids.includes(id), `${who} ${query} shows ${id}`);
const hides = (who: string, query: string, id: string) => eventually(() => view(who, query), (ids) => !ids.includes(id), `${who} ${query} hides ${id}`);

async function started(name: string, to: string, text = 'Hello there') {
  const guest = await newGuest(name);
  const r = await guestWrites(guest, to, text);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { id: r.body.conversation.id as string, guest };
}

describe('inbox views: who sees what', () => {
  it('before any conversation exists, every view is empty and nothing at all is there', async () => {
    const dave = await call('POST', '/api/admin/agents', {
      headers: ADMIN,
      body: { slug: 'dave-empty', name: 'Dave Empty', email: 'dave-empty@doorbell.example', license: 'standard', timeZone: 'UTC' },
    });
    expect(dave.status, JSON.stringify(dave.body)).toBe(201);
    // Storage is per file and this test runs first: the organisation has no conversation yet.
    expect(await counts('dave-empty@doorbell.example')).toEqual({ counts: { mine: 0, unassigned: 0, all: 0, mentions: 0, resolved: 0 }, anything: false });
  });

  it('Unassigned: a service’s conversation for its members only; All open: for every agent, a basic one too', async () => {
    const { id } = await started('Sue Support', 'service:support');
    await shows('carol', 'view=unassigned', id);
    await shows('alice', 'view=all', id);
    await shows('bob', 'view=all', id);
    // Alice and Bob are not in Support.
    expect(await view('alice', 'view=unassigned')).not.toContain(id);
    expect(await view('bob', 'view=unassigned')).not.toContain(id);
    // Mine: Carol is its participant, Alice is not.
    await shows('carol', 'view=mine', id);
    expect(await view('alice', 'view=mine')).not.toContain(id);
    const row = (await call('GET', '/api/inbox?view=all', { headers: await asAgent('alice') })).body.items.find((i: any) => i.conversationId === id);
    expect(row).toMatchObject({ title: 'Sue Support', participant: false, unread: 0, status: 'open', visibility: 'public', service: { slug: 'support', name: 'Support' }, assignee: null });
    expect(row.lastMessage).toMatchObject({ text: 'Hello there', authorName: 'Sue Support', authorKind: 'guest' });
  });

  it('a private conversation is in nobody’s views but its participants’', async () => {
    const { id, guest } = await started('Pia Private', 'service:support');
    await shows('alice', 'view=all', id);
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('carol'), body: { visibility: 'private' } })).status).toBe(200);
    await hides('alice', 'view=all', id);
    expect(await view('bob', 'view=all')).not.toContain(id);
    await shows('carol', 'view=all', id);
    await shows('carol', 'view=unassigned', id);
    // Resolved, it stays hidden from the others.
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('carol'), body: { status: 'resolved' } })).status).toBe(200);
    await shows('carol', 'view=resolved', id);
    expect(await view('alice', 'view=resolved')).not.toContain(id);
    // The guest writing again reopens it: back in Carol's All open, still not in Alice's.
    await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: 'again', text: 'Still there?' } });
    await shows('carol', 'view=all', id);
    expect(await view('carol', 'view=resolved')).not.toContain(id);
    expect(await view('alice', 'view=all')).not.toContain(id);
  });

  it('assigning to a member takes it out of Unassigned; a personal link’s conversation is assigned to its agent', async () => {
    const { id } = await started('Sam Sales', 'service:sales');
    await shows('alice', 'view=unassigned', id);
    const assigned = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'sales', member: 'carol' } });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    await hides('alice', 'view=unassigned', id);
    await shows('alice', 'view=all&assignee=carol', id);
    expect(await view('alice', 'view=all&assignee=alice')).not.toContain(id);
    await shows('carol', 'view=mine&assignee=carol', id);
    // Assigned to the service as a whole: unassigned again.
    await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('carol'), body: { service: 'sales' } });
    await shows('alice', 'view=unassigned', id);

    const personal = (await started('Pat Personal', 'alice')).id;
    await shows('carol', 'view=all&assignee=alice', personal);
    await shows('alice', 'view=mine&assignee=alice', personal);
    expect(await view('alice', 'view=unassigned')).not.toContain(personal);
    // Alice leaves: nobody is assigned any more.
    await call('POST', `/api/conversations/${personal}/leave`, { headers: await asAgent('alice') });
    await hides('carol', 'view=all&assignee=alice', personal);
  });

  it('Mentions and Resolved; views are sorted by last activity', async () => {
    const first = (await started('Olly Older', 'service:sales')).id;
    const second = await started('Nina Newer', 'service:sales');
    const note = await call('POST', `/api/conversations/${first}/messages`, { headers: await asAgent('alice'), body: { clientId: 'n1', text: '@carol look', note: true } });
    expect(note.status, JSON.stringify(note.body)).toBe(200);
    // The note is the latest activity: the first conversation comes first.
    await eventually(() => view('bob', 'view=all'), (ids) => ids.indexOf(first) >= 0 && ids.indexOf(first) < ids.indexOf(second.id), 'the noted one first');
    await shows('carol', 'view=mentions', first);
    expect(await view('alice', 'view=mentions')).not.toContain(first);
    await call('POST', `/api/conversations/${second.id}/messages`, { headers: second.guest.headers, body: { clientId: 'm2', text: 'news' } });
    await eventually(() => view('bob', 'view=all'), (ids) => ids.indexOf(second.id) < ids.indexOf(first), 'the newer message first');
    expect((await call('PATCH', `/api/conversations/${first}`, { headers: await asAgent('alice'), body: { status: 'resolved' } })).status).toBe(200);
    await shows('bob', 'view=resolved', first);
    await hides('bob', 'view=all', first);
    // Mentions keeps it whatever its status; Mine keeps it too (filter by status to hide it).
    await shows('carol', 'view=mentions', first);
    await shows('alice', 'view=mine', first);
    expect(await view('alice', 'view=mine&status=open')).not.toContain(first);
  });
});

describe('inbox views: filters and counts', () => {
  it('counts each view and follow a change; filters narrow the counts alike', async () => {
    // A service of its own, so other tests' conversations are not counted.
    expect((await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: 'counted', name: 'Counted' } })).status).toBe(201);
    expect((await call('PUT', '/api/admin/services/counted/members/alice', { headers: ADMIN })).status).toBe(200);
    const only = 'service=counted';
    expect((await counts('alice', only)).counts).toEqual({ mine: 0, unassigned: 0, all: 0, mentions: 0, resolved: 0 });
    const { id } = await started('Cora Count', 'service:counted');
    await started('Cory Count', 'service:counted');
    // Mine comes from Alice's inbox actor, All open from the directory's summaries: each catches up on its own.
    const after = await eventually(() => counts('alice', only), (c) => c.counts.all === 2 && c.counts.mine === 2, 'All open and Mine count them');
    expect(after).toEqual({ counts: { mine: 2, unassigned: 2, all: 2, mentions: 0, resolved: 0 }, anything: true });
    // Carol is not in the service: All open only.
    expect((await counts('carol', only)).counts).toEqual({ mine: 0, unassigned: 0, all: 2, mentions: 0, resolved: 0 });
    await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { status: 'resolved' } });
    const resolved = await eventually(() => counts('alice', only), (c) => c.counts.resolved === 1 && c.counts.all === 1, 'Resolved counts it');
    expect(resolved.counts).toEqual({ mine: 2, unassigned: 1, all: 1, mentions: 0, resolved: 1 });
    expect((await counts('alice', `${only}&status=resolved`)).counts).toEqual({ mine: 1, unassigned: 0, all: 0, mentions: 0, resolved: 1 });
    // Each count is the length of its view.
    const all = await counts('alice');
    for (const v of ['mine', 'unassigned', 'all', 'mentions', 'resolved']) expect((await view('alice', `view=${v}`)).length, v).toBe(all.counts[v]);
  });

  it('filters by status, service and label', async () => {
    const label = await call('POST', '/api/admin/labels', { headers: ADMIN, body: { name: 'Views VIP', color: '#112233' } });
    const tagged = (await started('Lia Label', 'service:sales')).id;
    const other = (await started('Otto Other', 'service:support')).id;
    await call('PUT', `/api/conversations/${tagged}/labels/${label.body.id}`, { headers: await asAgent('alice') });
    await shows('bob', `view=all&label=${label.body.id}`, tagged);
    expect(await view('bob', `view=all&label=${label.body.id}`)).toEqual([tagged]);
    await shows('bob', 'view=all&service=support', other);
    expect(await view('bob', 'view=all&service=support')).not.toContain(tagged);
    expect(await view('alice', `view=mine&label=${label.body.id}`)).toEqual([tagged]);
    expect(await view('alice', 'view=mine&service=support')).not.toContain(tagged);
    expect((await counts('bob', `label=${label.body.id}`)).counts.all).toBe(1);
    await call('PATCH', `/api/conversations/${other}`, { headers: await asAgent('carol'), body: { status: 'snoozed' } });
    await shows('bob', 'view=all&status=snoozed', other);
    expect(await view('bob', 'view=all&status=open')).not.toContain(other);
  });

  it('refuses a bad query with 400 naming the parameter', async () => {
    const alice = await asAgent('alice');
    for (const [query, path] of [['view=everything', 'view'], ['status=done', 'status'], ['label=vip', 'label'], ['service=Not A Slug', 'service'], ['limit=0', 'limit'], ['limit=201', 'limit'], ['page=2', '']]) {
      const r = await call('GET', `/api/inbox?${query}`, { headers: alice });
      expect(r.status, query).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      if (path) expect(JSON.stringify(r.body.error.details.problems), query).toContain(path);
    }
    expect((await call('GET', '/api/inbox/views?view=mine', { headers: alice })).status).toBe(400);
    expect((await call('GET', '/api/inbox/views')).status).toBe(401);
    const guest = await newGuest('Gus Guest');
    expect((await call('GET', '/api/inbox/views', { headers: guest.headers })).status).toBeGreaterThanOrEqual(401);
  });
});

describe('inbox views: the summary', () => {
  it('is written once per revision: an older summary never replaces a newer one, and a job run again changes nothing', async () => {
    const { id } = await started('Rex Revision', 'service:sales');
    await shows('alice', 'view=unassigned', id);
    const row = async () => env.DB.prepare('SELECT summary_revision, status FROM conversations WHERE id = ?').bind(id).first<{ summary_revision: number; status: string }>();
    const before = (await row())!;
    // A later revision is there already (as if a newer run had landed first): this run's older one is dropped.
    await env.DB.prepare('UPDATE conversations SET summary_revision = summary_revision + 1000 WHERE id = ?').bind(id).run();
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { status: 'resolved' } })).status).toBe(200);
    await sleep(600);
    expect((await row())!.status).toBe('open');
    await env.DB.prepare('UPDATE conversations SET summary_revision = ? WHERE id = ?').bind(before.summary_revision, id).run();
    // The job queued again (a retry): it writes the conversation as it now is.
    const actor = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
    await runInDurableObject(actor, (_instance, state) => {
      state.storage.sql.exec("INSERT INTO jobs (key, kind, due_at, payload) VALUES ('search:again', 'search', ?, '{}')", Date.now() - 1);
    });
    await runDurableObjectAlarm(actor);
    expect((await row())!.status).toBe('resolved');
    await shows('alice', 'view=resolved', id);
    expect(await view('alice', 'view=unassigned')).not.toContain(id);
  });
});

describe('inbox views: live', () => {
  it('a new conversation of a service reaches its members’ inbox sockets as a views frame; a private one only its participants’', async () => {
    const alice = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    const bob = await TestSocket.open('/api/inbox/socket', await agentToken('bob'));
    await alice.next((f) => f.type === 'inbox');
    await bob.next((f) => f.type === 'inbox');
    // Opening the socket is what tells the directory the console is open.
    await sleep(300);
    const { id } = await started('Lou Live', 'service:support');
    // Bob is in no conversation of Support, but All open shows it to him.
    await bob.next((f) => f.type === 'views' && f.conversationId === id);
    await alice.next((f) => f.type === 'views' && f.conversationId === id);
    const beforePrivate = bob.frames.length;
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('carol'), body: { visibility: 'private' } })).status).toBe(200);
    // Made private: they are told once more (it leaves their views), then never again.
    await bob.next((f) => f.type === 'views' && f.conversationId === id, beforePrivate);
    const from = bob.frames.length;
    await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('carol'), body: { clientId: 'secret', text: 'private now' } });
    // Longer than the index's gathering (a second apart while the conversation is busy).
    await sleep(1600);
    expect(bob.frames.slice(from).filter((f) => f.type === 'views' && f.conversationId === id)).toEqual([]);
    alice.ws.close();
    bob.ws.close();
  });
});
