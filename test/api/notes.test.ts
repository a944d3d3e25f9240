import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { agentToken, asAgent, call, clientId, eventually, guestWrites, newGuest, sleep } from '../helpers';
import { clearOutbox, outbox } from '../meetings';
import { TestSocket } from '../socket';

const socketPath = (id: string, since?: number) => `/api/conversations/${id}/socket${since === undefined ? '' : `?since=${since}`}`;
const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

async function conversationWithAlice(email?: string) {
  const guest = await newGuest('Ann Lee', email);
  const { body } = await guestWrites(guest, 'alice', 'first');
  return { guest, id: body.conversation.id as string };
}

const note = async (who: string, id: string, text: string, cid = clientId()) =>
  call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent(who), body: { clientId: cid, text, note: true } });

const entries = async (id: string, headers: Record<string, string>) =>
  (await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers })).body.entries as any[];

const inboxOf = async (who: string, view?: string) =>
  (await call('GET', `/api/inbox${view ? `?view=${view}` : ''}`, { headers: await asAgent(who) })).body.items as any[];


describe('private notes', () => {
  it('a note sent on the socket reaches agents marked as a note, never the guest live or on resume', async () => {
    const { guest, id } = await conversationWithAlice();
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    const carol = await TestSocket.open(socketPath(id), await agentToken('carol'));
    const ann = await TestSocket.open(socketPath(id), guest.token);
    await Promise.all([alice, carol, ann].map((s) => s.next((f) => f.type === 'welcome')));

    alice.send({ type: 'send', clientId: 'n-1', text: 'Internal: check their plan', note: true });
    const ack = await alice.next((f) => f.type === 'ack' && f.clientId === 'n-1');
    expect(ack.duplicate).toBe(false);
    const seen = await carol.next((f) => f.type === 'entry' && f.entry.seq === ack.seq);
    expect(seen.entry).toMatchObject({ kind: 'event', text: 'Internal: check their plan', author: { name: 'Alice Martin', kind: 'agent' }, event: { type: 'note', mentions: [] } });

    // A message after the note does reach the guest, so the note had its chance to arrive first.
    alice.send({ type: 'send', clientId: 'm-1', text: 'Hello Ann' });
    await ann.next((f) => f.type === 'entry' && f.entry.text === 'Hello Ann');
    expect(JSON.stringify(ann.frames)).not.toContain('check their plan');

    const resumed = await TestSocket.open(socketPath(id, 0), guest.token);
    await resumed.next((f) => f.type === 'caught_up');
    expect(resumed.entries().map((e) => e.text)).toContain('Hello Ann');
    expect(JSON.stringify(resumed.frames)).not.toContain('check their plan');
    ann.send({ type: 'resume', since: 0 });
    const from = ann.frames.length;
    await ann.next((f) => f.type === 'caught_up', from);
    expect(JSON.stringify(ann.frames)).not.toContain('check their plan');
    for (const s of [alice, carol, ann, resumed]) s.close();
  });

  it('a note over HTTP: the guest’s GET messages leaves it out; agents get it marked; the author is not joined', async () => {
    const { guest, id } = await conversationWithAlice();
    const r = await note('carol', id, 'Carol here: refund approved');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ seq: expect.any(Number), duplicate: false });

    expect((await entries(id, guest.headers)).map((e) => e.text)).not.toContain('Carol here: refund approved');
    const forAlice = (await entries(id, await asAgent('alice'))).find((e) => e.seq === r.body.seq);
    expect(forAlice).toMatchObject({ kind: 'event', event: { type: 'note' }, text: 'Carol here: refund approved', author: { name: 'Carol Diaz' } });

    const view = (await call('GET', `/api/conversations/${id}`, { headers: guest.headers })).body;
    expect(view.participants.map((p: any) => p.name)).not.toContain('Carol Diaz');
    // The inbox preview is the last message, never a note.
    const item = (await eventually(() => inboxOf('alice'), (l) => l.some((i) => i.conversationId === id), "the conversation in alice's inbox")).find((i) => i.conversationId === id);
    expect(item.lastMessage.text).toBe('first');
  });

  it('is idempotent by clientId on HTTP and socket', async () => {
    const { id } = await conversationWithAlice();
    const first = await note('alice', id, 'once', 'note-x');
    const again = await note('alice', id, 'once', 'note-x');
    expect(again.body).toEqual({ seq: first.body.seq, duplicate: true });
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    await alice.next((f) => f.type === 'welcome');
    alice.send({ type: 'send', clientId: 'note-x', text: 'once', note: true });
    expect(await alice.next((f) => f.type === 'ack')).toEqual({ type: 'ack', clientId: 'note-x', seq: first.body.seq, duplicate: true });
    alice.close();
    expect((await entries(id, await asAgent('alice'))).filter((e) => e.text === 'once')).toHaveLength(1);
  });

  it('refuses guests (agents_only) and basic agents (agent_not_licensed), storing nothing', async () => {
    const { guest, id } = await conversationWithAlice();
    const byGuest = await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text: 'sneaky', note: true } });
    expect(byGuest.status).toBe(403);
    expect(byGuest.body.error.code).toBe('agents_only');
    const byBob = await note('bob', id, 'bob note');
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.code).toBe('agent_not_licensed');

    const ann = await TestSocket.open(socketPath(id), guest.token);
    await ann.next((f) => f.type === 'welcome');
    ann.send({ type: 'send', clientId: 'g-n', text: 'sneaky socket', note: true });
    expect(await ann.next((f) => f.type === 'error')).toMatchObject({ code: 'agents_only', clientId: 'g-n' });
    ann.close();
    const texts = (await entries(id, await asAgent('alice'))).map((e) => e.text);
    expect(texts).not.toContain('sneaky');
    expect(texts).not.toContain('bob note');
    expect(texts).not.toContain('sneaky socket');
  });

  it('@bob puts the conversation under Bob’s mentions, unread, though he is not in it; reading clears the mark', async () => {
    const { id } = await conversationWithAlice();
    const r = await note('alice', id, '@bob can you check the invoice?');
    expect(r.status).toBe(200);
    const stored = (await entries(id, await asAgent('alice'))).find((e) => e.seq === r.body.seq);
    expect(stored.event.mentions).toEqual([{ id: 'ag_demoBob0000000001', slug: 'bob', name: 'Bob Stone' }]);

    const mentions = await eventually(() => inboxOf('bob', 'mentions'), (l) => l.some((i) => i.conversationId === id), "the mention in bob's inbox");
    const item = mentions.find((i) => i.conversationId === id);
    expect(item).toMatchObject({ participant: false, mentions: { unread: 1, lastSeq: r.body.seq }, title: 'Ann Lee' });

    const bob = await TestSocket.open(socketPath(id), await agentToken('bob'));
    const welcome = await bob.next((f) => f.type === 'welcome');
    expect(welcome.conversation.you.participant).toBe(false);
    bob.send({ type: 'read', seq: welcome.conversation.lastSeq });
    const read = await eventually(() => inboxOf('bob', 'mentions'), (l) => l.find((i) => i.conversationId === id)?.mentions.unread === 0, 'the mention read');
    expect(read.find((i) => i.conversationId === id)).toMatchObject({ mentions: { unread: 0, lastSeq: r.body.seq } });
    bob.close();
  });

  it('a mention reaches the inbox socket as an item frame', async () => {
    const { id } = await conversationWithAlice();
    const inbox = await TestSocket.open('/api/inbox/socket', await agentToken('bob'));
    await inbox.next((f) => f.type === 'inbox');
    await note('alice', id, 'ping @bob.');
    const frame = await inbox.next((f) => f.type === 'item' && f.item.conversationId === id);
    expect(frame.item).toMatchObject({ participant: false, mentions: { unread: 1 } });
    inbox.close();
  });

  it('a mention of an agent who may not open the private conversation does nothing', async () => {
    const { id } = await conversationWithAlice();
    const made = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } });
    expect(made.status).toBe(200);
    const r = await note('alice', id, '@carol and @nobody please look');
    expect(r.status).toBe(200);
    const stored = (await entries(id, await asAgent('alice'))).find((e) => e.seq === r.body.seq);
    expect(stored.event.mentions).toEqual([]);
    await sleep(300);
    await runDurableObjectAlarm(conversation(id));
    expect((await inboxOf('carol')).some((i) => i.conversationId === id)).toBe(false);
  });

  it('a mentioned agent loses the item when the conversation is made private', async () => {
    const { id } = await conversationWithAlice();
    await note('alice', id, '@carol FYI');
    await eventually(() => inboxOf('carol'), (l) => l.some((i) => i.conversationId === id), "the mention in carol's inbox");
    await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } });
    const after = await eventually(() => inboxOf('carol'), (l) => !l.some((i) => i.conversationId === id), "the item gone from carol's inbox");
    expect(after.some((i) => i.conversationId === id)).toBe(false);
  });

  it('the inbox refuses an unknown view', async () => {
    const r = await call('GET', '/api/inbox?view=everything', { headers: await asAgent('alice') });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBeTruthy();
  });
});

describe('notes and email continuity', () => {
  beforeEach(clearOutbox);

  it('the continuity email to the guest carries the agent’s messages, not the note', async () => {
    const { id } = await conversationWithAlice('ann.notes@example.com');
    await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'Your invoice is on its way' } });
    await note('alice', id, 'SECRET: they owe us two months');
    await runInDurableObject(conversation(id), async (_instance, state) => {
      state.storage.sql.exec('UPDATE jobs SET due_at = due_at - ?', 3 * 60_000);
    });
    for (let i = 0; i < 5; i++) {
      if ((await conversation(id).pendingJobs()).every((j) => j.dueAt > Date.now())) break;
      await runDurableObjectAlarm(conversation(id));
    }
    const mails = (await outbox()).filter((m) => m.to === 'ann.notes@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('Your invoice is on its way');
    expect(mails[0]!.text).not.toContain('SECRET');
  });
});
