import { beforeEach, describe, expect, it } from 'vitest';
import { asAgent, call } from '../helpers';
import { book, clearOutbox, dayFromNow, drainJobs } from '../meetings';

// The meeting page's own slots route (docs/meetings.md "Changes (M4)"): a guest reschedules a
// meeting in its type's availability even when the type is hidden, renamed or deleted.

beforeEach(clearOutbox);

/** Saturday mornings in Paris only, at 45 minutes: nothing the calendar's weekdays offer. */
const saturdays = {
  title: 'Weekend',
  durations: [45],
  availability: { timeZone: 'Europe/Paris', weeklyHours: { sat: [{ start: '10:00', end: '13:00' }] }, overrides: [], durations: [30], bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minimumNoticeMinutes: 0, horizonDays: 60, slotStepMinutes: 45 },
};

const days = `timeZone=Europe/Paris&from=${dayFromNow(1)}&days=21`;

/** A guest books the type's first free Saturday slot; its token opens the meeting page. */
async function bookSaturday(slug: string) {
  const alice = await asAgent('alice');
  expect((await call('POST', '/api/calendar/meeting-types', { headers: alice, body: { slug, ...saturdays } })).status).toBe(201);
  const free = await call('GET', `/api/agents/alice/slots?${days}&type=${slug}`);
  expect(free.body.slots.length).toBeGreaterThan(4);
  const booked = await book(free.body.slots[0].start, { type: slug, durationMinutes: 45 });
  expect(booked.status, JSON.stringify(booked.body)).toBe(201);
  return { alice, token: booked.body.guestLink.split('#')[1] as string, meeting: booked.body.meeting, slots: free.body.slots as Array<{ start: string }> };
}

const meetingSlots = (token: string, query = days) => call('GET', `/api/meetings/${token}/slots?${query}`);
const saturdaysOnly = (slots: Array<{ start: string }>) => slots.every((s) => new Date(s.start).getUTCDay() === 6);

describe("the meeting page's slots", () => {
  it('a meeting of a hidden type: the public slots refuse the type, the meeting page still offers its Saturdays at its own length and moves it there', async () => {
    const { alice, token, meeting, slots } = await bookSaturday('vip');
    // Hidden, and no longer offering the meeting's length: the meeting still moves at its own.
    expect((await call('PATCH', '/api/calendar/meeting-types/vip', { headers: alice, body: { hidden: true, durations: [20] } })).status).toBe(200);
    expect((await call('GET', `/api/agents/alice/slots?${days}&type=vip`)).status).toBe(404);

    const r = await meetingSlots(token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ timeZone: 'Europe/Paris', agentTimeZone: 'Europe/Paris', durationMinutes: 45, durations: [20, 45] });
    expect(saturdaysOnly(r.body.slots)).toBe(true);
    // Its own time counts as free: the guest may keep it or move next to it.
    expect(r.body.slots.map((s: any) => s.start)).toContain(meeting.start);
    expect(r.body.slots.map((s: any) => s.start)).toEqual(slots.map((s) => s.start));

    const moved = await call('POST', `/api/meetings/${token}/reschedule`, { body: { start: slots[3]!.start } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.meeting).toMatchObject({ start: slots[3]!.start, durationMinutes: 45, type: { slug: 'vip', title: 'Weekend' } });
    await drainJobs();
    await call('DELETE', '/api/calendar/meeting-types/vip', { headers: alice });
  });

  it('a meeting whose type was deleted keeps its type’s rules: offered and moved on Saturdays, not on the calendar’s weekdays', async () => {
    const { alice, token, slots } = await bookSaturday('gone');
    expect((await call('DELETE', '/api/calendar/meeting-types/gone', { headers: alice })).status).toBe(204);
    // A new type under the same slug is another type: the meeting keeps the rules of its own.
    expect((await call('POST', '/api/calendar/meeting-types', { headers: alice, body: { slug: 'gone', title: 'Other', durations: [15] } })).status).toBe(201);

    const r = await meetingSlots(token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.durationMinutes).toBe(45);
    expect(saturdaysOnly(r.body.slots)).toBe(true);
    expect(r.body.slots.length).toBe(slots.length);

    const moved = await call('POST', `/api/meetings/${token}/reschedule`, { body: { start: slots[2]!.start } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.meeting.start).toBe(slots[2]!.start);
    // A weekday the calendar offers is not the deleted type's.
    const weekday = (await call('GET', `/api/agents/alice/slots?timeZone=Europe/Paris&from=${dayFromNow(3)}&days=7&duration=30`)).body.slots[0].start;
    const refused = await call('POST', `/api/meetings/${token}/reschedule`, { body: { start: weekday } });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'slot_unavailable']);
    await drainJobs();
    await call('DELETE', '/api/calendar/meeting-types/gone', { headers: alice });
  });

  it('a renamed type: its meetings keep the slug they were booked with and the rules of then', async () => {
    const { alice, token, meeting, slots } = await bookSaturday('old-name');
    expect((await call('PATCH', '/api/calendar/meeting-types/old-name', { headers: alice, body: { slug: 'new-name', durations: [30] } })).status).toBe(200);
    const r = await meetingSlots(token);
    expect([r.status, r.body.durationMinutes, r.body.durations]).toEqual([200, 45, [45]]);
    expect(r.body.slots.map((s: any) => s.start)).toEqual(slots.map((s) => s.start));
    const seen = await call('GET', `/api/meetings/${token}`);
    expect(seen.body.meeting.type).toEqual({ slug: 'old-name', title: 'Weekend' });
    expect(seen.body.meeting.id).toBe(meeting.id);
    await drainJobs();
    await call('DELETE', '/api/calendar/meeting-types/new-name', { headers: alice });
  });

  it('refuses a bad link (401), a cancelled meeting (404) and a bad query (400), naming the field', async () => {
    const { alice, token } = await bookSaturday('refusals');
    expect((await meetingSlots(`${token}x`)).status).toBe(401);
    const bad = await meetingSlots(token, 'timeZone=Mars/Olympus&from=2026-13-01');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    expect(bad.body.error.message).toContain('timeZone');
    expect((await call('POST', `/api/meetings/${token}/cancel`)).status).toBe(200);
    const gone = await meetingSlots(token);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'not_found']);
    await drainJobs();
    await call('DELETE', '/api/calendar/meeting-types/refusals', { headers: alice });
  });
});
