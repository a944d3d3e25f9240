import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asAgent, call, clientId, guestWrites, newGuest } from '../helpers';

const agentNames = (view: any) => view.participants.filter((p: any) => p.kind === 'agent').map((p: any) => p.name);

describe('start and reuse (C1, C2)', () => {
  it('a first message to an agent creates a one-on-one conversation', async () => {
    const ann = await newGuest('Ann Lee');
    const { status, body } = await guestWrites(ann, 'alice', 'Hi Alice');
    expect(status).toBe(200);
    expect(body.created).toBe(true);
    expect(body.conversation.title).toBe('Alice Martin');
    expect(body.conversation.avatarUrl).toBe('/avatars/alice.svg');
    expect(agentNames(body.conversation)).toEqual(['Alice Martin']);
    expect(body.conversation.visibility).toBe('public');
  });

  it('a first message to a service adds its licensed members only', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'service:sales');
    expect(agentNames(body.conversation)).toEqual(['Alice Martin', 'Carol Diaz']);
    expect(body.conversation.title).toBe('Sales');
  });

  it('writing again reuses the conversation and its history', async () => {
    const ann = await newGuest('Ann Lee');
    const first = await guestWrites(ann, 'service:support', 'one');
    const second = await guestWrites(ann, 'service:support', 'two');
    expect(second.body.created).toBe(false);
    expect(second.body.conversation.id).toBe(first.body.conversation.id);
    const history = await call('GET', `/api/conversations/${first.body.conversation.id}/messages`, { headers: ann.headers });
    expect(history.body.entries.filter((e: any) => e.kind === 'message').map((e: any) => e.text)).toEqual(['one', 'two']);
  });

  it('two concurrent first messages from one guest create one conversation', async () => {
    const ann = await newGuest('Ann Lee');
    const [a, b] = await Promise.all([guestWrites(ann, 'service:sales', 'a'), guestWrites(ann, 'service:sales', 'b')]);
    expect(a.body.conversation.id).toBe(b.body.conversation.id);
    expect([a.body.created, b.body.created].sort()).toEqual([false, true]);
  });

  it('different guests get different conversations', async () => {
    const [ann, bo] = await Promise.all([newGuest('Ann Lee'), newGuest('Bo Chen')]);
    const a = await guestWrites(ann, 'alice');
    const b = await guestWrites(bo, 'alice');
    expect(a.body.conversation.id).not.toBe(b.body.conversation.id);
  });

  it('refuses an unlicensed agent or a service nobody licensed is in', async () => {
    const ann = await newGuest('Ann Lee');
    const bob = await guestWrites(ann, 'bob');
    expect(bob.status).toBe(409);
    expect(bob.body.error.code).toBe('agent_unavailable');
    const billing = await guestWrites(ann, 'service:billing');
    expect(billing.status).toBe(409);
    expect(billing.body.error.code).toBe('service_unavailable');
  });
});

describe('titles per viewer (C3, C4)', () => {
  it('agents see the guest name, in one-on-one and group conversations', async () => {
    const ann = await newGuest('Ann Lee');
    const one = await guestWrites(ann, 'alice');
    const group = await guestWrites(ann, 'service:sales');
    for (const id of [one.body.conversation.id, group.body.conversation.id]) {
      const { body } = await call('GET', `/api/conversations/${id}`, { headers: await asAgent('alice') });
      expect(body.title).toBe('Ann Lee');
    }
  });

  it('a guest of the widget for a service sees the service', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'service:support', 'hi', { widget: true });
    expect(body.conversation.title).toBe('Support');
    expect(body.conversation.avatarUrl).toBe('/avatars/support.svg');
  });

  it('a second guest joins the agents’ title through an invite link (C7)', async () => {
    const [ann, bo] = await Promise.all([newGuest('Ann Lee'), newGuest('Bo Chen')]);
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    const invite = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
    expect(invite.status).toBe(201);
    expect(invite.body.url).toContain('/invite#');
    const accepted = await call('POST', '/api/invites/accept', { headers: bo.headers, body: { invite: invite.body.invite } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.title).toBe('Alice Martin');
    const agentView = await call('GET', `/api/conversations/${id}`, { headers: await asAgent('alice') });
    expect(agentView.body.title).toBe('Ann Lee, Bo Chen');
    const tampered = await call('POST', '/api/invites/accept', { headers: bo.headers, body: { invite: invite.body.invite.slice(0, -3) + 'AAA' } });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.code).toBe('invalid_invite');
  });

  it('a rename is shown to agents and guests alike', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    const renamed = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { name: 'Pricing question' } });
    expect(renamed.body.title).toBe('Pricing question');
    expect((await call('GET', `/api/conversations/${id}`, { headers: ann.headers })).body.title).toBe('Pricing question');
  });
});

