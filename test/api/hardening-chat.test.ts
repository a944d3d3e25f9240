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
      ['GET', `/api/conversations/${id}/invites`, agent],
      ['DELETE', `/api/conversations/${id}/invites/iv_${'A'.repeat(20)}`, agent],
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

describe('invite links (item 9)', () => {
  const invite = async (id: string, body?: Record<string, unknown>) =>
    call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice'), ...(body ? { body } : {}) });
  const accept = (guest: { headers: Record<string, string> }, token: string) => call('POST', '/api/invites/accept', { headers: guest.headers, body: { invite: token } });

  it('are single-use by default; the same guest accepting again uses nothing; a second new guest gets 410 invite_used', async () => {
    const { id } = await conversationWithAlice();
    const made = await invite(id);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: 'open', maxUses: 1, uses: 0, createdBy: { name: 'Alice Martin' } });
    const [bo, cy] = await Promise.all([newGuest('Bo Chen'), newGuest('Cy Dee')]);
    expect((await accept(bo, made.body.invite)).status).toBe(200);
    expect((await accept(bo, made.body.invite)).status).toBe(200);
    const refused = await accept(cy, made.body.invite);
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 410, code: 'invite_used' });
    expect((await call('GET', `/api/conversations/${id}`, { headers: cy.headers })).status).toBe(404);
    const listed = await call('GET', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
    expect(listed.body.invites).toEqual([expect.objectContaining({ id: made.body.id, status: 'used', uses: 1 })]);
  });

  it('take as many new guests as maxUses says', async () => {
    const { id } = await conversationWithAlice();
    const made = await invite(id, { maxUses: 2 });
    expect(made.body.maxUses).toBe(2);
    const guests = await Promise.all(['G1', 'G2', 'G3'].map((n) => newGuest(n)));
    expect((await accept(guests[0]!, made.body.invite)).status).toBe(200);
    expect((await accept(guests[1]!, made.body.invite)).status).toBe(200);
    expect((await accept(guests[2]!, made.body.invite)).status).toBe(410);
    for (const bad of [0, 21, 1.5, '2', null]) {
      const r = await invite(id, { maxUses: bad });
      expect({ bad, status: r.status, code: r.body.error.code }).toEqual({ bad, status: 400, code: 'invalid_request' });
    }
  });

  it('can be listed and revoked by agents; a revoked one answers 410 invite_revoked', async () => {
    const { guest, id } = await conversationWithAlice();
    const made = await invite(id, { maxUses: 5 });
    const other = await invite(id);
    expect((await call('GET', `/api/conversations/${id}/invites`, { headers: guest.headers })).status).toBe(403);
    const basic = await call('DELETE', `/api/conversations/${id}/invites/${made.body.id}`, { headers: await asAgent('bob') });
    expect(basic.status).toBe(403);
    const revoked = await call('DELETE', `/api/conversations/${id}/invites/${made.body.id}`, { headers: await asAgent('carol') });
    expect(revoked.body).toMatchObject({ id: made.body.id, status: 'revoked' });
    expect((await call('DELETE', `/api/conversations/${id}/invites/${made.body.id}`, { headers: await asAgent('alice') })).body.status).toBe('revoked');
    expect((await call('DELETE', `/api/conversations/${id}/invites/iv_${'A'.repeat(20)}`, { headers: await asAgent('alice') })).status).toBe(404);
    const refused = await accept(await newGuest('Late Guest'), made.body.invite);
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 410, code: 'invite_revoked' });
    const listed = await call('GET', `/api/conversations/${id}/invites`, { headers: await asAgent('bob') });
    expect(listed.body.invites.map((i: any) => [i.id, i.status])).toEqual([
      [other.body.id, 'open'],
      [made.body.id, 'revoked'],
    ]);
  });

  it('are all revoked when the conversation is made private: after the agent left, nobody new joins with them', async () => {
    const { id } = await conversationWithAlice();
    const made = await invite(id, { maxUses: 10 });
    expect((await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } })).status).toBe(200);
    expect((await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('alice') })).status).toBe(200);
    for (const name of ['Six 1', 'Six 2']) {
      const g = await newGuest(name);
      const refused = await accept(g, made.body.invite);
      expect(refused.status).toBe(410);
      expect((await call('GET', `/api/conversations/${id}/messages`, { headers: g.headers })).status).toBe(404);
    }
  });
});

describe('guest presence (item 18)', () => {
  it('an agent already watching sees a guest who joined by invite come online and go offline', async () => {
    const { id } = await conversationWithAlice();
    const alice = await TestSocket.open(socketPath(id), await agentToken('alice'));
    await alice.next((f) => f.type === 'welcome');
    const made = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
    const bo = await newGuest('Bo Chen');
    expect((await call('POST', '/api/invites/accept', { headers: bo.headers, body: { invite: made.body.invite } })).status).toBe(200);
    const added = await alice.next((f) => f.type === 'conversation' && f.conversation.participants.some((p: any) => p.id === bo.id));
    expect(added.conversation.participants.find((p: any) => p.id === bo.id).online).toBe(false);

    const boSocket = await TestSocket.open(socketPath(id), bo.token);
    expect(await alice.next((f) => f.type === 'presence' && f.participantId === bo.id)).toEqual({ type: 'presence', participantId: bo.id, online: true });
    const mark = alice.frames.length;
    boSocket.close();
    expect(await alice.next((f) => f.type === 'presence' && f.participantId === bo.id, mark)).toEqual({ type: 'presence', participantId: bo.id, online: false });
    alice.close();
  });
});
