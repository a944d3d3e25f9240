import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { asAgent, call } from '../helpers';
import { ALICE_ID, book, calendarStub, clearOutbox, dayFromNow, drainJobs, outbox, slots } from '../meetings';

beforeEach(clearOutbox);

const zoned = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(Date.parse(iso))
    .replace(',', '');

async function meetingNotes(conversationId: string, guestToken: string) {
  const { body } = await call('GET', `/api/conversations/${conversationId}/messages?limit=200`, { headers: { authorization: `Bearer ${guestToken}` } });
  return body.entries.filter((e: any) => e.event?.type === 'meeting').map((e: any) => e.event.action);
}

describe('slots (M1 through HTTP)', () => {
  it('are within Alice’s Paris working hours and labelled in the guest’s zone', async () => {
    const list = await slots('alice', 'America/Los_Angeles');
    expect(list.length).toBeGreaterThan(10);
    for (const slot of list) {
      const paris = zoned(slot.start, 'Europe/Paris').split(' ')[1]!;
      expect(paris >= '09:00' && paris < '17:00' && !(paris >= '12:00' && paris < '13:00')).toBe(true);
      expect(`${slot.date} ${slot.time}`).toBe(zoned(slot.start, 'America/Los_Angeles'));
    }
  });

  it('end at local midnight of from + days in the guest’s zone, on DST days too', async () => {
    const alice = await asAgent('alice');
    const { settings } = (await call('GET', '/api/calendar', { headers: alice })).body;
    const allDay = [{ start: '00:00', end: '24:00' }];
    const weeklyHours = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
    const availability = { ...settings.availability, weeklyHours, bufferAfterMinutes: 0, minimumNoticeMinutes: 0, horizonDays: 365 };
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability } });
    try {
      // [zone, from, days, hours in the window]: Alice is free around the clock in 15-minute slots.
      const cases: Array<[string, string, number, number]> = [
        ['UTC', dayFromNow(10), 1, 24],
        ['Asia/Tokyo', dayFromNow(10), 1, 24],
        ['Asia/Kolkata', dayFromNow(10), 1, 24],
        ['Pacific/Chatham', dayFromNow(10), 2, 48],
        ['America/New_York', '2027-03-14', 1, 23],
        ['America/New_York', '2027-11-07', 1, 25],
        ['America/New_York', '2027-03-10', 7, 7 * 24 - 1],
        ['Europe/London', '2027-03-28', 1, 23],
        ['Australia/Sydney', '2027-04-04', 1, 25],
      ];
      for (const [zone, from, days, hours] of cases) {
        const list = await slots('alice', zone, 15, from, days);
        const lastDay = new Date(Date.parse(`${from}T00:00:00Z`) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
        const label = `${zone} ${from} +${days}`;
        expect(list.length, label).toBe(hours * 4);
        expect(`${list[0]!.date} ${list[0]!.time}`, label).toBe(`${from} 00:00`);
        expect(`${list.at(-1)!.date} ${list.at(-1)!.time}`, label).toBe(`${lastDay} 23:45`);
      }
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability: settings.availability } });
    }
  });

  it('refuses an unoffered duration, an unknown zone, and a basic agent', async () => {
    const bad = await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(3)}&duration=45`);
    expect(bad.status).toBe(400);
    const zone = await call('GET', `/api/agents/alice/slots?timeZone=Nowhere/City&from=${dayFromNow(3)}&duration=30`);
    expect(zone.status).toBe(400);
    const bob = await call('GET', `/api/agents/bob/slots?timeZone=UTC&from=${dayFromNow(3)}&duration=30`);
    expect(bob.status).toBe(409);
  });
});

describe('what a guest page needs before its first choice', () => {
  it('slots without a duration use the first offered one, and name the agent’s zone; the meeting link names it too', async () => {
    const r = await call('GET', `/api/agents/alice/slots?timeZone=Asia/Tokyo&from=${dayFromNow(3)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ timeZone: 'Asia/Tokyo', agentTimeZone: 'Europe/Paris', durationMinutes: 15, durations: [15, 30, 60] });
    expect(r.body.slots[0].end).toBe(new Date(Date.parse(r.body.slots[0].start) + 15 * 60_000).toISOString());
    const booked = await book(r.body.slots[0].start, { durationMinutes: 15 });
    const token = booked.body.guestLink.split('#')[1];
    const seen = await call('GET', `/api/meetings/${token}`);
    expect(seen.body.agent).toEqual({ slug: 'alice', name: 'Alice Martin', avatarUrl: '/avatars/alice.svg', timeZone: 'Europe/Paris' });
    await drainJobs(); // its emails, so the next test's outbox holds only its own
  });
});

