import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { asAgent, call, clientId, guestWrites, newGuest } from '../helpers';
import { calendarStub, clearOutbox, drainJobs, outbox, slots } from '../meetings';
import { TestSocket } from '../socket';

beforeEach(clearOutbox);

async function chatWithAlice(email?: string) {
  const guest = await newGuest('Ann Lee', email);
  const { body } = await guestWrites(guest, 'alice', 'Can we talk this week?');
  return { guest, id: body.conversation.id as string };
}

const offer = async (id: string, body: Record<string, unknown>, who = 'alice') =>
  call('POST', `/api/conversations/${id}/offers`, { headers: await asAgent(who), body: { clientId: clientId(), ...body } });

const bookOffer = (id: string, offerId: string, headers: Record<string, string>, body: Record<string, unknown>) =>
  call('POST', `/api/conversations/${id}/offers/${offerId}/booking`, { headers, body: { timeZone: 'America/New_York', ...body } });

const timeline = async (id: string, headers: Record<string, string>) =>
  (await call('GET', `/api/conversations/${id}/messages?after=0&limit=200`, { headers })).body.entries as any[];

const conversationCount = async () => (await env.DB.prepare('SELECT count(*) AS n FROM conversations').first<{ n: number }>())!.n;

describe('booking from the chat', () => {
  it('the agent offers, the guest books in the same conversation, and its timeline tells every change', async () => {
    const { guest, id } = await chatWithAlice('ann@example.com');
    const free = await slots('alice', 'America/New_York', 30);
    const made = await offer(id, { durationMinutes: 30, times: [free[1]!.start, free[0]!.start] });
    expect(made.status).toBe(201);
    const event = made.body.entry.event;
    expect(event).toMatchObject({ type: 'offer', agent: { slug: 'alice', name: 'Alice Martin' }, meetingType: { slug: 'meeting' }, durationMinutes: 30 });
    // The picked times come back sorted, as instants.
    expect(event.times).toEqual([free[0]!.start, free[1]!.start]);
    expect(made.body.entry.author).toMatchObject({ kind: 'agent', name: 'Alice Martin' });

    // The guest sees the offer live on their socket.
    const socket = await TestSocket.open(`/api/conversations/${id}/socket?since=0`, guest.token);
    const seen = await socket.next((f) => f.type === 'entry' && f.entry.event?.type === 'offer');
    expect(seen.entry.event.offerId).toBe(event.offerId);

    const before = await conversationCount();
    const booked = await bookOffer(id, event.offerId, guest.headers, { start: free[0]!.start });
    expect(booked.status).toBe(201);
    expect(booked.body.meeting).toMatchObject({ conversationId: id, offerId: event.offerId, guest: { name: 'Ann Lee', email: 'ann@example.com', timeZone: 'America/New_York' }, durationMinutes: 30, start: free[0]!.start });
    expect(booked.body.guestLink).toContain('/meeting#');
    // No meeting conversation of its own.
    expect(await conversationCount()).toBe(before);
    const live = await socket.next((f) => f.type === 'entry' && f.entry.event?.type === 'meeting');
    expect(live.entry.event).toMatchObject({ action: 'booked', offerId: event.offerId, meetingId: booked.body.meeting.id });
    socket.close();

    // The agent moves it, then cancels it: both land in the same conversation.
    const alice = await asAgent('alice');
    const later = free.find((s) => Date.parse(s.start) >= Date.parse(free[0]!.start) + 2 * 3_600_000)!;
    expect((await call('PATCH', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice, body: { start: later.start } })).status).toBe(200);
    expect((await call('DELETE', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice })).status).toBe(200);
    for (const headers of [guest.headers, alice]) {
      const kinds = (await timeline(id, headers)).filter((e) => ['offer', 'meeting'].includes(e.event?.type)).map((e) => e.event.action ?? e.event.type);
      expect(kinds).toEqual(['offer', 'booked', 'rescheduled', 'cancelled']);
    }
    expect(await conversationCount()).toBe(before);
  });

  it('queues the emails and reminders of any meeting, and takes the email the card asked for when the guest had none', async () => {
    const { guest, id } = await chatWithAlice();
    const { offerId } = (await offer(id, {})).body.entry.event;
    const start = (await slots('alice', 'Asia/Tokyo', 15))[3]!.start;
    const missing = await bookOffer(id, offerId, guest.headers, { start });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.problems[0].path).toBe('email');
    const booked = await bookOffer(id, offerId, guest.headers, { start, timeZone: 'Asia/Tokyo', email: 'ann.lee@example.com' });
    expect(booked.status).toBe(201);
    expect(booked.body.meeting.durationMinutes).toBe(15);
    const reminders = (await calendarStub().pendingJobs()).filter((j) => j.key.startsWith(`reminder:${booked.body.meeting.id}:`));
    expect(reminders.length).toBeGreaterThan(0);
    await drainJobs();
    const mails = await outbox();
    const guestMail = mails.find((m) => m.to === 'ann.lee@example.com')!;
    expect(guestMail.subject).toBe('Meeting booked with Alice Martin');
    expect(guestMail.calendar).toMatchObject({ method: 'REQUEST', start });
    expect(mails.some((m) => m.to === 'alice@doorbell.example' && m.subject === 'Meeting booked with Ann Lee')).toBe(true);
  });

  it('an offer is booked once: another time is 409 offer_booked, the same request again is the same meeting', async () => {
    const { guest, id } = await chatWithAlice('ann@example.com');
    const { offerId } = (await offer(id, { durationMinutes: 60 })).body.entry.event;
    const free = await slots('alice', 'America/New_York', 60);
    const first = await bookOffer(id, offerId, guest.headers, { start: free[0]!.start });
    expect(first.status).toBe(201);
    const again = await bookOffer(id, offerId, guest.headers, { start: free[0]!.start });
    expect(again.body).toMatchObject({ created: false, meeting: { id: first.body.meeting.id } });
    const twice = await bookOffer(id, offerId, guest.headers, { start: free.at(-1)!.start });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('offer_booked');
    const meetings = (await timeline(id, guest.headers)).filter((e) => e.event?.type === 'meeting' && e.event.action === 'booked');
    expect(meetings).toHaveLength(1);
  });

  it('only a participant agent offers, only the conversation’s guest books, and bad offers change nothing', async () => {
    const { guest, id } = await chatWithAlice('ann@example.com');
    const count = async () => (await timeline(id, guest.headers)).length;
    const entries = await count();
    // Carol may open this public conversation but is not in it.
    const carol = await offer(id, {}, 'carol');
    expect(carol.status).toBe(403);
    expect(carol.body.error.code).toBe('not_a_participant');
    const byGuest = await call('POST', `/api/conversations/${id}/offers`, { headers: guest.headers, body: { clientId: clientId() } });
    expect(byGuest.status).toBe(403);
    expect((await offer(id, { type: 'no-such-type' })).status).toBe(404);
    const duration = await offer(id, { durationMinutes: 45 });
    expect(duration.status).toBe(400);
    expect(duration.body.error.details.problems[0].path).toBe('durationMinutes');
    const night = new Date(Date.parse(`${(await slots('alice'))[0]!.date}T01:00:00Z`)).toISOString();
    const taken = await offer(id, { times: [night] });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'slot_unavailable', details: { times: [night] } });
    expect((await offer(id, { times: 'soon' })).status).toBe(400);
    expect((await offer(id, { times: Array(6).fill(night) })).status).toBe(400);
    expect((await offer(id, { extra: true })).status).toBe(400);
    expect(await count()).toBe(entries);

    const { offerId } = (await offer(id, {})).body.entry.event;
    const stranger = await newGuest('Sam Stranger', 'sam@example.com');
    const start = (await slots('alice', 'America/New_York', 15))[5]!.start;
    // A guest of another conversation learns nothing of this one: as if it did not exist.
    const foreign = await bookOffer(id, offerId, stranger.headers, { start });
    expect(foreign.status).toBe(404);
    const asAlice = await bookOffer(id, offerId, await asAgent('alice'), { start });
    expect(asAlice.status).toBe(403);
    expect((await bookOffer(id, 'of_nothing', guest.headers, { start })).status).toBe(404);
    expect((await bookOffer(id, offerId, guest.headers, { start: 'tomorrow' })).status).toBe(400);
    const night2 = await bookOffer(id, offerId, guest.headers, { start: night });
    expect(night2.status).toBe(409);
    expect(night2.body.error.code).toBe('slot_unavailable');
  });

  it('the same client id offers once', async () => {
    const { id } = await chatWithAlice();
    const cid = clientId();
    const a = await offer(id, { clientId: cid });
    const b = await offer(id, { clientId: cid });
    expect(b.body.entry.event.offerId).toBe(a.body.entry.event.offerId);
  });
});
