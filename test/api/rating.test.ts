import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, agentToken, asAgent, call, clientId, deleteAllWebhooks, drainJobsOf, guestWrites, newGuest, webhookReceiver } from '../helpers';
import { clearOutbox, outbox } from '../meetings';
import { TestSocket } from '../socket';

/** Transcripts and ratings after a resolution (docs/rules.md, "Transcript and rating"). */

const conversation = (id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
const SALES = 'sv_demoSales00000001';

const setStatus = async (id: string, who: string, body: Record<string, unknown>) => {
  const r = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent(who), body });
  expect(r.status).toBe(200);
  return r.body;
};
const write = async (headers: Record<string, string>, id: string, text: string, note = false) => {
  const r = await call('POST', `/api/conversations/${id}/messages`, { headers, body: { clientId: clientId(), text, ...(note ? { note } : {}) } });
  expect(r.status).toBe(200);
};
const entries = async (id: string, headers: Record<string, string>): Promise<any[]> =>
  (await call('GET', `/api/conversations/${id}/messages?limit=200`, { headers })).body.entries;
const transcripts = async (to: string) => (await outbox()).filter((m) => m.to === to && m.subject.startsWith('Transcript'));

/** Runs the conversation's jobs until nothing is due (a transcript job queues its email for the next run). */
const drain = (id: string) => drainJobsOf(conversation(id));

async function transcriptsFor(service: string, on: boolean): Promise<void> {
  const r = await call('PATCH', `/api/admin/services/${service}`, { headers: ADMIN, body: { transcripts: on } });
  expect(r.status).toBe(200);
  expect(r.body.transcripts).toBe(on);
}

async function started(to: string, name: string, email?: string) {
  const guest = await newGuest(name, email);
  const r = await guestWrites(guest, to, 'Hello, my invoice is wrong');
  expect(r.status).toBe(200);
  return { id: r.body.conversation.id as string, guest };
}

/** A resolved conversation with the guest's socket open, and the prompt it was sent. */
async function resolvedWithGuestSocket(name: string) {
  const { id, guest } = await started('service:sales', name);
  const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
  await socket.next((f) => f.type === 'welcome');
  const from = socket.frames.length;
  const view = await setStatus(id, 'alice', { status: 'resolved' });
  const prompt = await socket.next((f) => f.type === 'conversation' && f.conversation.rating, from);
  return { id, guest, socket, resolution: view.rating.resolution as number, prompt: prompt.conversation.rating };
}

const rate = async (socket: TestSocket, frame: Record<string, unknown>) => {
  const from = socket.frames.length;
  socket.send({ type: 'rate', ...frame });
  return socket.next((f) => f.type === 'rated' || f.type === 'error', from);
};

beforeEach(clearOutbox);
let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  await deleteAllWebhooks();
  await transcriptsFor('sales', false);
});

