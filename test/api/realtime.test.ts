import { env } from 'cloudflare:workers';
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { agentToken, call, clientId, guestWrites, newGuest, sleep } from '../helpers';
import { TestSocket } from '../socket';

async function conversationWithAlice(name = 'Ann Lee') {
  const guest = await newGuest(name);
  const { body } = await guestWrites(guest, 'alice', 'first');
  return { guest, id: body.conversation.id as string };
}

const socketPath = (id: string, since?: number) => `/api/conversations/${id}/socket${since === undefined ? '' : `?since=${since}`}`;

describe('conversation sockets (C9)', () => {
  it('delivers a guest message live to the agent and acknowledges it with its seq', async () => {
    const { guest, id } = await conversationWithAlice();
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    const welcome = await alice.next((f) => f.type === 'welcome');
    expect(welcome.conversation).toMatchObject({ id, title: 'Ann Lee', you: { kind: 'agent', participant: true } });
    const ann = await TestSocket.open(socketPath(id), guest.token);
    await ann.next((f) => f.type === 'welcome');

    ann.send({ type: 'send', clientId: 'm-1', text: 'Is anyone there?' });
    const ack = await ann.next((f) => f.type === 'ack');
    const live = await alice.next((f) => f.type === 'entry' && f.entry.text === 'Is anyone there?');
    expect(ack).toEqual({ type: 'ack', clientId: 'm-1', seq: live.entry.seq, duplicate: false });
    expect(live.entry.author).toEqual({ id: guest.id, kind: 'guest', name: 'Ann Lee' });

    alice.send({ type: 'send', clientId: 'r-1', text: 'Yes, hello!' });
    await ann.next((f) => f.type === 'entry' && f.entry.text === 'Yes, hello!');
    alice.close();
    ann.close();
  });

  it('stores every message of five concurrent sockets once, in one order, all acknowledged', async () => {
    const { guest, id } = await conversationWithAlice();
    const sockets = await Promise.all([
      TestSocket.open(socketPath(id), guest.token),
      TestSocket.open(socketPath(id), guest.token),
      TestSocket.open(socketPath(id), await agentToken('alice')),
      TestSocket.open(socketPath(id), await agentToken('alice')),
      TestSocket.open(socketPath(id), await agentToken('carol')),
    ]);
    const perSocket = 20;
    sockets.forEach((s, i) => {
      for (let n = 0; n < perSocket; n++) s.send({ type: 'send', clientId: `s${i}-${n}`, text: `socket ${i} message ${n}` });
    });
    for (const s of sockets) {
      await s.next(() => s.frames.filter((f) => f.type === 'ack').length === perSocket, 0, 10000);
    }
    const acks = sockets.flatMap((s) => s.frames.filter((f) => f.type === 'ack'));
    expect(acks.every((a) => !a.duplicate)).toBe(true);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(5 * perSocket);

    const { body } = await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers: guest.headers });
    const messages = body.entries.filter((e: any) => e.kind === 'message' && e.text.startsWith('socket'));
    expect(messages).toHaveLength(5 * perSocket);
    expect(new Set(messages.map((e: any) => e.clientId)).size).toBe(5 * perSocket);
    // Every socket saw every message in the same order as the stored timeline.
    const stored = messages.map((e: any) => e.seq);
    for (const s of sockets) {
      await s.next(() => s.entries().filter((e) => e.text?.startsWith('socket')).length === 5 * perSocket, 0, 10000);
      expect(s.entries().filter((e) => e.text?.startsWith('socket')).map((e) => e.seq)).toEqual(stored);
      s.close();
    }
  });

  it('a resend with the same client id is acknowledged again with the same seq, stored once', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    ann.send({ type: 'send', clientId: 'dup-1', text: 'only once' });
    const first = await ann.next((f) => f.type === 'ack');
    const mark = ann.frames.length;
    ann.send({ type: 'send', clientId: 'dup-1', text: 'only once' });
    const second = await ann.next((f) => f.type === 'ack', mark);
    expect(second).toEqual({ ...first, duplicate: true });
    const { body } = await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    expect(body.entries.filter((e: any) => e.text === 'only once')).toHaveLength(1);
    ann.close();
  });

  it('a client reconnecting from its last seq gets what it missed, then caught_up', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    const welcome = await ann.next((f) => f.type === 'welcome');
    const lastSeen = welcome.conversation.lastSeq;
    ann.close();
    await call('POST', `/api/conversations/${id}/messages`, { headers: { authorization: `Bearer ${await agentToken('alice')}` }, body: { clientId: clientId(), text: 'missed 1' } });
    await call('POST', `/api/conversations/${id}/messages`, { headers: { authorization: `Bearer ${await agentToken('alice')}` }, body: { clientId: clientId(), text: 'missed 2' } });

    const back = await TestSocket.open(socketPath(id, lastSeen), guest.token);
    const caught = await back.next((f) => f.type === 'caught_up');
    expect(back.entries().map((e) => e.text)).toEqual(['missed 1', 'missed 2']);
    expect(caught.lastSeq).toBe(lastSeen + 2);
    // A resume frame on an open socket is answered caught_up, without what this socket was already sent.
    const mark = back.frames.length;
    back.send({ type: 'resume', since: lastSeen + 1 });
    await back.next((f) => f.type === 'caught_up', mark);
    expect(back.frames.slice(mark).filter((f) => f.type === 'entry')).toEqual([]);
    back.close();
  });

  it('a socket keeps working after the object is evicted and woken (hibernation)', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    await alice.next((f) => f.type === 'welcome');
    await evictDurableObject(env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id)));
    ann.send({ type: 'send', clientId: 'after-sleep', text: 'still there?' });
    const ack = await ann.next((f) => f.type === 'ack');
    expect(ack.duplicate).toBe(false);
    await alice.next((f) => f.type === 'entry' && f.entry.text === 'still there?');
    // Identity survived in the attachment: the message is the guest's.
    const { body } = await call('GET', `/api/conversations/${id}/messages?after=${ack.seq - 1}`, { headers: guest.headers });
    expect(body.entries[0].author.name).toBe('Ann Lee');
    ann.close();
    alice.close();
  });

  it('shows typing, read positions and agent presence', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    await ann.next((f) => f.type === 'welcome');
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    expect(await ann.next((f) => f.type === 'presence')).toEqual({ type: 'presence', participantId: 'ag_demoAlice00000001', agentId: 'ag_demoAlice00000001', online: true });
    ann.send({ type: 'typing', typing: true });
    expect(await alice.next((f) => f.type === 'typing')).toEqual({ type: 'typing', participant: { id: guest.id, name: 'Ann Lee' }, typing: true });
    alice.send({ type: 'read', seq: 2 });
    expect(await ann.next((f) => f.type === 'read')).toEqual({ type: 'read', participantId: 'ag_demoAlice00000001', seq: 2 });
    alice.close();
    expect(await ann.next((f) => f.type === 'presence' && !f.online)).toMatchObject({ online: false });
    ann.close();
  });

  it('answers bad frames with an error frame and changes nothing', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    const welcome = await ann.next((f) => f.type === 'welcome');
    const bad: Array<[unknown, string]> = [
      ['not json', 'invalid_json'],
      [{ type: 'explode' }, 'invalid_frame'],
      [{ type: 'send', clientId: 'x' }, 'invalid_frame'],
      [{ type: 'send', clientId: 'x', text: 42 }, 'invalid_frame'],
      [{ type: 'send', clientId: 'x', text: 'a'.repeat(4001) }, 'invalid_frame'],
      [{ type: 'send', clientId: 'x', text: 'ok', admin: true }, 'invalid_frame'],
      [{ type: 'read', seq: -1 }, 'invalid_frame'],
      [JSON.stringify({ type: 'send', clientId: 'big', text: 'x'.repeat(20000) }), 'frame_too_large'],
    ];
    for (const [frame, code] of bad) {
      const mark = ann.frames.length;
      ann.send(frame);
      const error = await ann.next((f) => f.type === 'error', mark);
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(0);
    }
    const { body } = await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    expect(body.lastSeq).toBe(welcome.conversation.lastSeq);
    expect(ann.closed).toBeNull();
    ann.close();
  });

  it('refuses sockets to strangers, from other origins, and closes when made private to a watcher', async () => {
    const { guest, id } = await conversationWithAlice();
    const eve = await newGuest('Eve');
    expect((await TestSocket.refused(socketPath(id), eve.token)).status).toBe(404);
    expect((await TestSocket.refused(socketPath(id), guest.token, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await TestSocket.refused(socketPath(id), 'garbage')).status).toBe(401);

    const carol = await TestSocket.open(socketPath(id), await agentToken('carol'));
    await carol.next((f) => f.type === 'welcome');
    await call('PATCH', `/api/conversations/${id}`, { headers: { authorization: `Bearer ${await agentToken('alice')}` }, body: { visibility: 'private' } });
    expect((await carol.waitClosed()).code).toBe(4003);
    expect((await TestSocket.refused(socketPath(id), await agentToken('carol'))).status).toBe(404);
  });

  it('answers heartbeats, and rate-limits a flooding socket with error frames, then serves it again', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    const welcome = await ann.next((f) => f.type === 'welcome');
    ann.send({ type: 'ping' });
    await ann.next((f) => f.type === 'pong');

    // Typing frames cost nothing to store, so the flood outruns the refill (50/s after a burst of 200).
    for (let n = 0; n < 400; n++) ann.send({ type: 'typing', typing: n % 2 === 0 });
    await ann.next((f) => f.code === 'rate_limited', 0, 10000);
    await sleep(1000);
    const mark = ann.frames.length;
    ann.send({ type: 'send', clientId: 'after-flood', text: 'calm again' });
    const ack = await ann.next((f) => f.type === 'ack', mark);
    expect(ack.seq).toBe(welcome.conversation.lastSeq + 1);
    expect(ann.closed).toBeNull();
    ann.close();
  });

  it('refuses frames after the token expired', async () => {
    const { guest, id } = await conversationWithAlice();
    const shortLived = await agentToken('alice', { expiresIn: Math.floor(Date.now() / 1000) - 25 });
    const alice = await TestSocket.open(socketPath(id), shortLived);
    await alice.next((f) => f.type === 'welcome');
    alice.send({ type: 'send', clientId: 'late', text: 'too late' });
    expect((await alice.waitClosed()).code).toBe(4001);
    const { body } = await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    expect(body.entries.map((e: any) => e.text)).not.toContain('too late');
  });

  it('sends nothing more to a socket whose token expired, even one that never writes', async () => {
    const { guest, id } = await conversationWithAlice();
    // Already expired, but inside the 30 s clock skew the upgrade allows.
    const expired = await agentToken('alice', { expiresIn: Math.floor(Date.now() / 1000) - 25 });
    const alice = await TestSocket.open(socketPath(id), expired);
    const inbox = await TestSocket.open('/api/inbox/socket', expired);
    await alice.next((f) => f.type === 'welcome');
    await inbox.next((f) => f.type === 'inbox');
    await guestWrites(guest, 'alice', 'not for an expired socket');
    expect((await alice.waitClosed()).code).toBe(4001);
    expect((await inbox.waitClosed()).code).toBe(4001);
    expect(alice.frames.some((f) => f.type === 'error' && f.code === 'token_expired')).toBe(true);
    expect(alice.frames.some((f) => f.type === 'entry' && f.entry.text === 'not for an expired socket')).toBe(false);
    expect(inbox.frames.some((f) => f.type === 'item')).toBe(false);
  });
});
