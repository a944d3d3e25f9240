import { afterEach, describe, expect, it, vi } from 'vitest';
import { agentToken, asAgent, call, clientId, eventually, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

const agentNames = (view: any) => view.participants.filter((p: any) => p.kind === 'agent').map((p: any) => p.name);
const write = (guest: { headers: Record<string, string> }, id: string, text: string) =>
  call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text } });
const view = async (id: string, headers: Record<string, string>) => (await call('GET', `/api/conversations/${id}`, { headers })).body;

/**
 * The agent leaves on a clock of the test's (the actors run in the tests' isolate), and `ms`
 * later by it the guest writes: on a loaded machine, real time between the two calls could
 * pass 2 s whatever the test waited.
 */
async function leaveThenWait(who: string, id: string, ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  const left = await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent(who) });
  vi.setSystemTime(Date.now() + ms);
  return left;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('leave and rejoin (C6)', () => {
  it('a guest message 1.7 s after the agent left does not bring agents back; the next one does (exact 1,999 ms and 2,000 ms bounds: unit tests)', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice')).body.conversation.id;
    const left = await leaveThenWait('alice', id, 1700);
    expect(agentNames(left.body)).toEqual([]);
    await write(ann, id, 'hello? (within 2 s)');
    expect(agentNames(await view(id, ann.headers))).toEqual([]);
    await write(ann, id, 'hello again');
    expect(agentNames(await view(id, ann.headers))).toEqual(['Alice Martin']);
    const { body } = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    const kinds = body.entries.map((e: any) => e.event?.type ?? e.text);
    expect(kinds.slice(-4)).toEqual(['left', 'hello? (within 2 s)', 'rejoined', 'hello again']);
  });

  it('a guest message 2 s or more after the agent left brings the personal-link agent back at once', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice')).body.conversation.id;
    await leaveThenWait('alice', id, 2100);
    await write(ann, id, 'back?');
    expect(agentNames(await view(id, ann.headers))).toEqual(['Alice Martin']);
  });

  it('after a move from Sales to Support, leaving and a guest message bring Sales’ licensed agents back', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'service:sales')).body.conversation.id;
    await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'support' } });
    expect(agentNames(await view(id, ann.headers))).toEqual(['Carol Diaz']);
    await leaveThenWait('carol', id, 2100);
    await write(ann, id, 'anyone?');
    const names = agentNames(await view(id, ann.headers));
    expect(names.sort()).toEqual(['Alice Martin', 'Carol Diaz']);
    expect(names).not.toContain('Bob Stone');
  });

  it('refuses to leave a conversation one is not in, and changes nothing', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'alice')).body.conversation.id;
    const r = await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('carol') });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('not_a_participant');
    expect(agentNames(await view(id, ann.headers))).toEqual(['Alice Martin']);
  });
});

async function inboxOf(who: string) {
  return (await call('GET', '/api/inbox', { headers: await asAgent(who) })).body.items as any[];
}


describe('agent inbox (C10)', () => {
  it('lists the agent’s conversations with title, avatar, last message and unread count', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'service:support', 'Need help')).body.conversation.id;
    const items = await eventually(() => inboxOf('carol'), (list) => list.some((i) => i.conversationId === id), "the conversation in carol's inbox");
    const item = items.find((i) => i.conversationId === id);
    expect(item).toMatchObject({ title: 'Ann Lee', avatarUrl: null, unread: 1, lastMessage: { text: 'Need help', authorName: 'Ann Lee' } });
    expect((await inboxOf('alice')).some((i) => i.conversationId === id)).toBe(false);
  });

  it('updates live as guests write, the agent reads, and the conversation is assigned away', async () => {
    const ann = await newGuest('Bo Chen');
    const id = (await guestWrites(ann, 'service:sales', 'first')).body.conversation.id;
    const inbox = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await inbox.next((f) => f.type === 'inbox');

    let mark = inbox.frames.length;
    await write(ann, id, 'second');
    const updated = await inbox.next((f) => f.type === 'item' && f.item.lastMessage?.text === 'second', mark);
    expect(updated.item).toMatchObject({ conversationId: id, title: 'Bo Chen', unread: 2 });

    const conversation = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    mark = inbox.frames.length;
    conversation.send({ type: 'read', seq: updated.item.lastMessage.seq });
    expect((await inbox.next((f) => f.type === 'item' && f.item.unread === 0, mark)).item.conversationId).toBe(id);

    mark = inbox.frames.length;
    await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('carol'), body: { service: 'support' } });
    expect(await inbox.next((f) => f.type === 'removed', mark)).toEqual({ type: 'removed', conversationId: id });
    const carolItems = await eventually(() => inboxOf('carol'), (list) => list.some((i) => i.conversationId === id), "the conversation in carol's inbox");
    expect(carolItems.some((i) => i.conversationId === id)).toBe(true);
    conversation.close();
    inbox.close();
  });

  it('drops a conversation from the inbox of the agent who leaves', async () => {
    const ann = await newGuest('Cy Dee');
    const id = (await guestWrites(ann, 'alice')).body.conversation.id;
    await eventually(() => inboxOf('alice'), (list) => list.some((i) => i.conversationId === id), "the conversation in alice's inbox");
    await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('alice') });
    const after = await eventually(() => inboxOf('alice'), (list) => !list.some((i) => i.conversationId === id), "the item gone from alice's inbox");
    expect(after.some((i) => i.conversationId === id)).toBe(false);
  });
});
