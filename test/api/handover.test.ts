import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { interceptFetch, type Recorded } from '../fakes/intercept';
import { ADMIN, agentToken, call, clientId, deleteAllWebhooks, drainJobsOf, guestWrites, newGuest, sleep, timePassesFor } from '../helpers';
import { TestSocket } from '../socket';

/**
 * What a conversation hands to other actors (webhook events to the endpoints' queues, updates
 * to the agents' inboxes) is a job of the conversation (actor/jobs.ts): a receiver that fails
 * for a while gets everything once it recovers, once.
 */

const RECEIVER = 'https://handover.receiver.example';
const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
const webhookActor = (id: string) => env.WEBHOOKS.get(env.WEBHOOKS.idFromName(id));

const write = (guest: { headers: Record<string, string> }, id: string, text: string) =>
  call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text } });

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The conversation's jobs of one kind that have failed at least once. */
const failing = async (id: string, kind: string) => (await conversation(id).pendingJobs()).filter((j) => j.kind === kind && j.attempts > 0);

/** "Time passes" for the conversation: its waiting jobs of `kind` fall due, and run until none is due. */
async function retryNow(id: string, kind: string): Promise<void> {
  await timePassesFor(conversation(id), (sql) => sql.exec('UPDATE jobs SET due_at = ? WHERE kind = ?', Date.now() - 1, kind));
  await drainJobsOf(conversation(id));
}

/** Breaks, or mends, one table of an actor: its calls throw as they would on a storage failure. */
async function breakTable(stub: DurableObjectStub, table: string, broken: boolean): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(broken ? `ALTER TABLE ${table} RENAME TO ${table}_unavailable` : `ALTER TABLE ${table}_unavailable RENAME TO ${table}`);
  });
}

let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  await deleteAllWebhooks();
});

describe('durable hand-overs from a conversation', () => {
  it('webhook events emitted while the endpoint’s actor fails are all delivered once it recovers, each once', async () => {
    const received: Recorded[] = [];
    stopIntercepting = interceptFetch({ [RECEIVER]: (request) => (received.push(request), new Response('ok')) });
    const registered = await call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: `${RECEIVER}/hook`, events: ['message.created'] } });
    expect(registered.status).toBe(201);
    const endpointId: string = registered.body.webhook.id;
    const texts = (): string[] => received.map((r) => JSON.parse(r.body).data.message.text);

    const ann = await newGuest('Ann Lee');
    const started = await guestWrites(ann, 'alice', 'before the outage');
    const id: string = started.body.conversation.id;
    await until(async () => {
      await runDurableObjectAlarm(webhookActor(endpointId));
      return texts().includes('before the outage');
    }, 'the first event');

    await breakTable(webhookActor(endpointId), 'deliveries', true);
    try {
      for (const text of ['during 1', 'during 2', 'during 3']) expect((await write(ann, id, text)).status).toBe(200);
      // Every hand-over failed and waits for its retry, none given up.
      await until(async () => (await failing(id, 'webhooks')).length === 3, 'three failed hand-overs');
      await retryNow(id, 'webhooks');
      expect(await failing(id, 'webhooks')).toHaveLength(3);
    } finally {
      await breakTable(webhookActor(endpointId), 'deliveries', false);
    }

    await retryNow(id, 'webhooks');
    expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'webhooks')).toEqual([]);
    await until(async () => {
      await runDurableObjectAlarm(webhookActor(endpointId));
      return texts().length >= 4;
    }, 'the events of the outage');
    // At least once everywhere, exactly once at the receiver: another run sends nothing more.
    await retryNow(id, 'webhooks');
    await runInDurableObject(webhookActor(endpointId), (_instance, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(webhookActor(endpointId));
    expect(texts().sort()).toEqual(['before the outage', 'during 1', 'during 2', 'during 3']);
    expect(new Set(received.map((r) => r.headers.get('doorbell-webhook-id'))).size).toBe(4);
  });

  it('inbox updates made while the agent’s inbox fails arrive once it recovers, once, with the latest state', async () => {
    const ann = await newGuest('Ann Lee');
    const started = await guestWrites(ann, 'alice', 'first');
    const id: string = started.body.conversation.id;
    const aliceId: string = started.body.conversation.participants.find((p: any) => p.kind === 'agent').id;
    const inbox = env.INBOXES.get(env.INBOXES.idFromName(aliceId));
    const item = async () => (await inbox.list()).find((i) => i.conversationId === id);
    await until(async () => (await item())?.lastMessage?.text === 'first', 'the first inbox update');

    await breakTable(inbox, 'items', true);
    try {
      for (const text of ['second', 'third']) expect((await write(ann, id, text)).status).toBe(200);
      await until(async () => (await failing(id, 'inbox')).length === 1, 'a failed inbox update');
      // One job for the burst, however often it fails.
      expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'inbox').map((j) => j.key)).toEqual(['inbox:']);
      await retryNow(id, 'inbox');
      expect(await failing(id, 'inbox')).toHaveLength(1);
    } finally {
      await breakTable(inbox, 'items', false);
    }

    const socket = await TestSocket.open('/api/inbox/socket', await agentToken('alice'));
    const opened = await socket.next((f) => f.type === 'inbox');
    expect(opened.items.find((i: any) => i.conversationId === id).lastMessage.text).toBe('first');
    await retryNow(id, 'inbox');
    const update = await socket.next((f) => f.type === 'item' && f.item.conversationId === id);
    expect(update.item).toMatchObject({ lastMessage: { text: 'third' }, unread: 3 });
    expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'inbox')).toEqual([]);

    // Another run (alarms are at least once) changes nothing and sends nothing.
    await runInDurableObject(conversation(id), (_instance, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(conversation(id));
    await sleep(200);
    expect(socket.frames.filter((f) => f.type === 'item' && f.item.conversationId === id)).toHaveLength(1);
    expect(await item()).toMatchObject({ lastMessage: { text: 'third' }, unread: 3 });
    socket.close();
    await socket.waitClosed();
  });
});