describe('booking (M2)', () => {
  it('books a slot: meeting conversation with the note, emails with invites to guest and agent', async () => {
    const [slot] = await slots();
    const { status, body } = await book(slot!.start);
    expect(status).toBe(201);
    expect(body.meeting).toMatchObject({ status: 'confirmed', start: slot!.start, durationMinutes: 30, guest: { name: 'Gina Guest' } });
    expect(await meetingNotes(body.meeting.conversationId, body.guestToken)).toEqual(['booked']);
    const conversation = await call('GET', `/api/conversations/${body.meeting.conversationId}`, { headers: { authorization: `Bearer ${body.guestToken}` } });
    expect(conversation.body).toMatchObject({ title: 'Alice Martin', visibility: 'public' });

    await drainJobs();
    const mails = await outbox();
    expect(mails.map((m) => m.to).sort()).toEqual(['alice@doorbell.example', 'gina@example.com']);
    for (const mail of mails) {
      expect(mail.calendar).toMatchObject({ method: 'REQUEST', sequence: 0, status: 'CONFIRMED', start: slot!.start });
      expect(mail.calendar!.uid).toBe(`${ALICE_ID}.${body.meeting.id}@doorbell`);
    }
    const guestMail = mails.find((m) => m.to === 'gina@example.com')!;
    expect(guestMail.text).toContain('/meeting#');
    // The guest reads the time in their own zone.
    expect(guestMail.text).toContain('America/New_York');
    // The slot is gone for the next guest.
    expect((await slots()).map((s) => s.start)).not.toContain(slot!.start);
  });

  it('of 50 concurrent bookings of one slot exactly one wins; the others get slot_taken', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(12));
    const target = list[3]!.start;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => book(target, { name: `Guest ${i}`, email: `g${i}@example.com` })));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    const lost = results.filter((r) => r.status === 409);
    expect(lost).toHaveLength(49);
    expect(new Set(lost.map((r) => r.body.error.code))).toEqual(new Set(['slot_taken']));
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.filter((m: any) => m.start === target && m.status !== 'cancelled')).toHaveLength(1);
    // A refused attempt leaves no record of its guest: only the winner's name and address are kept.
    const kept = await env.DB.prepare("SELECT email FROM guests WHERE email GLOB 'g[0-9]*@example.com'").all<{ email: string }>();
    expect(kept.results).toEqual([{ email: `g${results.indexOf(won[0]!)}@example.com` }]);
  });

  it('a retry with the same booking key returns the same meeting instead of a second one', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(13));
    const first = await book(list[0]!.start, { bookingKey: 'key-0000-retry' });
    const again = await book(list[0]!.start, { bookingKey: 'key-0000-retry' });
    expect(again.status).toBe(201);
    expect(again.body.created).toBe(false);
    expect(again.body.meeting.id).toBe(first.body.meeting.id);
  });

  it('a booking key replayed with other details is refused booking_key_reused and hands over nothing of the first guest', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(13));
    const first = await book(list[2]!.start, { bookingKey: 'key-0000-victim', name: 'Vera Victim', email: 'vera@example.com' });
    expect(first.status).toBe(201);
    const carolSlots = await slots('carol', 'UTC', 30, dayFromNow(13));
    const replays = [
      { start: list[2]!.start, name: 'Mallory', email: 'mallory@example.com' },
      { start: list[2]!.start, name: 'Vera Victim', email: 'mallory@example.com' },
      { start: list[2]!.start, name: 'Mallory', email: 'vera@example.com' },
      { start: list[3]!.start, name: 'Vera Victim', email: 'vera@example.com' },
      { start: list[2]!.start, name: 'Vera Victim', email: 'vera@example.com', durationMinutes: 60 },
    ];
    for (const replay of replays) {
      const r = await book(replay.start, { bookingKey: 'key-0000-victim', ...replay });
      expect(r.status, JSON.stringify(replay)).toBe(409);
      expect(r.body.error.code).toBe('booking_key_reused');
      expect(JSON.stringify(r.body)).not.toContain(first.body.meeting.id);
      expect(JSON.stringify(r.body)).not.toContain(first.body.guestToken);
    }
    // The same key at another agent is another request too.
    const elsewhere = await book(carolSlots[0]!.start, { bookingKey: 'key-0000-victim', name: 'Vera Victim', email: 'vera@example.com' }, 'carol');
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe('booking_key_reused');
    // The true retry still gets the meeting, with the email written in another case.
    const retry = await book(list[2]!.start, { bookingKey: 'key-0000-victim', name: 'Vera Victim', email: 'VERA@example.com' });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ created: false, meeting: { id: first.body.meeting.id } });
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.filter((m: any) => m.guest.email === 'mallory@example.com')).toEqual([]);
  });

  it('refuses a time outside working hours, and bad input, changing nothing', async () => {
    const before = (await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.meetings.length;
    const night = `${dayFromNow(14)}T01:00:00Z`;
    const r = await book(night);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('slot_unavailable');
    for (const bad of [{ start: 'tomorrow' }, { durationMinutes: 45 }, { email: 'nope' }, { timeZone: 'Mars/Base' }]) {
      const list = await slots('alice', 'UTC', 30, dayFromNow(14));
      const res = await book(list[0]!.start, bad);
      expect(res.status).toBe(400);
    }
    expect((await call('GET', '/api/calendar', { headers: await asAgent('alice') })).body.meetings.length).toBe(before);
  });
});