describe('transcripts', () => {
  it('are off by default: resolving emails nobody', async () => {
    expect((await call('GET', '/api/admin/services/support', { headers: ADMIN })).body.transcripts).toBe(false);
    const { id } = await started('service:support', 'Tess Off', 'tess.off@example.com');
    await setStatus(id, 'carol', { status: 'resolved' });
    await drain(id);
    expect(await transcripts('tess.off@example.com')).toEqual([]);
  });

  it('once on, a resolution emails the guest one transcript of the messages, never the notes, even when its job runs twice', async () => {
    await transcriptsFor('sales', true);
    const { id, guest } = await started('service:sales', 'Tina Transcript', 'tina@example.com');
    const alice = await asAgent('alice');
    await write(alice, id, 'Sorry about that, I have corrected it.');
    await write(alice, id, '@carol she was charged twice, SECRET-NOTE-7', true);
    await write(guest.headers, id, 'Thank you!');
    const view = await setStatus(id, 'alice', { status: 'resolved' });
    await drain(id);
    const sent = await transcripts('tina@example.com');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe('Transcript — Sales');
    for (const said of ['Hello, my invoice is wrong', 'Sorry about that, I have corrected it.', 'Thank you!']) expect(sent[0]!.text).toContain(said);
    expect(sent[0]!.text).not.toContain('SECRET-NOTE-7');
    expect(sent[0]!.replyTo).toMatch(/^reply\+/);

    // Alarms are at least once: the same transcript job coming back sends nothing more.
    const resolution: number = view.rating.resolution;
    await runInDurableObject(conversation(id), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO jobs (key, kind, due_at, payload) VALUES (?, 'transcript', ?, ?)",
        `transcript:${resolution}`,
        Date.now() - 1,
        JSON.stringify({ resolution, serviceId: SALES }),
      );
    });
    await drain(id);
    expect(await transcripts('tina@example.com')).toHaveLength(1);

    // Resolving what is resolved is no new resolution.
    await setStatus(id, 'alice', { status: 'resolved' });
    await drain(id);
    expect(await transcripts('tina@example.com')).toHaveLength(1);

    // The guest writes (it reopens), the agent resolves again: a second resolution, a second transcript.
    await write(guest.headers, id, 'One more question');
    await setStatus(id, 'alice', { status: 'resolved' });
    await drain(id);
    const both = await transcripts('tina@example.com');
    expect(both).toHaveLength(2);
    expect(both[1]!.text).toContain('One more question');
    // What the transcripts carried is not emailed again as missed messages.
    await runInDurableObject(conversation(id), (_instance, state) => state.storage.sql.exec('UPDATE jobs SET due_at = due_at - 3600000'));
    await drain(id);
    expect((await outbox()).filter((m) => m.to === 'tina@example.com')).toHaveLength(2);
  });

  it('a guest without an email address, or a conversation with no service, gets none', async () => {
    await transcriptsFor('sales', true);
    const nameOnly = await started('service:sales', 'Nora Noemail');
    await setStatus(nameOnly.id, 'alice', { status: 'resolved' });
    await drain(nameOnly.id);
    const personal = await started('alice', 'Paula Personal', 'paula@example.com');
    await setStatus(personal.id, 'alice', { status: 'resolved' });
    await drain(personal.id);
    expect((await outbox()).filter((m) => m.subject.startsWith('Transcript'))).toEqual([]);
  });

  it('the setting is validated: a non-boolean is a 400 and changes nothing', async () => {
    const r = await call('PATCH', '/api/admin/services/sales', { headers: ADMIN, body: { transcripts: 'yes' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
    expect((await call('GET', '/api/admin/services/sales', { headers: ADMIN })).body.transcripts).toBe(false);
  });
});

describe('ratings', () => {
  it('the guest is asked to rate after a resolution, rates once, and agents see it', async () => {
    const { id, guest, socket, resolution, prompt } = await resolvedWithGuestSocket('Rita Rater');
    expect(prompt).toEqual({ resolution, rated: null });
    // The guest's view says nothing of the status itself.
    const guestView = (await call('GET', `/api/conversations/${id}`, { headers: guest.headers })).body;
    expect(guestView.status).toBeUndefined();
    expect(guestView.rating).toEqual({ resolution, rated: null });

    const agent = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken('alice'));
    await agent.next((f) => f.type === 'welcome');
    const answer = await rate(socket, { resolution, score: 4, comment: '  Quick and kind  ' });
    expect(answer).toEqual({ type: 'rated', resolution, duplicate: false });
    const event = await agent.next((f) => f.type === 'entry' && f.entry.event?.type === 'rating');
    expect(event.entry).toMatchObject({ author: { kind: 'guest', name: 'Rita Rater' }, event: { type: 'rating', resolution, score: 4, comment: 'Quick and kind' } });
    const updated = await socket.next((f) => f.type === 'conversation' && f.conversation.rating?.rated);
    expect(updated.conversation.rating.rated).toMatchObject({ score: 4, comment: 'Quick and kind', by: { id: guest.id, name: 'Rita Rater' } });

    // Agents see it in the view, the timeline and the details; the guest's history has no rating entry.
    const alice = await asAgent('alice');
    expect((await call('GET', `/api/conversations/${id}`, { headers: alice })).body.rating.rated).toMatchObject({ score: 4 });
    expect((await entries(id, alice)).filter((e) => e.event?.type === 'rating')).toHaveLength(1);
    expect((await entries(id, guest.headers)).filter((e) => e.event?.type === 'rating')).toEqual([]);
    const details = (await call('GET', `/api/conversations/${id}/details`, { headers: alice })).body;
    expect(details.ratings).toEqual([{ resolution, score: 4, comment: 'Quick and kind', at: expect.any(String), by: { id: guest.id, name: 'Rita Rater' } }]);

    // The same rating again (a resend) is a duplicate; another one is refused, and nothing changes.
    expect(await rate(socket, { resolution, score: 4, comment: 'Quick and kind' })).toEqual({ type: 'rated', resolution, duplicate: true });
    expect(await rate(socket, { resolution, score: 1 })).toMatchObject({ type: 'error', code: 'already_rated' });
    expect((await entries(id, alice)).filter((e) => e.event?.type === 'rating')).toHaveLength(1);
    socket.close();
    agent.close();
  });

  it('a reopening ends the prompt; the next resolution may be rated again', async () => {
    const { id, guest, socket, resolution } = await resolvedWithGuestSocket('Rex Again');
    expect((await rate(socket, { resolution, score: 2 })).type).toBe('rated');
    const from = socket.frames.length;
    await write(guest.headers, id, 'Actually it is still wrong');
    await socket.next((f) => f.type === 'conversation' && f.conversation.rating === null, from);
    expect(await rate(socket, { resolution, score: 5 })).toMatchObject({ type: 'error', code: 'rating_closed' });
    const again = await setStatus(id, 'alice', { status: 'resolved' });
    expect(again.rating).toEqual({ resolution: expect.any(Number), rated: null });
    expect(again.rating.resolution).toBeGreaterThan(resolution);
    expect(await rate(socket, { resolution, score: 5 })).toMatchObject({ type: 'error', code: 'rating_closed' });
    expect(await rate(socket, { resolution: again.rating.resolution, score: 5 })).toEqual({ type: 'rated', resolution: again.rating.resolution, duplicate: false });
    const details = (await call('GET', `/api/conversations/${id}/details`, { headers: await asAgent('alice') })).body;
    expect(details.ratings.map((r: any) => r.score)).toEqual([5, 2]);
    socket.close();
  });

  it('an open or snoozed conversation cannot be rated', async () => {
    const { id, guest } = await started('service:sales', 'Olga Open');
    const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
    const welcome = await socket.next((f) => f.type === 'welcome');
    expect(welcome.conversation.rating).toBeNull();
    expect(await rate(socket, { resolution: 1, score: 3 })).toMatchObject({ type: 'error', code: 'rating_closed' });
    await setStatus(id, 'alice', { status: 'snoozed' });
    expect(await rate(socket, { resolution: 3, score: 3 })).toMatchObject({ type: 'error', code: 'rating_closed' });
    socket.close();
  });

  it('agents cannot rate, and a guest reaches only their own conversation', async () => {
    const { id, socket, resolution } = await resolvedWithGuestSocket('Gail Own');
    for (const who of ['alice', 'bob']) {
      const agent = await TestSocket.open(`/api/conversations/${id}/socket`, await agentToken(who));
      await agent.next((f) => f.type === 'welcome');
      expect(await rate(agent, { resolution, score: 5 })).toMatchObject({ type: 'error', code: 'guests_only' });
      agent.close();
    }
    const stranger = await newGuest('Sly Stranger');
    expect((await TestSocket.refused(`/api/conversations/${id}/socket`, stranger.token)).status).toBe(404);
    // Still unrated: the guest's own rating is the first.
    expect((await rate(socket, { resolution, score: 3 })).type).toBe('rated');
    socket.close();
  });

  it('bad rating frames are invalid_frame and store nothing', async () => {
    const { id, socket, resolution } = await resolvedWithGuestSocket('Bea Bad');
    const bad: unknown[] = [
      { resolution, score: 0 },
      { resolution, score: 6 },
      { resolution, score: 3.5 },
      { resolution, score: '5' },
      { resolution },
      { score: 4 },
      { resolution: -1, score: 4 },
      { resolution, score: 4, comment: 'x'.repeat(1001) },
      { resolution, score: 4, comment: 42 },
      { resolution, score: 4, extra: true },
    ];
    for (const frame of bad) {
      const answer = await rate(socket, frame as Record<string, unknown>);
      expect(answer, JSON.stringify(frame)).toMatchObject({ type: 'error', code: 'invalid_frame' });
    }
    expect((await entries(id, await asAgent('alice'))).filter((e) => e.event?.type === 'rating')).toEqual([]);
    // A comment of exactly the limit is fine.
    expect((await rate(socket, { resolution, score: 4, comment: 'y'.repeat(1000) })).type).toBe('rated');
    socket.close();
  });

  it('a rating is a conversation.rated webhook event', async () => {
    const receiver = await webhookReceiver('https://rating.receiver.example', ['conversation.rated']);
    stopIntercepting = receiver.stop;
    const { id, guest, socket, resolution } = await resolvedWithGuestSocket('Will Webhook');
    await rate(socket, { resolution, score: 5, comment: 'Great' });
    const received = await receiver.delivered(1);
    expect(received.map((e) => e.type)).toEqual(['conversation.rated']);
    expect(received[0].data).toMatchObject({ conversation: { id }, resolution, score: 5, comment: 'Great', ratedBy: { id: guest.id, kind: 'guest', name: 'Will Webhook' } });
    socket.close();
  });
});
