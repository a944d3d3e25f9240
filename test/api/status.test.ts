import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { agentToken, asAgent, call, clientId, deleteAllWebhooks, eventually, guestWrites, newGuest, sleep, webhookReceiver } from '../helpers';
import { TestSocket } from '../socket';

/** Conversation status: open, snoozed (until a time or the guest's next message), resolved. */

const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

const setStatus = async (id: string, who: string, body: Record<string, unknown>) =>
  call('PATCH', `/api/conversations/${id}`, { headers: await asAgent(who), body });

const view = async (id: string, headers: Record<string, string>) => (await call('GET', `/api/conversations/${id}`, { headers })).body;

const write = (guest: { headers: Record<string, string> }, id: string, text: string) =>
  call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text } });

async function started(name: string): Promise<{ id: string; guest: Awaited<ReturnType<typeof newGuest>> }> {
  const guest = await newGuest(name);
  const r = await guestWrites(guest, 'alice', 'I need help');
  expect(r.status).toBe(200);
  return { id: r.body.conversation.id, guest };
}

const statusEvents = async (id: string, headers: Record<string, string>) =>
  ((await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers })).body.entries as any[]).filter((e) => e.event?.type === 'status');

async function inboxItem(id: string, query = ''): Promise<any> {
  const { status, body } = await call('GET', `/api/inbox${query}`, { headers: await asAgent('alice') });
  expect(status).toBe(200);
  return body.items.find((i: any) => i.conversationId === id);
}


/** "Time passes" for the conversation: its wake jobs fall due and its alarm runs. */
async function snoozeEnds(id: string): Promise<void> {
  await runInDurableObject(conversation(id), (_instance, state) => {
    state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'wake'", Date.now() - 1);
  });
  await runDurableObjectAlarm(conversation(id));
}

const wakeJobs = async (id: string) => (await conversation(id).pendingJobs()).filter((j) => j.kind === 'wake');

let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  await deleteAllWebhooks();
});

