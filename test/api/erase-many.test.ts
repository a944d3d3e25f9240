import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, clientId, eventually, newGuest } from '../helpers';

type Guest = Awaited<ReturnType<typeof newGuest>>;

/** A conversation `starter` opens at `target`, which `guest` joins by Alice's invite link and writes `text` in. */
async function joinedBy(guest: Guest, starter: Guest, text: string, target: Record<string, unknown> = { kind: 'service', slug: 'support' }, answers?: Record<string, string>) {
  const started = await call('POST', '/api/conversations', { headers: starter.headers, body: { target, clientId: clientId(), text: 'Hello', ...(answers ? { answers } : {}) } });
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const id = started.body.conversation.id as string;
  const invite = await call('POST', `/api/conversations/${id}/invites`, { headers: await asAgent('alice') });
  expect(invite.status, JSON.stringify(invite.body)).toBe(201);
  expect((await call('POST', '/api/invites/accept', { headers: guest.headers, body: { invite: invite.body.invite } })).status).toBe(200);
  expect((await call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: clientId(), text } })).status).toBe(200);
  return id;
}

const erase = (guestId: string) => call('POST', `/api/admin/guests/${guestId}/erase`, { headers: ADMIN, body: { confirm: guestId } });

describe('a guest in many conversations (docs/privacy.md)', () => {
  // 500 conversations are the same path with more steps: the request only starts the first,
  // and each conversation's job hands on to the next, so no request waits for them all.
  const N = 30;

  it('is exported and erased in every conversation they joined, by one job per conversation; asking again is the same complete erasure', async () => {
    const erin = await newGuest('Erin Many', 'erin.many@example.com');
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push(await joinedBy(erin, await newGuest(`Starter ${i}`), `from Erin ${i}`));

    const own = await call('GET', '/api/guests/me/export', { headers: erin.headers });
    expect(own.status).toBe(200);
    expect(own.body.conversations.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    expect(own.body.conversationsLeftOut).toBe(0);

    const started = await erase(erin.id);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const done = await eventually(
      async () => (await call('GET', started.body.statusUrl, { headers: ADMIN })).body,
      (b) => b.state === 'complete',
      'the erasure to complete',
    );
    // One step per conversation; Support's conversations are with no agent's calendar.
    expect(done.steps).toEqual({ done: N, total: N });
    expect(done.completedAt).not.toBeNull();

    const alice = await asAgent('alice');
    for (const [i, id] of ids.entries()) {
      const { entries } = (await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers: alice })).body;
      expect(entries.some((e: any) => e.text === `from Erin ${i}`)).toBe(false);
      expect(entries.filter((e: any) => e.event?.type === 'message_deleted')).toHaveLength(1);
      expect(JSON.stringify(entries)).not.toContain('Erin Many');
    }

    const again = await erase(erin.id);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: started.body.id, state: 'complete', steps: { done: N, total: N }, completedAt: done.completedAt });
  });

  it('keeps the pre-chat answers of the guest who started a conversation out of the export of a guest who joined it', async () => {
    const slug = `erase-desk-${Date.now()}`;
    expect((await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug, name: 'Erase desk', prechat: { fields: [{ key: 'company', label: 'Company', type: 'text' }] } } })).status).toBe(201);
    expect((await call('PUT', `/api/admin/services/${slug}/members/alice`, { headers: ADMIN })).status).toBe(200);
    const [ann, bo] = [await newGuest('Ann Lee'), await newGuest('Bo Chen')];
    const id = await joinedBy(bo, ann, 'hello from Bo', { kind: 'service', slug }, { company: 'Ann’s Secret Ltd' });

    const annExport = await call('GET', `/api/admin/guests/${ann.id}/export`, { headers: ADMIN });
    expect(annExport.body.conversations.find((c: any) => c.id === id).answers).toEqual([expect.objectContaining({ value: 'Ann’s Secret Ltd' })]);
    for (const exported of [await call('GET', '/api/guests/me/export', { headers: bo.headers }), await call('GET', `/api/admin/guests/${bo.id}/export`, { headers: ADMIN })]) {
      const conversation = exported.body.conversations.find((c: any) => c.id === id);
      expect(conversation.entries.some((e: any) => e.text === 'hello from Bo')).toBe(true);
      expect(conversation.answers).toEqual([]);
      expect(JSON.stringify(exported.body)).not.toContain('Secret Ltd');
    }
  });
});
