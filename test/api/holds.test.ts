import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { afterEach, describe, expect, it } from 'vitest';
import { asAgent, call } from '../helpers';
import { book, calendarStub, dayFromNow, slots } from '../meetings';
import { TestSocket } from '../socket';

// Live slots and holds (docs/meetings.md, "Live slots and holds"; frames in docs/protocol.md).

const opened: TestSocket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) if (!s.closed) s.close();
});

/** A booking page of Alice's calendar: its slots socket and the page id of its first frame. */
async function page(): Promise<{ socket: TestSocket; page: string }> {
  const socket = await TestSocket.open('/api/agents/alice/slots/socket', '');
  opened.push(socket);
  const first = await socket.next((f) => f.type === 'page');
  return { socket, page: first.page };
}

const hold = (page: string, start: string, extra: Record<string, unknown> = {}) =>
  call('POST', '/api/agents/alice/holds', { body: { start, durationMinutes: 30, page, ...extra } });

const changesAfter = (socket: TestSocket, from: number) => socket.next((f) => f.type === 'slots', from).then((f) => f.changed);

describe('holds', () => {
  it('another page sees a hold at once; booking it is slot_held with when it frees; the holder books it; everyone sees it booked', async () => {
    const target = (await slots('alice', 'UTC', 30, dayFromNow(40)))[2]!;
    const mine = await page();
    const other = await page();
    const from = other.socket.frames.length;
    const placed = await hold(mine.page, target.start);
    expect(placed.status).toBe(201);
    expect(Date.parse(placed.body.expiresAt) - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(Date.parse(placed.body.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(await changesAfter(other.socket, from)).toEqual([{ start: target.start, end: target.end, available: false, reason: 'held' }]);
    // The slot is gone from every page's list while held.
    expect((await slots('alice', 'UTC', 30, dayFromNow(40))).map((s) => s.start)).not.toContain(target.start);
    // …but for the page that holds it, which still shows its choice.
    const own = await call('GET', `/api/agents/alice/slots?timeZone=UTC&from=${dayFromNow(40)}&days=7&duration=30&page=${mine.page}`);
    expect(own.body.slots.map((s: any) => s.start)).toContain(target.start);

    const refused = await book(target.start, { name: 'Other Guest', email: 'other@example.com' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'slot_held', details: { freesAt: placed.body.expiresAt } });
    // An agent cannot book over it either.
    const byAgent = await call('POST', '/api/calendar/meetings', {
      headers: await asAgent('alice'),
      body: { start: target.start, durationMinutes: 30, name: 'Hal Host', email: 'hal@example.com', timeZone: 'UTC' },
    });
    expect(byAgent.body.error?.code).toBe('slot_held');

    const before = other.socket.frames.length;
    const booked = await book(target.start, { holdToken: placed.body.holdToken, name: 'Holder Guest', email: 'holder@example.com' });
    expect(booked.status).toBe(201);
    const frame = await other.socket.next((f) => f.type === 'slots', before);
    expect(frame.changed).toEqual([{ start: target.start, end: target.end, available: false, reason: 'booked' }]);
    // Nothing private: no name, address or meeting id reaches a booking page.
    const seen = JSON.stringify(other.socket.frames);
    for (const secret of ['Holder Guest', 'holder@example.com', booked.body.meeting.id, booked.body.meeting.conversationId]) expect(seen).not.toContain(secret);
    // The page that held it heard nothing of its own hold.
    expect(mine.socket.frames.filter((f) => f.type === 'slots' && f.changed.some((c: any) => c.reason === 'held'))).toEqual([]);
    // Used up: the hold is gone.
    expect((await call('DELETE', `/api/agents/alice/holds/${placed.body.holdToken}`)).status).toBe(404);
  });

  it('a page has one hold: a new one releases the old; releasing it or leaving the page frees the time', async () => {
    // An hour apart: slots 15 minutes apart overlap, and a hold blocks what it overlaps.
    const list = await slots('alice', 'UTC', 30, dayFromNow(41));
    const [first, second, third] = [list[0], list[4], list[8]];
    const mine = await page();
    const other = await page();
    const a = await hold(mine.page, first!.start);
    expect(a.status).toBe(201);
    let from = other.socket.frames.length;
    const b = await hold(mine.page, second!.start);
    expect(b.status).toBe(201);
    expect(await changesAfter(other.socket, from)).toEqual([
      { start: first!.start, end: first!.end, available: true, reason: 'free' },
      { start: second!.start, end: second!.end, available: false, reason: 'held' },
    ]);
    expect((await book(first!.start)).status).toBe(201);

    from = other.socket.frames.length;
    expect((await call('DELETE', `/api/agents/alice/holds/${b.body.holdToken}`)).status).toBe(200);
    expect(await changesAfter(other.socket, from)).toEqual([{ start: second!.start, end: second!.end, available: true, reason: 'free' }]);
    expect((await slots('alice', 'UTC', 30, dayFromNow(41))).map((s) => s.start)).toContain(second!.start);

    expect((await hold(mine.page, third!.start)).status).toBe(201);
    from = other.socket.frames.length;
    mine.socket.close();
    expect(await changesAfter(other.socket, from)).toEqual([{ start: third!.start, end: third!.end, available: true, reason: 'free' }]);
    expect((await book(third!.start, { email: 'third@example.com' })).status).toBe(201);
  });

  it('an expired hold is released by its job, and the pages are told', async () => {
    const target = (await slots('alice', 'UTC', 30, dayFromNow(42)))[0]!;
    const mine = await page();
    const other = await page();
    const placed = await hold(mine.page, target.start);
    const jobs = (await calendarStub().pendingJobs()).filter((j) => j.key === `hold:${placed.body.holdId}`);
    expect(jobs.map((j) => j.dueAt)).toEqual([Date.parse(placed.body.expiresAt)]);
    // Run early, the job waits for the expiry and keeps the hold.
    await runInDurableObject(calendarStub(), (_i, state) => {
      state.storage.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ?', Date.now() - 1, `hold:${placed.body.holdId}`);
    });
    await runDurableObjectAlarm(calendarStub());
    expect((await book(target.start)).body.error?.code).toBe('slot_held');
    // Time passes.
    const from = other.socket.frames.length;
    await runInDurableObject(calendarStub(), (_i, state) => {
      state.storage.sql.exec('UPDATE holds SET expires_at = ? WHERE id = ?', Date.now() - 1, placed.body.holdId);
      state.storage.sql.exec('UPDATE jobs SET due_at = ? WHERE key = ?', Date.now() - 1, `hold:${placed.body.holdId}`);
    });
    await runDurableObjectAlarm(calendarStub());
    expect(await changesAfter(other.socket, from)).toEqual([{ start: target.start, end: target.end, available: true, reason: 'free' }]);
    // Running again changes nothing.
    await runDurableObjectAlarm(calendarStub());
    expect((await calendarStub().pendingJobs()).filter((j) => j.key.startsWith('hold:'))).toEqual([]);
    // The expired token no longer reserves anything: anyone may book the time.
    expect((await book(target.start, { email: 'late@example.com' })).status).toBe(201);
  });

  it('lasts holdMinutes (1–30) of the calendar settings', async () => {
    const alice = await asAgent('alice');
    expect((await call('PATCH', '/api/calendar/settings', { headers: alice, body: { holdMinutes: 31 } })).status).toBe(400);
    expect((await call('PATCH', '/api/calendar/settings', { headers: alice, body: { holdMinutes: 0 } })).status).toBe(400);
    const mine = await page();
    const patched = await call('PATCH', '/api/calendar/settings', { headers: alice, body: { holdMinutes: 2 } });
    try {
      expect(patched.body.holdMinutes).toBe(2);
      // An open page is told to read its slots again, after a settings or a meeting type change.
      await mine.socket.next((f) => f.type === 'refresh');
      const changed = await call('PATCH', '/api/calendar/meeting-types/meeting', { headers: alice, body: { description: 'Now described' } });
      expect(changed.status).toBe(200);
      await mine.socket.next((f) => f.type === 'refresh', mine.socket.frames.findIndex((f) => f.type === 'refresh') + 1);
      const again = await page();
      expect(again.socket.frames[0]).toMatchObject({ type: 'page', holdMinutes: 2 });
      const target = (await slots('alice', 'UTC', 30, dayFromNow(43)))[0]!;
      const placed = await hold(again.page, target.start);
      expect(Date.parse(placed.body.expiresAt) - Date.now()).toBeLessThanOrEqual(2 * 60_000);
      expect(Date.parse(placed.body.expiresAt) - Date.now()).toBeGreaterThan(60_000);
      // Released now, so that no later page hears of it when this one closes.
      expect((await call('DELETE', `/api/agents/alice/holds/${placed.body.holdToken}`)).status).toBe(200);
    } finally {
      await call('PATCH', '/api/calendar/settings', { headers: alice, body: { holdMinutes: 5 } });
      await call('PATCH', '/api/calendar/meeting-types/meeting', { headers: alice, body: { description: '' } });
    }
  });

  it('refuses a time not offered, a duration not offered, a page with no socket, and bad input, holding nothing', async () => {
    const mine = await page();
    const sunday = new Date(Date.parse(`${dayFromNow(44)}T12:00:00Z`));
    sunday.setUTCDate(sunday.getUTCDate() + ((7 - sunday.getUTCDay()) % 7));
    const closed = await hold(mine.page, sunday.toISOString());
    expect([closed.status, closed.body.error.code]).toEqual([409, 'slot_unavailable']);
    const target = (await slots('alice', 'UTC', 30, dayFromNow(44)))[0]!;
    expect((await hold(mine.page, target.start, { durationMinutes: 45 })).status).toBe(400);
    const unknownPage = await hold('pg_nosuchpage0000000000', target.start);
    expect([unknownPage.status, unknownPage.body.error.code]).toEqual([400, 'invalid_request']);
    for (const body of [{}, { start: 'soon', durationMinutes: 30, page: mine.page }, { start: target.start, durationMinutes: 30, page: 'x' }, { start: target.start, durationMinutes: 30, page: mine.page, extra: 1 }]) {
      expect((await call('POST', '/api/agents/alice/holds', { body })).status).toBe(400);
    }
    expect((await call('DELETE', '/api/agents/alice/holds/not-a-token')).status).toBe(400);
    expect((await call('POST', '/api/agents/bob/holds', { body: { start: target.start, durationMinutes: 30, page: mine.page } })).status).toBe(409);
    expect((await slots('alice', 'UTC', 30, dayFromNow(44))).map((s) => s.start)).toContain(target.start);
    expect(mine.socket.frames.filter((f) => f.type === 'slots')).toEqual([]);
  });

  it('of 50 concurrent holds and bookings of one slot exactly one wins', async () => {
    const target = (await slots('alice', 'UTC', 30, dayFromNow(45)))[3]!;
    const pages = await Promise.all(Array.from({ length: 25 }, () => page()));
    const attempts = await Promise.all([
      ...pages.map((p) => hold(p.page, target.start)),
      ...Array.from({ length: 25 }, (_, i) => book(target.start, { name: `Guest ${i}`, email: `c${i}@example.com` })),
    ]);
    const won = attempts.filter((r) => r.status === 201);
    expect(won).toHaveLength(1);
    expect(attempts.filter((r) => r.status === 409)).toHaveLength(49);
    for (const r of attempts.filter((r) => r.status === 409)) expect(['slot_held', 'slot_taken']).toContain(r.body.error.code);
    // A winning hold then books for sure; a winning booking is the meeting.
    if (won[0]!.body.holdToken) expect((await book(target.start, { holdToken: won[0]!.body.holdToken, email: 'winner@example.com' })).status).toBe(201);
    const calendar = await call('GET', '/api/calendar', { headers: await asAgent('alice') });
    expect(calendar.body.meetings.filter((m: any) => m.start === target.start && m.status !== 'cancelled')).toHaveLength(1);
  });

  it('the agent’s calendar socket hears no booking page frames', async () => {
    const { agentToken } = await import('../helpers');
    const agent = await TestSocket.open('/api/calendar/socket', await agentToken('alice'));
    opened.push(agent);
    await agent.next((f) => f.type === 'meetings');
    const mine = await page();
    const target = (await slots('alice', 'UTC', 30, dayFromNow(46)))[0]!;
    const placed = await hold(mine.page, target.start);
    await book(target.start, { holdToken: placed.body.holdToken });
    await agent.next((f) => f.type === 'meeting');
    expect(agent.frames.filter((f) => f.type === 'slots' || f.type === 'page')).toEqual([]);
  });
});

describe('the live meeting page', () => {
  it('shows the agent’s move, duration change and cancellation at once', async () => {
    const list = await slots('alice', 'UTC', 30, dayFromNow(47));
    const booked = await book(list[0]!.start);
    const token = new URL(booked.body.guestLink).hash.slice(1);
    const socket = await TestSocket.open(`/api/meetings/${token}/socket`, '');
    opened.push(socket);
    expect((await socket.next((f) => f.type === 'meeting')).meeting).toMatchObject({ id: booked.body.meeting.id, start: list[0]!.start, status: 'confirmed' });
    const watcher = await page();
    const alice = await asAgent('alice');
    let from = socket.frames.length;
    const watched = watcher.socket.frames.length;
    await call('PATCH', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice, body: { start: list[8]!.start } });
    expect((await socket.next((f) => f.type === 'meeting', from)).meeting).toMatchObject({ start: list[8]!.start, sequence: 1 });
    // Booking pages see the old time freed and the new one taken.
    expect(await changesAfter(watcher.socket, watched)).toEqual([
      { start: list[0]!.start, end: list[0]!.end, available: true, reason: 'free' },
      { start: list[8]!.start, end: list[8]!.end, available: false, reason: 'booked' },
    ]);
    from = socket.frames.length;
    await call('PATCH', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice, body: { durationMinutes: 60 } });
    expect((await socket.next((f) => f.type === 'meeting', from)).meeting).toMatchObject({ durationMinutes: 60 });
    from = socket.frames.length;
    await call('DELETE', `/api/calendar/meetings/${booked.body.meeting.id}`, { headers: alice });
    expect((await socket.next((f) => f.type === 'meeting', from)).meeting.status).toBe('cancelled');
  });

  it('needs a valid link, and follows one meeting from at most 10 pages', async () => {
    expect((await TestSocket.refused('/api/meetings/not-a-valid-link-token-at-all/socket', '')).status).toBe(401);
    const list = await slots('alice', 'UTC', 30, dayFromNow(48));
    const booked = await book(list[0]!.start);
    const token = new URL(booked.body.guestLink).hash.slice(1);
    for (let i = 0; i < 10; i++) opened.push(await TestSocket.open(`/api/meetings/${token}/socket`, ''));
    const refused = await TestSocket.refused(`/api/meetings/${token}/socket`, '');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as any).error.details.limit).toBe('sockets_per_meeting');
  });
});