describe('conversation status', () => {
  it('a new conversation is open; an agent resolves it and the timeline says who did', async () => {
    const { id } = await started('Sam Open');
    const alice = await asAgent('alice');
    expect(await view(id, alice)).toMatchObject({ status: 'open', snoozedUntil: null });
    const r = await setStatus(id, 'alice', { status: 'resolved' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'resolved', snoozedUntil: null });
    const events = await statusEvents(id, alice);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ author: { kind: 'agent', name: 'Alice Martin' }, event: { type: 'status', status: 'resolved' } });
    // Resolving again changes nothing.
    expect((await setStatus(id, 'alice', { status: 'resolved' })).status).toBe(200);
    expect(await statusEvents(id, alice)).toHaveLength(1);
  });

  it('a snooze with a time is reopened by the job kernel at that time, once; a re-snooze replaces the earlier time', async () => {
    const { id } = await started('Sam Snooze');
    const alice = await asAgent('alice');
    const first = new Date(Date.now() + 3_600_000).toISOString();
    expect((await setStatus(id, 'alice', { status: 'snoozed', until: first })).body).toMatchObject({ status: 'snoozed', snoozedUntil: first });
    const later = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect((await setStatus(id, 'alice', { status: 'snoozed', until: later })).body.snoozedUntil).toBe(later);
    const jobs = await wakeJobs(id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.dueAt).toBe(Date.parse(later));

    await snoozeEnds(id);
    expect(await view(id, alice)).toMatchObject({ status: 'open', snoozedUntil: null });
    expect(await wakeJobs(id)).toHaveLength(0);
    const events = await statusEvents(id, alice);
    expect(events.map((e) => [e.event.status, e.event.until ?? null, e.author.kind])).toEqual([
      ['snoozed', first, 'agent'],
      ['snoozed', later, 'agent'],
      ['open', null, 'system'],
    ]);
  });

  it('a wake that comes after the conversation was reopened and snoozed until the guest writes changes nothing', async () => {
    const { id } = await started('Sam Stale');
    const alice = await asAgent('alice');
    await setStatus(id, 'alice', { status: 'snoozed', until: new Date(Date.now() + 3_600_000).toISOString() });
    // A stale job left behind (as if cancel had not run) must not end the new snooze.
    const kept = await runInDurableObject(conversation(id), (_instance, state) =>
      state.storage.sql.exec<{ key: string; payload: string; due_at: number }>("SELECT key, payload, due_at FROM jobs WHERE kind = 'wake'").one(),
    );
    await setStatus(id, 'alice', { status: 'snoozed' });
    await runInDurableObject(conversation(id), (_instance, state) => {
      state.storage.sql.exec("INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, 'wake', ?, ?)", kept.key, kept.due_at, kept.payload);
    });
    expect(await wakeJobs(id)).toHaveLength(1);
    await snoozeEnds(id);
    expect(await view(id, alice)).toMatchObject({ status: 'snoozed', snoozedUntil: null });
    expect(await wakeJobs(id)).toHaveLength(0);
  });

  it('snoozed until the guest writes: the guest’s message reopens it (authored by Doorbell)', async () => {
    const { id, guest } = await started('Sam Writes');
    const alice = await asAgent('alice');
    expect((await setStatus(id, 'alice', { status: 'snoozed' })).body).toMatchObject({ status: 'snoozed', snoozedUntil: null });
    expect(await wakeJobs(id)).toHaveLength(0);
    expect((await write(guest, id, 'any news?')).status).toBe(200);
    expect(await view(id, alice)).toMatchObject({ status: 'open' });
    const last = (await statusEvents(id, alice)).at(-1);
    expect(last).toMatchObject({ author: { kind: 'system' }, event: { status: 'open' } });
  });

  it('a guest message reopens a resolved conversation; an agent message does not', async () => {
    const { id, guest } = await started('Sam Again');
    const alice = await asAgent('alice');
    await setStatus(id, 'alice', { status: 'resolved' });
    const agentPost = await call('POST', `/api/conversations/${id}/messages`, { headers: alice, body: { clientId: clientId(), text: 'glad to help' } });
    expect(agentPost.status).toBe(200);
    expect((await view(id, alice)).status).toBe('resolved');
    await write(guest, id, 'one more thing');
    expect((await view(id, alice)).status).toBe('open');
  });

  it('a guest resending a message stored before the resolution gets its first answer and reopens nothing', async () => {
    const { id, guest } = await started('Rita Resend');
    const cid = clientId();
    const body = { clientId: cid, text: 'did this arrive?' };
    const first = await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body });
    await setStatus(id, 'alice', { status: 'resolved' });
    const alice = await asAgent('alice');
    const entriesBefore = (await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers: alice })).body.entries;
    const again = await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body });
    expect(again.body).toEqual({ seq: first.body.seq, duplicate: true });
    expect((await view(id, alice)).status).toBe('resolved');
    expect((await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers: alice })).body.entries).toEqual(entriesBefore);
    // A new message still reopens it, with the seq right after the entries kept.
    const next = await write(guest, id, 'one more thing');
    expect(next.body.seq).toBe(entriesBefore.at(-1).seq + 2);
    expect((await view(id, alice)).status).toBe('open');
  });

  it('a guest sees no status: not in their view, their socket, or their history, and keeps writing', async () => {
    const { id, guest } = await started('Sam Private');
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    await socket.next((f) => f.type === 'welcome');
    expect(socket.frames[0].conversation).not.toHaveProperty('status');
    expect(socket.frames[0].conversation).not.toHaveProperty('snoozedUntil');
    const seen = socket.frames.length;
    await setStatus(id, 'alice', { status: 'resolved' });
    expect((await write(guest, id, 'still there?')).status).toBe(200);
    await socket.next((f) => f.type === 'entry' && f.entry.text === 'still there?', seen);
    await sleep(200);
    const after = socket.frames.slice(seen);
    expect(after.some((f) => f.type === 'entry' && f.entry.event?.type === 'status')).toBe(false);
    // The one sign of a resolution is the rating prompt (docs/rules.md, "Transcript and rating"); it goes with the reopening.
    const views = after.filter((f) => f.type === 'conversation').map((f) => f.conversation);
    expect(views.map((v) => (v.rating === null ? 'not asked' : 'asked'))).toEqual(['asked', 'not asked']);
    expect(views[0].rating).toEqual({ resolution: expect.any(Number), rated: null });
    for (const v of views) expect(v).not.toHaveProperty('status');
    expect(socket.closed).toBeNull();
    expect(await statusEvents(id, guest.headers)).toHaveLength(0);
    expect(await view(id, guest.headers)).not.toHaveProperty('status');
    expect(await statusEvents(id, await asAgent('alice'))).toHaveLength(2);
    socket.ws.close();
  });

  it('agents’ sockets get the status entries and a new view live', async () => {
    const { id } = await started('Sam Live');
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    await socket.next((f) => f.type === 'welcome');
    const seen = socket.frames.length;
    await setStatus(id, 'alice', { status: 'resolved' });
    await socket.next((f) => f.type === 'entry' && f.entry.event?.type === 'status' && f.entry.event.status === 'resolved', seen);
    await socket.next((f) => f.type === 'conversation' && f.conversation.status === 'resolved', seen);
    socket.ws.close();
  });

  it('guests and basic agents may not change the status, and nothing changes', async () => {
    const { id, guest } = await started('Sam Refused');
    const alice = await asAgent('alice');
    const byGuest = await call('PATCH', `/api/conversations/${id}`, { headers: guest.headers, body: { status: 'resolved' } });
    expect(byGuest.status).toBe(403);
    expect(byGuest.body.error.code).toBe('agents_only');
    const renameToo = await call('PATCH', `/api/conversations/${id}`, { headers: guest.headers, body: { name: 'Mine', status: 'resolved' } });
    expect(renameToo.status).toBe(403);
    // A guest of another conversation learns nothing: the same answer as for no conversation.
    const stranger = await newGuest('Sam Stranger');
    const byStranger = await call('PATCH', `/api/conversations/${id}`, { headers: stranger.headers, body: { status: 'resolved' } });
    expect(byStranger.status).toBe(404);
    expect(byStranger.body.error.code).toBe('not_found');
    const byBob = await setStatus(id, 'bob', { status: 'resolved' });
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.code).toBe('agent_not_licensed');
    expect(await view(id, alice)).toMatchObject({ status: 'open', title: expect.not.stringContaining('Mine') });
    expect(await statusEvents(id, alice)).toHaveLength(0);
  });

  it('bad input is a 400 and changes nothing', async () => {
    const { id } = await started('Sam Bad');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ status: 'closed' }, 'status'],
      [{ status: 'snoozed', until: new Date(Date.now() - 60_000).toISOString() }, 'until'],
      [{ status: 'snoozed', until: new Date(Date.now() + 91 * 86_400_000).toISOString() }, 'until'],
      [{ status: 'snoozed', until: 'tomorrow' }, 'until'],
      [{ status: 'resolved', until: new Date(Date.now() + 60_000).toISOString() }, 'until'],
      [{ until: new Date(Date.now() + 60_000).toISOString() }, 'until'],
    ];
    for (const [body, path] of cases) {
      const r = await setStatus(id, 'alice', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.code).toBe('invalid_request');
      expect(r.body.error.details.problems.map((p: any) => p.path)).toContain(path);
    }
    expect((await call('GET', '/api/inbox?status=closed', { headers: await asAgent('alice') })).status).toBe(400);
    expect((await view(id, await asAgent('alice'))).status).toBe('open');
    expect(await wakeJobs(id)).toHaveLength(0);
  });

  it('every agent’s inbox shows the status live, and GET /api/inbox filters by it', async () => {
    const { id, guest } = await started('Sam Inbox');
    const inbox = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    await inbox.next((f) => f.type === 'inbox');
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const seen = inbox.frames.length;
    await setStatus(id, 'alice', { status: 'snoozed', until });
    await inbox.next((f) => f.type === 'item' && f.item.conversationId === id && f.item.status === 'snoozed' && f.item.snoozedUntil === until, seen);

    await eventually(() => inboxItem(id, '?status=snoozed'), (item) => item !== undefined, 'the snoozed filter');
    expect(await inboxItem(id, '?status=open')).toBeUndefined();
    expect(await inboxItem(id, '?status=resolved')).toBeUndefined();

    await setStatus(id, 'alice', { status: 'resolved' });
    await inbox.next((f) => f.type === 'item' && f.item.conversationId === id && f.item.status === 'resolved' && f.item.snoozedUntil === null, seen);
    await eventually(() => inboxItem(id, '?status=resolved'), (item) => item !== undefined, 'the resolved filter');

    await write(guest, id, 'back again');
    await inbox.next((f) => f.type === 'item' && f.item.conversationId === id && f.item.status === 'open', seen);
    await eventually(() => inboxItem(id, '?status=open'), (item) => item?.status === 'open', 'the open filter');
    expect(await inboxItem(id, '?status=resolved')).toBeUndefined();
    inbox.ws.close();
  });

  it('each change is a conversation.status_changed webhook event with who made it', async () => {
    const receiver = await webhookReceiver('https://status.receiver.example', ['conversation.status_changed']);
    stopIntercepting = receiver.stop;
    const { id, guest } = await started('Sam Hook');
    const until = new Date(Date.now() + 86_400_000).toISOString();
    await setStatus(id, 'alice', { status: 'snoozed', until });
    await write(guest, id, 'hello again');
    const events = await receiver.delivered(2);
    expect(events.map((e) => e.type)).toEqual(['conversation.status_changed', 'conversation.status_changed']);
    expect(events[0].data).toMatchObject({ conversation: { id }, status: 'snoozed', until, changedBy: { kind: 'agent', name: 'Alice Martin' } });
    expect(events[1].data).toMatchObject({ conversation: { id }, status: 'open', until: null, changedBy: { kind: 'system' } });
  });
});
