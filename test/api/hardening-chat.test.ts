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