describe('buffers (M1, through the Worker)', () => {
  it('both meetings keep their buffers: no meeting is offered or booked inside an existing one’s', async () => {
    const alice = await asAgent('alice');
    const { settings } = (await call('GET', '/api/calendar', { headers: alice })).body;
    const availability = { ...settings.availability, bufferBeforeMinutes: 15, bufferAfterMinutes: 10, slotStepMinutes: 10 };
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability } });
    try {
      // A weekday three weeks ahead, its meeting at 10:30–11:00 Paris time.
      let day = 21;
      while ([0, 6].includes(new Date(`${dayFromNow(day)}T12:00:00Z`).getUTCDay())) day++;
      const paris = () => slots('alice', 'Europe/Paris', 30, dayFromNow(day), 1);
      const meeting = (await paris()).find((s) => s.time === '10:30')!;
      expect((await book(meeting.start)).status).toBe(201);
      // 09:50–10:20 would sit in its 15-minute before-buffer, 11:20 (with its own before-buffer) in its 10-minute after-buffer.
      expect((await paris()).map((s) => s.time).filter((t) => t < '12:00')).toEqual(['09:00', '09:10', '09:20', '09:30', '11:30']);
      for (const time of ['09:50', '11:20']) {
        const r = await book(new Date(Date.parse(`${meeting.date}T${time}:00${meeting.offset}`)).toISOString(), { name: 'Near Guest', email: 'near@example.com' });
        expect(r.status, time).toBe(409);
        expect(r.body.error.code).toBe('slot_taken');
      }
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { availability: settings.availability } });
    }
  });
});

describe('changes (M4)', () => {
  it('duration change, reschedule and delete each post a note and email both with the right METHOD and SEQUENCE', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(15));
    const { body } = await book(list[0]!.start);
    const id = body.meeting.id;
    await drainJobs();
    await clearOutbox();
    const alice = await asAgent('alice');

    const longer = await call('PATCH', `/api/calendar/meetings/${id}`, { headers: alice, body: { durationMinutes: 60 } });
    expect(longer.status).toBe(200);
    expect(longer.body).toMatchObject({ durationMinutes: 60, sequence: 1 });
    await drainJobs();
    let mails = await outbox();
    expect(mails.map((m) => [m.calendar?.method, m.calendar?.sequence])).toEqual([['REQUEST', 1], ['REQUEST', 1]]);
    await clearOutbox();

    const later = list.find((s) => Date.parse(s.start) >= Date.parse(list[0]!.start) + 3 * 3_600_000)!;
    const moved = await call('PATCH', `/api/calendar/meetings/${id}`, { headers: alice, body: { start: later.start } });
    expect(moved.body).toMatchObject({ start: later.start, sequence: 2 });
    await drainJobs();
    mails = await outbox();
    expect(mails.map((m) => [m.calendar?.method, m.calendar?.sequence, m.calendar?.start])).toEqual([
      ['REQUEST', 2, later.start],
      ['REQUEST', 2, later.start],
    ]);
    await clearOutbox();

    const deleted = await call('DELETE', `/api/calendar/meetings/${id}`, { headers: alice });
    expect(deleted.body).toMatchObject({ status: 'cancelled', sequence: 3 });
    await drainJobs();
    mails = await outbox();
    expect(mails.map((m) => [m.calendar?.method, m.calendar?.sequence, m.calendar?.status])).toEqual([
      ['CANCEL', 3, 'CANCELLED'],
      ['CANCEL', 3, 'CANCELLED'],
    ]);
    expect(await meetingNotes(body.meeting.conversationId, body.guestToken)).toEqual(['booked', 'duration_changed', 'rescheduled', 'cancelled']);
  });

  it('a reschedule onto a taken slot is refused and changes nothing', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(16));
    const a = await book(list[0]!.start);
    const b = await book(list[4]!.start);
    const clash = await call('PATCH', `/api/calendar/meetings/${b.body.meeting.id}`, { headers: await asAgent('alice'), body: { start: list[0]!.start } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('slot_taken');
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.find((m: any) => m.id === b.body.meeting.id).start).toBe(list[4]!.start);
    expect(a.status).toBe(201);
  });
});