describe('assign (C5)', () => {
  async function salesConversation() {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'service:sales');
    return { ann, id: body.conversation.id as string };
  }

  it('assigns to a service: its licensed members become the agents', async () => {
    const { ann, id } = await salesConversation();
    const { status, body } = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'support' } });
    expect(status).toBe(200);
    expect(agentNames(body)).toEqual(['Carol Diaz']);
    expect(body.service).toEqual({ slug: 'support', name: 'Support' });
    const guestView = await call('GET', `/api/conversations/${id}`, { headers: ann.headers });
    expect(guestView.body.title).toBe('Support');
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    const assigned = history.body.entries.find((e: any) => e.event?.type === 'assigned');
    expect(assigned.author.name).toBe('Alice Martin');
    expect(assigned.event).toMatchObject({ service: { slug: 'support' }, assignee: null });
  });

  it('assigns to a service and one licensed member', async () => {
    const { id } = await salesConversation();
    const { body } = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('carol'), body: { service: 'sales', member: 'alice' } });
    expect(agentNames(body)).toEqual(['Alice Martin']);
  });

  it('refuses a non-assignable service and changes nothing', async () => {
    const { ann, id } = await salesConversation();
    const before = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    const { status, body } = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'billing' } });
    expect(status).toBe(409);
    expect(body.error.code).toBe('service_unavailable');
    const after = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    expect(after.body).toEqual(before.body);
    expect(agentNames((await call('GET', `/api/conversations/${id}`, { headers: ann.headers })).body)).toEqual(['Alice Martin', 'Carol Diaz']);
  });

  it('refuses an unlicensed member, and a member of another service', async () => {
    const { id } = await salesConversation();
    const bob = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'sales', member: 'bob' } });
    expect(bob.status).toBe(422);
    expect(bob.body.error.code).toBe('member_not_licensed');
    const outsider = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'support', member: 'alice' } });
    expect(outsider.status).toBe(422);
    expect(outsider.body.error.code).toBe('member_not_in_service');
  });

  it('never adds a basic-license agent: not on start, assign, or join', async () => {
    const { id } = await salesConversation();
    const assigned = await call('POST', `/api/conversations/${id}/assign`, { headers: await asAgent('alice'), body: { service: 'sales' } });
    expect(agentNames(assigned.body)).not.toContain('Bob Stone');
    const join = await call('POST', `/api/conversations/${id}/join`, { headers: await asAgent('bob') });
    expect(join.status).toBe(403);
    expect(join.body.error.code).toBe('agent_not_licensed');
    const write = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('bob'), body: { clientId: clientId(), text: 'hi' } });
    expect(write.status).toBe(403);
    for (const [path, method, body] of [['', 'PATCH', { name: 'Bob was here' }], ['/assign', 'POST', { service: 'support' }], ['/invites', 'POST', undefined]] as const) {
      const r = await call(method, `/api/conversations/${id}${path}`, { headers: await asAgent('bob'), ...(body ? { body } : {}) });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('agent_not_licensed');
    }
  });
});

describe('license changes', () => {
  it('an agent downgraded to basic can no longer write, and writes again once licensed', async () => {
    const ann = await newGuest('Ann Lee');
    const id = (await guestWrites(ann, 'service:support')).body.conversation.id;
    const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
    await call('PATCH', '/api/admin/agents/carol', { headers: admin, body: { license: 'basic' } });
    try {
      const refused = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('carol'), body: { clientId: clientId(), text: 'still here' } });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('agent_not_licensed');
    } finally {
      await call('PATCH', '/api/admin/agents/carol', { headers: admin, body: { license: 'premium' } });
    }
    const again = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('carol'), body: { clientId: clientId(), text: 'back' } });
    expect(again.status).toBe(200);
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    expect(history.body.entries.map((e: any) => e.text)).not.toContain('still here');
  });
});

