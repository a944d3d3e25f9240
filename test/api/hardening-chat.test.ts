import { env } from 'cloudflare:workers';
import { listDurableObjectIds } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { agentToken, asAgent, call, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

async function conversationWithAlice(name = 'Ann Lee') {
  const guest = await newGuest(name);
  const { body } = await guestWrites(guest, 'alice', 'first');
  return { guest, id: body.conversation.id as string };
}

const socketPath = (id: string) => `/api/conversations/${id}/socket`;

describe('typing needs the right to write (item 23)', () => {
  it('a basic agent who is not a participant cannot make the guest see them typing; a licensed one who may join can', async () => {
    const { guest, id } = await conversationWithAlice();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    await ann.next((f) => f.type === 'welcome');
    const bob = await TestSocket.open(socketPath(id), await agentToken('bob'));
    await bob.next((f) => f.type === 'welcome');

    bob.send({ type: 'typing', typing: true });
    const carol = await TestSocket.open(socketPath(id), await agentToken('carol'));
    await carol.next((f) => f.type === 'welcome');
    carol.send({ type: 'typing', typing: true });
    await ann.next((f) => f.type === 'typing' && f.typing && f.participant.name === 'Carol Diaz');
    expect(ann.frames.filter((f) => f.type === 'typing' && f.participant.name === 'Bob Stone' && f.typing)).toEqual([]);
    expect((await bob.next((f) => f.type === 'error', 0, 1000)).code).toBe('agent_not_licensed');
    for (const s of [ann, bob, carol]) s.close();
  });
});

describe('unknown conversation ids (item 20)', () => {
  const randomId = () => `cv_${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  const objectExists = async (id: string) => {
    const wanted = env.CONVERSATIONS.idFromName(id).toString();
    return (await listDurableObjectIds(env.CONVERSATIONS)).some((o) => o.toString() === wanted);
  };

  it('answer 404 on every route to every caller without creating a Durable Object', async () => {
    const id = randomId();
    const agent = await asAgent('alice');
    const guest = await newGuest('Probe Guest');
    const probes: Array<[string, string, Record<string, string>, unknown?]> = [
      ['GET', `/api/conversations/${id}`, agent],
      ['GET', `/api/conversations/${id}`, guest.headers],
      ['GET', `/api/conversations/${id}/messages`, agent],
      ['POST', `/api/conversations/${id}/messages`, guest.headers, { clientId: 'p-1', text: 'hi' }],
      ['PATCH', `/api/conversations/${id}`, agent, { name: 'x' }],
      ['POST', `/api/conversations/${id}/join`, agent],
      ['POST', `/api/conversations/${id}/leave`, agent],
      ['POST', `/api/conversations/${id}/assign`, agent, { service: 'sales' }],
      ['POST', `/api/conversations/${id}/invites`, agent],
      ['POST', `/api/conversations/${id}/contact`, agent, {}],
      ['GET', `/api/conversations/${id}/crm`, agent],
      ['POST', `/api/conversations/${id}/crm`, agent, { provider: 'hubspot' }],
    ];
    for (const [method, path, headers, body] of probes) {
      const answer = await call(method, path, { headers, ...(body === undefined ? {} : { body: body as Record<string, unknown> }) });
      expect({ method, path, status: answer.status, code: answer.body?.error?.code }).toEqual({ method, path, status: 404, code: 'not_found' });
    }
    const socket = await TestSocket.refused(socketPath(id), await agentToken('alice'));
    expect(socket.status).toBe(404);
    expect(await objectExists(id)).toBe(false);
  });

  it('still reach a conversation that exists, and its object', async () => {
    const { guest, id } = await conversationWithAlice();
    expect((await call('GET', `/api/conversations/${id}`, { headers: await asAgent('alice') })).status).toBe(200);
    expect((await call('GET', `/api/conversations/${id}`, { headers: guest.headers })).status).toBe(200);
    expect(await objectExists(id)).toBe(true);
  });
});

describe('replays (item 7)', () => {
  it('send each entry at most once per socket: repeated resumes are answered caught_up with nothing sent again', async () => {
    const { guest, id } = await conversationWithAlice();
    for (let n = 0; n < 5; n++) await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: `r-${n}`, text: `m ${n}` } });
    const ann = await TestSocket.open(socketPath(id), guest.token);
    await ann.next((f) => f.type === 'welcome');
    for (let n = 0; n < 3; n++) ann.send({ type: 'resume', since: 0 });
    await ann.next(() => ann.frames.filter((f) => f.type === 'caught_up').length === 3);
    expect(ann.entries().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // Older than anything sent yet: only that part comes; newer than it: nothing.
    const alice = await TestSocket.open(`${socketPath(id)}?since=4`, await agentToken('alice'));
    await alice.next((f) => f.type === 'caught_up');
    alice.send({ type: 'resume', since: 2 });
    alice.send({ type: 'resume', since: 5 });
    await alice.next(() => alice.frames.filter((f) => f.type === 'caught_up').length === 3);
    expect(alice.entries().map((e) => e.seq)).toEqual([5, 6, 7, 3, 4]);
    expect(alice.frames.at(-1)).toEqual({ type: 'caught_up', lastSeq: 7 });
    ann.close();
    alice.close();
  });
});