describe('signed guest links (M4)', () => {
  it('let the guest see, reschedule and cancel; expired and tampered links are refused', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(17));
    const { body } = await book(list[0]!.start);
    const token = body.guestLink.split('#')[1];
    const seen = await call('GET', `/api/meetings/${token}`);
    expect(seen.status).toBe(200);
    expect(seen.body.meeting.id).toBe(body.meeting.id);
    expect(seen.body.agent).toEqual({ slug: 'alice', name: 'Alice Martin', avatarUrl: '/avatars/alice.svg', timeZone: 'Europe/Paris' });

    const moved = await call('POST', `/api/meetings/${token}/reschedule`, { body: { start: list[2]!.start } });
    expect(moved.body.meeting).toMatchObject({ start: list[2]!.start, sequence: 1 });

    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await call('GET', `/api/meetings/${tampered}`)).status).toBe(401);
    const expired = await new SignJWT({ agent: ALICE_ID, typ: 'meeting' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(body.meeting.id)
      .setIssuer('doorbell')
      .setAudience('doorbell-meeting')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(env.GUEST_TOKEN_SECRET));
    const gone = await call('GET', `/api/meetings/${expired}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('link_expired');

    const cancelled = await call('POST', `/api/meetings/${token}/cancel`);
    expect(cancelled.body.meeting.status).toBe('cancelled');
  });
});

describe('reminders (M5)', () => {
  it('are queued per offset, move with a reschedule, go out once even when the alarm runs twice', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(18));
    const { body } = await book(list[0]!.start);
    const id = body.meeting.id;
    await drainJobs();
    await clearOutbox();
    const start = Date.parse(list[0]!.start);
    let reminders = (await calendarStub().pendingJobs()).filter((j) => j.key.startsWith(`reminder:${id}:`));
    expect(reminders.map((j) => [j.key.split(':')[2], j.dueAt])).toEqual([
      ['1440', start - 1440 * 60000],
      ['15', start - 15 * 60000],
    ]);

    const later = list[6]!;
    await call('PATCH', `/api/calendar/meetings/${id}`, { headers: await asAgent('alice'), body: { start: later.start } });
    reminders = (await calendarStub().pendingJobs()).filter((j) => j.key.startsWith(`reminder:${id}:`));
    expect(reminders.map((j) => j.dueAt)).toEqual([Date.parse(later.start) - 1440 * 60000, Date.parse(later.start) - 15 * 60000]);
    await drainJobs();
    await clearOutbox();

    // Time passes: the 15-minute reminder falls due.
    await runInDurableObject(calendarStub(), async (_instance, state) => {
      state.storage.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ?', Date.now() - 1, `reminder:${id}:15`);
    });
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    await runDurableObjectAlarm(calendarStub());
    // An at-least-once alarm may fire again: the reminder job re-armed exactly as if it had not run.
    await runInDurableObject(calendarStub(), async (_instance, state) => {
      state.storage.sql.exec(
        "INSERT OR IGNORE INTO jobs (key, kind, due_at, payload) VALUES (?, 'reminder', ?, ?)",
        `reminder:${id}:15`,
        Date.now() - 1,
        JSON.stringify({ meetingId: id, minutes: 15, start: Date.parse(later.start) }),
      );
    });
    await runDurableObjectAlarm(calendarStub());
    await drainJobs();
    expect((await meetingNotes(body.meeting.conversationId, body.guestToken)).filter((a: string) => a === 'reminder')).toHaveLength(1);
    const mails = await outbox();
    expect(mails.filter((m) => m.subject.startsWith('Reminder'))).toHaveLength(2);
    // The 24-hour reminder is still waiting; a delete drops it.
    await call('DELETE', `/api/calendar/meetings/${id}`, { headers: await asAgent('alice') });
    expect((await calendarStub().pendingJobs()).filter((j) => j.key.startsWith(`reminder:${id}:`))).toEqual([]);
  });
});

describe('email delivery', () => {
  it('a failed send never blocks a booking, and is retried until it goes out', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(25));
    // The outbox is unwritable: every send fails.
    await env.DB.prepare('ALTER TABLE outbox RENAME TO outbox_unavailable').run();
    let booked: Awaited<ReturnType<typeof book>> | undefined;
    try {
      booked = await book(list[0]!.start);
      expect(booked.status).toBe(201);
      await drainJobs();
      // Only this booking's emails: an earlier test's may still be queued when the outbox goes away.
      const failing = (await calendarStub().pendingJobs()).filter((j) => j.kind === 'email' && j.key.startsWith(`email:${booked!.body.meeting.id}:`));
      expect(failing).toHaveLength(2);
      expect(failing.every((j) => j.attempts >= 1 && j.dueAt > Date.now())).toBe(true);
    } finally {
      await env.DB.prepare('ALTER TABLE outbox_unavailable RENAME TO outbox').run();
    }
    // The backoff has passed.
    await runInDurableObject(calendarStub(), async (_instance, state) => {
      state.storage.sql.exec("UPDATE jobs SET due_at = ? WHERE kind = 'email'", Date.now() - 1);
    });
    await drainJobs();
    const mails = await outbox();
    expect(mails.filter((m) => m.subject.startsWith('Meeting booked')).map((m) => m.to).sort()).toEqual(['alice@doorbell.example', 'gina@example.com']);
    expect((await calendarStub().pendingJobs()).filter((j) => j.kind === 'email')).toEqual([]);
  });
});

describe('live calendar socket', () => {
  it('shows Alice her meetings, then a new booking and its change as they happen', async () => {
    const { TestSocket } = await import('../socket');
    const { agentToken } = await import('../helpers');
    const socket = await TestSocket.open('/api/calendar/socket', await agentToken('alice'));
    await socket.next((f) => f.type === 'meetings');
    const list = await slots('alice', 'UTC', 30, dayFromNow(26));
    const { body } = await book(list[0]!.start);
    expect((await socket.next((f) => f.type === 'meeting' && f.meeting.id === body.meeting.id)).meeting.status).toBe('confirmed');
    const mark = socket.frames.length;
    await call('DELETE', `/api/calendar/meetings/${body.meeting.id}`, { headers: await asAgent('alice') });
    expect((await socket.next((f) => f.type === 'meeting', mark)).meeting.status).toBe('cancelled');
    socket.close();
  });
});

describe('own scheduler and feed (M6, M7)', () => {
  it('Alice books for a guest; her secret feed lists it; rotating the secret retires the old URL', async () => {
    const list = await slots('alice', 'UTC', 60, dayFromNow(19));
    const alice = await asAgent('alice');
    const booked = await call('POST', '/api/calendar/meetings', {
      headers: alice,
      body: { start: list[0]!.start, durationMinutes: 60, name: 'Hal Host', email: 'hal@example.com', timeZone: 'Europe/London' },
    });
    expect(booked.status).toBe(201);
    expect(booked.body.meeting).toMatchObject({ bookedBy: 'agent', status: 'confirmed' });
    const { body } = await call('GET', '/api/calendar', { headers: alice });
    const path = new URL(body.feedUrl).pathname;
    const feed = await call('GET', path);
    expect(feed.response.headers.get('content-type')).toContain('text/calendar');
    expect(feed.body).toContain(`UID:${ALICE_ID}.${booked.body.meeting.id}@doorbell`);
    const rotated = await call('POST', '/api/calendar/feed/rotate', { headers: alice });
    expect((await call('GET', path)).status).toBe(404);
    expect((await call('GET', new URL(rotated.body.feedUrl).pathname)).status).toBe(200);
  });
});

describe('invite confirmation (M3, through the API)', () => {
  it('a pending invite does not hold its slot until accepted; decline cancels and tells the guest', async () => {
    const alice = await asAgent('alice');
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'invite' } });
    try {
      const list = await slots('alice', 'UTC', 30, dayFromNow(20));
      const first = await book(list[0]!.start);
      expect(first.body.meeting.status).toBe('pending');
      expect((await slots('alice', 'UTC', 30, dayFromNow(20))).map((s) => s.start)).toContain(list[0]!.start);

      const accepted = await call('POST', `/api/calendar/meetings/${first.body.meeting.id}/respond`, { headers: alice, body: { answer: 'accept' } });
      expect(accepted.body.status).toBe('confirmed');
      expect((await slots('alice', 'UTC', 30, dayFromNow(20))).map((s) => s.start)).not.toContain(list[0]!.start);

      const other = await book(list[8]!.start, { name: 'Second Guest', email: 'second@example.com' });
      await drainJobs();
      await clearOutbox();
      const declined = await call('POST', `/api/calendar/meetings/${other.body.meeting.id}/respond`, { headers: alice, body: { answer: 'decline' } });
      expect(declined.body.status).toBe('cancelled');
      await drainJobs();
      const mails = await outbox();
      expect(mails.find((m) => m.to === 'second@example.com')?.subject).toMatch(/declined/);
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'auto' } });
    }
  });

  it('accepting one of several pending invites for a time cancels the others, and tells their guests why', async () => {
    const alice = await asAgent('alice');
    await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'invite' } });
    try {
      const list = await slots('alice', 'UTC', 30, dayFromNow(22));
      const winner = await book(list[1]!.start, { name: 'Wendy Winner', email: 'wendy@example.com' });
      // One for the same time, one overlapping it by a quarter of an hour, one elsewhere in the day.
      const same = await book(list[1]!.start, { name: 'Sam Same', email: 'sam@example.com' });
      const overlap = await book(list[2]!.start, { name: 'Olga Overlap', email: 'olga@example.com' });
      const elsewhere = await book(list[10]!.start, { name: 'Ed Elsewhere', email: 'ed@example.com' });
      for (const r of [winner, same, overlap, elsewhere]) expect(r.body.meeting.status).toBe('pending');
      await drainJobs();
      await clearOutbox();

      const accepted = await call('POST', `/api/calendar/meetings/${winner.body.meeting.id}/respond`, { headers: alice, body: { answer: 'accept' } });
      expect(accepted.body.status).toBe('confirmed');
      const { meetings } = (await call('GET', '/api/calendar', { headers: alice })).body;
      const status = (r: any) => meetings.find((m: any) => m.id === r.body.meeting.id);
      expect([winner, same, overlap, elsewhere].map((r) => status(r).status)).toEqual(['confirmed', 'cancelled', 'cancelled', 'pending']);
      expect(status(same).sequence).toBe(1);
      // Accepting a loser afterwards changes nothing.
      const late = await call('POST', `/api/calendar/meetings/${same.body.meeting.id}/respond`, { headers: alice, body: { answer: 'accept' } });
      expect(late.body.status).toBe('cancelled');

      await drainJobs();
      const mails = await outbox();
      for (const loser of ['sam@example.com', 'olga@example.com']) {
        const mail = mails.find((m) => m.to === loser)!;
        expect(mail.subject).toMatch(/cancelled/);
        expect(mail.calendar).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', sequence: 1 });
        expect(mail.text).toContain('given to someone else');
        expect(mail.text).toContain(`${env.PUBLIC_BASE_URL}/u/alice/meet`);
      }
      // The agent's calendar drops the losers too.
      expect(mails.filter((m) => m.to === 'alice@doorbell.example' && m.calendar?.method === 'CANCEL')).toHaveLength(2);
      expect(mails.some((m) => m.to === 'ed@example.com')).toBe(false);
      expect(await meetingNotes(same.body.meeting.conversationId, same.body.guestToken)).toEqual(['booked', 'cancelled']);
      // The held meeting moved onto another pending one's time: that one loses too.
      await call('PATCH', `/api/calendar/meetings/${winner.body.meeting.id}`, { headers: alice, body: { start: list[10]!.start } });
      const after = (await call('GET', '/api/calendar', { headers: alice })).body.meetings;
      expect(after.find((m: any) => m.id === elsewhere.body.meeting.id).status).toBe('cancelled');
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { confirmation: 'auto' } });
    }
  });
});
