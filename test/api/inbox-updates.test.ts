import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/conversation/store';
import { ADMIN, agentToken, asAgent, call, clientId, eventually, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

/**
 * How a conversation keeps its agents' inboxes current (docs/architecture.md "Inbox updates"):
 * unread counts are kept per agent and only the entries since the last count are counted, and
 * every inbox that is behind is brought up to date by one job of the conversation.
 */

const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
const inbox = (agentId: string) => env.INBOXES.get(env.INBOXES.idFromName(agentId));
const write = (headers: Record<string, string>, id: string, text: string) =>
  call('POST', `/api/conversations/${id}/messages`, { headers, body: { clientId: clientId(), text } });
const itemIn = async (agentId: string, id: string) => (await inbox(agentId).list()).find((i) => i.conversationId === id);
const showing = (agentId: string, id: string, text: string, unread: number) =>
  eventually(() => itemIn(agentId, id), (i) => i?.lastMessage?.text === text && i.unread === unread, `"${text}" with ${unread} unread`);

describe('inbox updates', () => {
  it('unread counts stay exact as the guest writes, the agent answers and reads, and the guest is erased', async () => {
    const ann = await newGuest('Una Count');
    const started = await guestWrites(ann, 'alice', 'one');
    const id: string = started.body.conversation.id;
    const aliceId: string = started.body.conversation.participants.find((p: any) => p.kind === 'agent').id;
    for (const text of ['two', 'three']) expect((await write(ann.headers, id, text)).status).toBe(200);
    await showing(aliceId, id, 'three', 3);
    // The agent's own message is no news to them.
    expect((await write(await asAgent('alice'), id, 'an answer')).status).toBe(200);
    await showing(aliceId, id, 'an answer', 3);

    const history = (await call('GET', `/api/conversations/${id}/messages`, { headers: ann.headers })).body.entries as any[];
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    await socket.next((f) => f.type === 'welcome');
    socket.send({ type: 'read', seq: history.find((e) => e.text === 'two').seq });
    // After what was read: "three" (the guest's) and the agent's own answer.
    await showing(aliceId, id, 'an answer', 1);
    socket.close();
    await socket.waitClosed();
    expect((await write(ann.headers, id, 'four')).status).toBe(200);
    await showing(aliceId, id, 'four', 2);

    // Erasure turns the guest's messages into tombstones: none of them is unread any more.
    expect((await call('POST', `/api/admin/guests/${ann.id}/erase`, { headers: ADMIN, body: { confirm: ann.id } })).status).toBe(202);
    await showing(aliceId, id, 'an answer', 0);
  });

  it('inbox updates queued one job per agent by an earlier version become the one job, and still arrive', async () => {
    const ann = await newGuest('Lee Gacy');
    const started = await guestWrites(ann, 'alice', 'from before the upgrade');
    const id: string = started.body.conversation.id;
    const aliceId: string = started.body.conversation.participants.find((p: any) => p.kind === 'agent').id;
    await showing(aliceId, id, 'from before the upgrade', 1);
    await eventually(async () => (await conversation(id).pendingJobs()).filter((j) => j.kind === 'inbox'), (jobs) => jobs.length === 0, 'the update done');
    // The inbox lost the row, and the update that brings it back is queued as the earlier version queued it.
    await runInDurableObject(inbox(aliceId), (_instance, state) => void state.storage.sql.exec('DELETE FROM items WHERE conversation_id = ?', id));
    await runInDurableObject(conversation(id), (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec('DROP INDEX timeline_events; DROP TABLE inbox_pending; UPDATE schema_version SET version = version - 1');
      sql.exec("INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, 'inbox', ?, ?)", `inbox:${aliceId}`, Date.now() - 1, JSON.stringify({ agentId: aliceId }));
      migrate(sql);
    });
    expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'inbox').map((j) => j.key)).toEqual(['inbox:']);
    expect(await itemIn(aliceId, id)).toBeUndefined();
    await runDurableObjectAlarm(conversation(id));
    expect(await itemIn(aliceId, id)).toMatchObject({ lastMessage: { text: 'from before the upgrade' }, unread: 1 });
    expect((await conversation(id).pendingJobs()).filter((j) => j.kind === 'inbox')).toEqual([]);
  });
});
