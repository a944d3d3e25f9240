import { describe, expect, it } from 'vitest';
import { ADMIN, agentToken, asAgent, call, eventually, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

/** The organisation's labels (admin API), put on conversations by agents. */

const createLabel = (body: Record<string, unknown>) => call('POST', '/api/admin/labels', { headers: ADMIN, body });
const apply = async (id: string, labelId: string, who = 'alice') => call('PUT', `/api/conversations/${id}/labels/${labelId}`, { headers: await asAgent(who) });
const remove = async (id: string, labelId: string, who = 'alice') => call('DELETE', `/api/conversations/${id}/labels/${labelId}`, { headers: await asAgent(who) });
const view = async (id: string, headers: Record<string, string>) => (await call('GET', `/api/conversations/${id}`, { headers })).body;

async function started(name: string) {
  const guest = await newGuest(name);
  const r = await guestWrites(guest, 'alice', 'I need help');
  expect(r.status).toBe(200);
  return { id: r.body.conversation.id as string, guest };
}

async function label(name: string, color = '#1f6feb'): Promise<{ id: string; name: string; color: string }> {
  const r = await createLabel({ name, color });
  expect(r.status).toBe(201);
  return r.body;
}


const inbox = async (query = '') => {
  const r = await call('GET', `/api/inbox${query}`, { headers: await asAgent('alice') });
  expect(r.status).toBe(200);
  return r.body.items as any[];
};

describe('labels: admin API', () => {
  it('creates, lists by name, reads, renames, recolours and deletes', async () => {
    const b = await label('Zebra', '#ABCDEF');
    expect(b).toMatchObject({ name: 'Zebra', color: '#abcdef' });
    const a = await label('alpha');
    const list = await call('GET', '/api/admin/labels', { headers: ADMIN });
    expect(list.body.labels.map((l: any) => l.name)).toEqual(['alpha', 'Zebra']);
    expect((await call('GET', `/api/admin/labels/${a.id}`, { headers: ADMIN })).body).toMatchObject({ name: 'alpha' });
    const renamed = await call('PATCH', `/api/admin/labels/${a.id}`, { headers: ADMIN, body: { name: 'Alpha', color: '#000000' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Alpha', color: '#000000' });
    // Agents read the same list.
    const agents = await call('GET', '/api/labels', { headers: await asAgent('bob') });
    expect(agents.status).toBe(200);
    expect(agents.body.labels.map((l: any) => l.name)).toEqual(['Alpha', 'Zebra']);
    for (const l of [a, b]) expect((await call('DELETE', `/api/admin/labels/${l.id}`, { headers: ADMIN })).status).toBe(204);
    expect((await call('GET', `/api/admin/labels/${a.id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('DELETE', `/api/admin/labels/${a.id}`, { headers: ADMIN })).status).toBe(404);
    expect((await call('GET', '/api/admin/labels', { headers: ADMIN })).body.labels).toEqual([]);
  });

  it('refuses bad colours and names with 400, a duplicate name (any case) with 409 label_exists; nothing changes', async () => {
    const billing = await label('Billing');
    for (const body of [
      { name: 'X', color: 'red' },
      { name: 'X', color: '#fff' },
      { name: 'X', color: '#gggggg' },
      { name: 'X', color: '#1234567' },
      { name: '', color: '#123456' },
      { name: '   ', color: '#123456' },
      { name: 'x'.repeat(41), color: '#123456' },
      { name: 'a\u202eb', color: '#123456' },
      { name: 'a\nb', color: '#123456' },
      { name: 'X' },
      { name: 'X', color: '#123456', extra: 1 },
    ]) {
      const r = await createLabel(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    const dup = await createLabel({ name: ' BILLING ', color: '#123456' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'label_exists', details: { field: 'name' } });
    const other = await label('Sales');
    const clash = await call('PATCH', `/api/admin/labels/${other.id}`, { headers: ADMIN, body: { name: 'billing' } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('label_exists');
    expect((await call('PATCH', `/api/admin/labels/${other.id}`, { headers: ADMIN, body: {} })).status).toBe(400);
    const list = (await call('GET', '/api/admin/labels', { headers: ADMIN })).body.labels;
    expect(list.map((l: any) => l.name)).toEqual(['Billing', 'Sales']);
    for (const l of [billing, other]) await call('DELETE', `/api/admin/labels/${l.id}`, { headers: ADMIN });
  });

  it('at most 100 labels: the 101st is 409 label_limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await label(`L${i}`)).id);
    const over = await createLabel({ name: 'One too many', color: '#123456' });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'label_limit', details: { limit: 100 } });
    for (const id of ids) await call('DELETE', `/api/admin/labels/${id}`, { headers: ADMIN });
  });

  it('only the admin token manages labels; a guest token on the agent list is 403 agents_only', async () => {
    const alice = await asAgent('alice');
    expect((await call('POST', '/api/admin/labels', { headers: alice, body: { name: 'X', color: '#123456' } })).status).toBe(401);
    expect((await call('GET', '/api/labels')).status).toBe(401);
    const guest = await newGuest('Gus Guest');
    const r = await call('GET', '/api/labels', { headers: guest.headers });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('agents_only');
  });
});

describe('labels on conversations', () => {
  it('an agent puts a label on and takes it off; the view, the timeline (agents only) and the inbox show it', async () => {
    const { id, guest } = await started('Lee Label');
    const billing = await label('Billing', '#d73a49');
    const urgent = await label('Urgent', '#fbca04');
    const alice = await asAgent('alice');
    const r = await apply(id, billing.id);
    expect(r.status).toBe(200);
    expect(r.body.labels).toEqual([{ id: billing.id, name: 'Billing', color: '#d73a49' }]);
    expect((await apply(id, urgent.id)).body.labels.map((l: any) => l.name)).toEqual(['Billing', 'Urgent']);
    // Putting on one it has changes nothing.
    expect((await apply(id, billing.id)).status).toBe(200);
    const events = (await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers: alice })).body.entries.filter((e: any) => e.event?.type === 'labels');
    expect(events.map((e: any) => e.event)).toEqual([
      { type: 'labels', action: 'added', label: { id: billing.id, name: 'Billing' } },
      { type: 'labels', action: 'added', label: { id: urgent.id, name: 'Urgent' } },
    ]);
    expect(events[0].author).toMatchObject({ kind: 'agent', name: 'Alice Martin' });
    // The guest sees none of it.
    const guestView = await view(id, guest.headers);
    expect(guestView).not.toHaveProperty('labels');
    const guestEntries = (await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers: guest.headers })).body.entries;
    expect(guestEntries.some((e: any) => e.event?.type === 'labels')).toBe(false);
    const item = await eventually(async () => (await inbox()).find((i) => i.conversationId === id), (i) => i?.labels?.length === 2, 'inbox labels');
    expect(item.labels.map((l: any) => l.id)).toEqual([billing.id, urgent.id]);
    // Taking it off.
    const off = await remove(id, urgent.id);
    expect(off.status).toBe(200);
    expect(off.body.labels.map((l: any) => l.name)).toEqual(['Billing']);
    expect((await remove(id, urgent.id)).status).toBe(200);
    await eventually(async () => (await inbox()).find((i) => i.conversationId === id), (i) => i?.labels?.length === 1, 'inbox label removed');
    for (const l of [billing, urgent]) await call('DELETE', `/api/admin/labels/${l.id}`, { headers: ADMIN });
  });

  it('the inbox filters by label', async () => {
    const one = await started('Fay Filter');
    const two = await started('Gil Filter');
    const vip = await label('VIP');
    await apply(one.id, vip.id);
    const only = await eventually(() => inbox(`?label=${vip.id}`), (items) => items.length === 1, 'filtered inbox');
    expect(only.map((i) => i.conversationId)).toEqual([one.id]);
    await eventually(() => inbox(), (items) => items.some((i) => i.conversationId === two.id), 'the other conversation, unfiltered');
    expect((await call('GET', '/api/inbox?label=nope', { headers: await asAgent('alice') })).status).toBe(400);
    await call('DELETE', `/api/admin/labels/${vip.id}`, { headers: ADMIN });
    expect(await inbox(`?label=${vip.id}`)).toEqual([]);
  });

  it('a deleted label disappears from the view and the inbox; a renamed one shows its new name', async () => {
    const { id } = await started('Del Label');
    const a = await label('Doomed');
    const b = await label('Kept');
    await apply(id, a.id);
    await apply(id, b.id);
    const alice = await asAgent('alice');
    await eventually(async () => (await inbox()).find((i) => i.conversationId === id), (i) => i?.labels?.length === 2, 'inbox labels');
    expect((await call('DELETE', `/api/admin/labels/${a.id}`, { headers: ADMIN })).status).toBe(204);
    await call('PATCH', `/api/admin/labels/${b.id}`, { headers: ADMIN, body: { name: 'Kept too' } });
    expect((await view(id, alice)).labels).toEqual([{ id: b.id, name: 'Kept too', color: b.color }]);
    expect((await inbox()).find((i) => i.conversationId === id).labels).toEqual([{ id: b.id, name: 'Kept too', color: b.color }]);
    // A deleted label cannot be put on any more.
    const gone = await apply(id, a.id);
    expect(gone.status).toBe(404);
    await call('DELETE', `/api/admin/labels/${b.id}`, { headers: ADMIN });
  });

  it('guests and basic agents may not label, nor a stranger; nothing changes', async () => {
    const { id, guest } = await started('Ref Used');
    const l = await label('Refused');
    const byGuest = await call('PUT', `/api/conversations/${id}/labels/${l.id}`, { headers: guest.headers });
    expect(byGuest.status).toBe(403);
    expect(byGuest.body.error.code).toBe('agents_only');
    const byBob = await apply(id, l.id, 'bob');
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.code).toBe('agent_not_licensed');
    expect((await call('PUT', `/api/conversations/cv_${'0'.repeat(32)}/labels/${l.id}`, { headers: await asAgent('alice') })).status).toBe(404);
    expect((await call('PUT', `/api/conversations/${id}/labels/lb_doesnotexist000000`, { headers: await asAgent('alice') })).status).toBe(404);
    expect((await call('PUT', `/api/conversations/${id}/labels/nope`, { headers: await asAgent('alice') })).status).toBe(400);
    expect((await view(id, await asAgent('alice'))).labels).toEqual([]);
    await call('DELETE', `/api/admin/labels/${l.id}`, { headers: ADMIN });
  });

  it('sockets: agents get the event and the new view live, the guest nothing; the inbox socket carries the labels', async () => {
    const { id, guest } = await started('Sock Label');
    const l = await label('Live', '#0e8a16');
    const agentSocket = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    const guestSocket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    const inboxSocket = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    const welcome = await guestSocket.next((f) => f.type === 'welcome');
    expect(welcome.conversation).not.toHaveProperty('labels');
    await agentSocket.next((f) => f.type === 'welcome');
    await inboxSocket.next((f) => f.type === 'inbox');
    expect((await apply(id, l.id)).status).toBe(200);
    await agentSocket.next((f) => f.type === 'entry' && f.entry.event?.type === 'labels');
    const pushed = await agentSocket.next((f) => f.type === 'conversation' && f.conversation.labels?.length === 1);
    expect(pushed.conversation.labels[0]).toEqual({ id: l.id, name: 'Live', color: '#0e8a16' });
    await inboxSocket.next((f) => f.type === 'item' && f.item.conversationId === id && f.item.labels?.[0]?.id === l.id);
    // The guest's socket still works and never carried a label.
    await guestWrites(guest, 'alice', 'still there?');
    await guestSocket.next((f) => f.type === 'entry' && f.entry.text === 'still there?');
    expect(JSON.stringify(guestSocket.frames)).not.toContain(l.id);
    expect(JSON.stringify(guestSocket.frames)).not.toContain('"labels"');
    for (const s of [agentSocket, guestSocket, inboxSocket]) s.ws.close();
    await call('DELETE', `/api/admin/labels/${l.id}`, { headers: ADMIN });
  });
});
