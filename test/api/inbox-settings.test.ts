import { beforeEach, describe, expect, it } from 'vitest';
import { agentToken, asAgent, call, clientId, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

const OFF = { awayAfterMinutes: 10, emailWhenOffline: false, notifications: { guestMessages: { desktop: false, sound: false } } };
const settingsOf = async (who: string) => (await call('GET', '/api/inbox/settings', { headers: await asAgent(who) })).body;
const patch = async (who: string, body: Record<string, unknown>) => call('PATCH', '/api/inbox/settings', { headers: await asAgent(who), body });

describe('console notification preferences (inbox settings)', () => {
  // Storage lasts for the whole file: each test starts from everything off.
  beforeEach(async () => {
    for (const who of ['alice', 'bob']) expect((await patch(who, OFF)).status).toBe(200);
  });

  it('start off, change one channel at a time, keep the rest, and are the agent’s own', async () => {
    expect(await settingsOf('alice')).toEqual(OFF);

    const desktop = await patch('alice', { notifications: { guestMessages: { desktop: true } } });
    expect(desktop.status).toBe(200);
    expect(desktop.body).toEqual({ ...OFF, notifications: { guestMessages: { desktop: true, sound: false } } });

    // Sound on keeps desktop on; the email opt-in alone keeps both.
    await patch('alice', { notifications: { guestMessages: { sound: true } } });
    expect((await patch('alice', { emailWhenOffline: true })).body).toEqual({
      ...OFF,
      emailWhenOffline: true,
      notifications: { guestMessages: { desktop: true, sound: true } },
    });
    expect(await settingsOf('alice')).toEqual({ ...OFF, emailWhenOffline: true, notifications: { guestMessages: { desktop: true, sound: true } } });

    // Bob's are his own: Alice's change is not his, and he reads only his.
    expect(await settingsOf('bob')).toEqual(OFF);
  });

  it('refuse malformed changes with 400 and change nothing', async () => {
    await patch('alice', { notifications: { guestMessages: { desktop: true } } });
    const before = await settingsOf('alice');
    for (const body of [
      {},
      { notifications: {} },
      { notifications: { guestMessages: {} } },
      { notifications: { guestMessages: { desktop: 'yes' } } },
      { notifications: { guestMessages: { desktop: null } } },
      { notifications: { guestMessages: { desktop: false, popup: true } } },
      { notifications: { mentions: { desktop: true } } },
      { notifications: true },
      { notifications: { guestMessages: true } },
      { emailWhenOffline: false, notifications: { guestMessages: { sound: 1 } } },
    ]) {
      const r = await patch('alice', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
    }
    expect(await settingsOf('alice')).toEqual(before);
  });

  it('are refused to guests and to requests without a token', async () => {
    const guest = await newGuest();
    const read = await call('GET', '/api/inbox/settings', { headers: guest.headers });
    const write = await call('PATCH', '/api/inbox/settings', { headers: guest.headers, body: { notifications: { guestMessages: { desktop: true } } } });
    const anonymous = await call('PATCH', '/api/inbox/settings', { body: { notifications: { guestMessages: { desktop: true } } } });
    // A genuine guest token on an agent route is 403 agents_only; no token is 401.
    for (const r of [read, write]) expect([r.status, r.body.error.code]).toEqual([403, 'agents_only']);
    expect(anonymous.status).toBe(401);
    expect(await settingsOf('alice')).toEqual(OFF);
  });

  it('reach the agent’s other open consoles as a settings frame, and no one else’s', async () => {
    const aliceTab = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    const bobTab = await TestSocket.open('/api/inbox/socket', await agentToken('bob'));
    await aliceTab.next((f) => f.type === 'inbox');
    await bobTab.next((f) => f.type === 'inbox');
    await patch('alice', { notifications: { guestMessages: { sound: true } } });
    const frame = await aliceTab.next((f) => f.type === 'settings');
    expect(frame.settings).toEqual({ ...OFF, notifications: { guestMessages: { desktop: false, sound: true } } });
    // Bob's socket answers its ping after Alice's change went out: had he been sent it, it would be here.
    bobTab.send({ type: 'ping' });
    await bobTab.next((f) => f.type === 'pong');
    expect(bobTab.frames.some((f) => f.type === 'settings')).toBe(false);
    aliceTab.close();
    bobTab.close();
  });

  it('are described in /openapi.json', async () => {
    const { body } = await call('GET', '/openapi.json');
    const op = body.paths['/api/inbox/settings'].patch;
    const schema = op.requestBody.content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['awayAfterMinutes', 'emailWhenOffline', 'notifications']);
    expect(Object.keys(schema.properties.notifications.properties.guestMessages.properties)).toEqual(['desktop', 'sound']);
    const answer = body.paths['/api/inbox/settings'].get.responses['200'].content['application/json'].schema;
    expect(answer.required).toEqual(['awayAfterMinutes', 'emailWhenOffline', 'notifications']);
  });
});

describe('inbox items tell who wrote the last message', () => {
  it('authorKind is guest for a guest’s message and agent for the agent’s answer', async () => {
    const inbox = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await inbox.next((f) => f.type === 'inbox');
    const id: string = (await guestWrites(await newGuest('Gil Guest'), 'alice', 'Hello?')).body.conversation.id;
    const fromGuest = await inbox.next((f) => f.type === 'item' && f.item.conversationId === id && f.item.lastMessage?.text === 'Hello?');
    expect(fromGuest.item.lastMessage).toMatchObject({ authorName: 'Gil Guest', authorKind: 'guest' });
    const reply = await call('POST', `/api/conversations/${id}/messages`, { headers: await asAgent('alice'), body: { clientId: clientId(), text: 'Hi Gil' } });
    expect(reply.status).toBe(200);
    const fromAgent = await inbox.next((f) => f.type === 'item' && f.item.lastMessage?.text === 'Hi Gil');
    expect(fromAgent.item.lastMessage).toMatchObject({ authorName: 'Alice Martin', authorKind: 'agent' });
    const listed = (await call('GET', '/api/inbox', { headers: await asAgent('alice') })).body.items.find((i: any) => i.conversationId === id);
    expect(listed.lastMessage.authorKind).toBe('agent');
    inbox.close();
  });
});
