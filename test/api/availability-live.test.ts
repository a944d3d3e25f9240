import { env } from 'cloudflare:workers';
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { agentToken, asAgent, call, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

// Live availability on the conversation socket (docs/protocol.md "Availability").

const socketPath = (id: string) => `/api/conversations/${id}/socket`;
const setState = async (who: string, state: 'online' | 'away') => call('PUT', '/api/inbox/presence', { headers: await asAgent(who), body: { state } });
const agentId = async (slug: string) => (await env.DB.prepare('SELECT id FROM agents WHERE slug = ?').bind(slug).first<{ id: string }>())!.id;
const inboxOpen = async (who: string) => {
  const s = await TestSocket.open('/api/inbox/socket', await agentToken(who));
  await s.next((f) => f.type === 'inbox');
  return s;
};
/** The next availability frame after `from` that says `availability`. */
const becomes = (s: TestSocket, availability: string, from: number) => s.next((f) => f.type === 'availability' && f.availability === availability, from);
/** A guest writes to `to` and opens the conversation's socket. */
async function guestLooking(name: string, to: string) {
  const guest = await newGuest(name);
  const { body } = await guestWrites(guest, to, 'hello');
  const id = body.conversation.id as string;
  return { id, socket: await TestSocket.open(socketPath(id), guest.token) };
}
/** A console closed and its close seen, so the next test starts offline. */
async function closeConsole(s: TestSocket) {
  s.close();
  await s.waitClosed();
}
const watchers = async (slug: string) =>
  runInDurableObject(env.INBOXES.getByName(await agentId(slug)), async (_i, state) => [...(await state.storage.list({ prefix: 'watch:' })).keys()]);

describe('live availability on the conversation socket', () => {
  it('tells a guest looking at a personal-link conversation as the agent comes, goes away and leaves, and only while they look', async () => {
    const alice = await agentId('alice');
    const { id, socket: ann } = await guestLooking('Ann Lee', 'alice');
    // Right after the welcome: what she sees before anyone moves.
    await ann.next((f) => f.type === 'availability');
    expect(ann.frames[0].type).toBe('welcome');
    expect(ann.frames[1]).toEqual({ type: 'availability', availability: 'offline', agents: [{ id: alice, availability: 'offline' }] });

    let from = ann.frames.length;
    const console1 = await inboxOpen('alice');
    expect(await becomes(ann, 'online', from)).toEqual({ type: 'availability', availability: 'online', agents: [{ id: alice, availability: 'online' }] });

    from = ann.frames.length;
    await setState('alice', 'away');
    await becomes(ann, 'away', from);

    // An agent looking at the conversation (the participants panel) hears it too.
    const panel = await TestSocket.open(socketPath(id), await agentToken('carol'));
    await panel.next((f) => f.type === 'availability' && f.agents[0]?.availability === 'away');

    from = ann.frames.length;
    const panelFrom = panel.frames.length;
    console1.close();
    await becomes(ann, 'offline', from);
    await becomes(panel, 'offline', panelFrom);
    await setState('alice', 'online');

    // Once nobody looks, the inbox stops telling the conversation at its next change.
    ann.close();
    panel.close();
    await ann.waitClosed();
    await panel.waitClosed();
    expect(await watchers('alice')).toContain(`watch:${id}`);
    const console2 = await inboxOpen('alice');
    await expect.poll(() => watchers('alice'), { timeout: 5000 }).not.toContain(`watch:${id}`);
    await closeConsole(console2);
  });

  it('shows a service conversation the best of its agents, follows an assignment, and falls back on who comes back once all left', async () => {
    const [alice, carol] = [await agentId('alice'), await agentId('carol')];
    const carolConsole = await inboxOpen('carol');
    await setState('carol', 'away');
    const { id, socket: bo } = await guestLooking('Bo Chen', 'service:sales');
    const first = await bo.next((f) => f.type === 'availability');
    expect(first.availability).toBe('away');
    expect(Object.fromEntries(first.agents.map((a: any) => [a.id, a.availability]))).toEqual({ [alice]: 'offline', [carol]: 'away' });

    let from = bo.frames.length;
    const aliceConsole = await inboxOpen('alice');
    await becomes(bo, 'online', from);

    // Assigned to Carol alone: Alice's console no longer counts.
    from = bo.frames.length;
    expect((await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'sales', member: 'carol' } })).status).toBe(200);
    expect(await bo.next((f) => f.type === 'availability' && f.agents.length === 1, from)).toEqual({
      type: 'availability',
      availability: 'away',
      agents: [{ id: carol, availability: 'away' }],
    });

    // Carol leaves: nobody is in it, so the guest sees those her next message brings back (Sales' licensed members).
    from = bo.frames.length;
    expect((await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('carol') })).status).toBe(200);
    expect(await bo.next((f) => f.type === 'availability' && f.agents.length === 0, from)).toEqual({ type: 'availability', availability: 'online', agents: [] });
    from = bo.frames.length;
    aliceConsole.close();
    await becomes(bo, 'away', from);

    bo.close();
    carolConsole.close();
    await setState('carol', 'online');
  });

  it('keeps telling a guest after the conversation actor slept and forgot whom it watches', async () => {
    const console1 = await inboxOpen('alice');
    const { id, socket: cy } = await guestLooking('Cy Dee', 'alice');
    await cy.next((f) => f.type === 'availability' && f.availability === 'online');

    // The socket survives hibernation; the actor's memory of what it was told does not.
    await evictDurableObject(env.CONVERSATIONS.getByName(id));
    let from = cy.frames.length;
    await setState('alice', 'away');
    await becomes(cy, 'away', from);
    from = cy.frames.length;
    await setState('alice', 'online');
    await becomes(cy, 'online', from);
    expect(await watchers('alice')).toContain(`watch:${id}`);
    cy.close();
    await closeConsole(console1);
  });

  it('ends on the last of quick changes, whatever order the calls happen to finish in', async () => {
    const console1 = await inboxOpen('alice');
    const { socket: di } = await guestLooking('Di Eve', 'alice');
    await di.next((f) => f.type === 'availability' && f.availability === 'online');
    for (const state of ['away', 'online', 'away', 'online', 'away'] as const) expect((await setState('alice', state)).status).toBe(200);
    await becomes(di, 'away', 0);
    await new Promise((r) => setTimeout(r, 500));
    expect(di.frames.filter((f) => f.type === 'availability').at(-1).availability).toBe('away');
    di.close();
    await setState('alice', 'online');
    await closeConsole(console1);
  });
});