describe('privacy and access (C8)', () => {
  it('a guest cannot read or write another guest’s conversation', async () => {
    const [ann, eve] = await Promise.all([newGuest('Ann Lee'), newGuest('Eve')]);
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    expect((await call('GET', `/api/conversations/${id}`, { headers: eve.headers })).status).toBe(404);
    expect((await call('GET', `/api/conversations/${id}/messages`, { headers: eve.headers })).status).toBe(404);
    const write = await call('POST', `/api/conversations/${id}/messages`, { headers: eve.headers, body: { clientId: clientId(), text: 'intrusion' } });
    expect(write.status).toBe(404);
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    expect(history.body.entries.map((e: any) => e.text)).not.toContain('intrusion');
  });

  it('any agent can open a public conversation; only participants a private one', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    expect((await call('GET', `/api/conversations/${id}`, { headers: await asAgent('carol') })).status).toBe(200);
    const guestTries = await call('PATCH', `/api/conversations/${id}`, { headers: ann.headers, body: { visibility: 'private' } });
    expect(guestTries.status).toBe(403);
    // An onlooker may not shut everyone else out; the code is the one leaving and CRM pushes use.
    const onlooker = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('carol'), body: { visibility: 'private' } });
    expect([onlooker.status, onlooker.body.error.code]).toEqual([403, 'not_a_participant']);
    const made = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } });
    expect(made.body.visibility).toBe('private');
    expect((await call('GET', `/api/conversations/${id}`, { headers: await asAgent('carol') })).status).toBe(404);
    expect((await call('POST', `/api/conversations/${id}/join`, { headers: await asAgent('carol') })).status).toBe(404);
    expect((await call('GET', `/api/conversations/${id}`, { headers: await asAgent('alice') })).status).toBe(200);
  });
});

describe('messages over HTTP (C9)', () => {
  it('a resend with the same client id stores nothing new and answers the same seq', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    const cid = clientId();
    const first = await call('POST', `/api/conversations/${id}/messages`, { headers: ann.headers, body: { clientId: cid, text: 'once' } });
    const again = await call('POST', `/api/conversations/${id}/messages`, { headers: ann.headers, body: { clientId: cid, text: 'once' } });
    expect(again.body).toEqual({ seq: first.body.seq, duplicate: true });
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    expect(history.body.entries.filter((e: any) => e.text === 'once')).toHaveLength(1);
  });

  it('paginates history by sequence number', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'alice', 'm0');
    const id = body.conversation.id;
    for (let i = 1; i < 5; i++) await call('POST', `/api/conversations/${id}/messages`, { headers: ann.headers, body: { clientId: clientId(), text: `m${i}` } });
    const page1 = await call('GET', `/api/conversations/${id}/messages?limit=3`, { headers: ann.headers });
    expect(page1.body.entries.map((e: any) => e.seq)).toEqual([1, 2, 3]);
    const page2 = await call('GET', `/api/conversations/${id}/messages?after=3&limit=3`, { headers: ann.headers });
    expect(page2.body.entries.map((e: any) => e.text)).toEqual(['m2', 'm3', 'm4']);
    expect(page2.body.lastSeq).toBe(6);
  });

  it('refuses bad message input and stores nothing', async () => {
    const ann = await newGuest('Ann Lee');
    const { body } = await guestWrites(ann, 'alice');
    const id = body.conversation.id;
    for (const bad of [{ clientId: '', text: 'x' }, { clientId: 'ok', text: '   ' }, { clientId: 'ok', text: 'x'.repeat(4001) }, { clientId: 'bad id!', text: 'x' }, { text: 'x' }]) {
      const r = await call('POST', `/api/conversations/${id}/messages`, { headers: ann.headers, body: bad });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    expect((await call('GET', `/api/conversations/not-an-id`, { headers: ann.headers })).status).toBe(400);
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers });
    expect(history.body.lastSeq).toBe(2);
  });
});
