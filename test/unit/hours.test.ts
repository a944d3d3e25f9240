import { describe, expect, it } from 'vitest';
import { hoursAt, type BusinessHours } from '../../src/time/hours';
import { repliesIn } from '../../src/directory/replies-in';

// Instants are literal UTC, never derived through the zone code under test.
const at = (iso: string): number => Date.parse(iso);
const state = (hours: BusinessHours | null, iso: string) => {
  const s = hoursAt(hours, at(iso));
  const show = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { open: s.open, opensAt: show(s.opensAt), closesAt: show(s.closesAt) };
};

const day = [{ start: '09:00', end: '12:30' }, { start: '13:30', end: '17:30' }];
const weekdays = { mon: day, tue: day, wed: day, thu: day, fri: day };
const paris: BusinessHours = { timeZone: 'Europe/Paris', weeklyHours: weekdays, holidays: [] };

describe('business hours', () => {
  it('no hours: always open, nothing ever changes', () => {
    expect(state(null, '2026-12-05T03:00:00Z')).toEqual({ open: true, opensAt: null, closesAt: null });
  });

  it('an empty week is never open, and never opens', () => {
    expect(state({ timeZone: 'Europe/Paris', weeklyHours: {}, holidays: [] }, '2026-12-01T10:00:00Z')).toEqual({ open: false, opensAt: null, closesAt: null });
    expect(state({ timeZone: 'UTC', weeklyHours: { mon: [], tue: [] }, holidays: [] }, '2026-12-01T10:00:00Z').open).toBe(false);
  });

  it('open inside a range, until its end in the zone (Paris is UTC+1 in December)', () => {
    expect(state(paris, '2026-12-01T10:00:00Z')).toEqual({ open: true, opensAt: null, closesAt: '2026-12-01T11:30:00.000Z' });
  });

  it('closed over lunch, opening after it; closed at the exact end instant', () => {
    expect(state(paris, '2026-12-01T11:45:00Z')).toEqual({ open: false, opensAt: '2026-12-01T12:30:00.000Z', closesAt: null });
    expect(state(paris, '2026-12-01T16:30:00Z')).toEqual({ open: false, opensAt: '2026-12-02T08:00:00.000Z', closesAt: null });
    expect(state(paris, '2026-12-01T08:00:00Z').open).toBe(true);
  });

  it('closed for the weekend: opens on Monday morning', () => {
    expect(state(paris, '2026-12-04T17:00:00Z')).toEqual({ open: false, opensAt: '2026-12-07T08:00:00.000Z', closesAt: null });
  });

  it('a holiday keeps the whole local day closed', () => {
    const christmas: BusinessHours = { ...paris, holidays: [{ date: '2026-12-25', name: 'Christmas' }] };
    expect(state(christmas, '2026-12-24T17:00:00Z')).toEqual({ open: false, opensAt: '2026-12-28T08:00:00.000Z', closesAt: null });
    expect(state(christmas, '2026-12-25T10:00:00Z').open).toBe(false);
  });

  it('Paris spring DST day: 01:00–04:00 is two real hours, and a range inside the skipped hour never opens', () => {
    const sunday: BusinessHours = { timeZone: 'Europe/Paris', weeklyHours: { sun: [{ start: '01:00', end: '04:00' }] }, holidays: [] };
    expect(state(sunday, '2026-03-29T00:30:00Z')).toEqual({ open: true, opensAt: null, closesAt: '2026-03-29T02:00:00.000Z' });
    const gap: BusinessHours = { timeZone: 'Europe/Paris', weeklyHours: { sun: [{ start: '02:00', end: '03:00' }, { start: '10:00', end: '11:00' }] }, holidays: [] };
    expect(state(gap, '2026-03-28T23:00:00Z')).toEqual({ open: false, opensAt: '2026-03-29T08:00:00.000Z', closesAt: null });
  });

  it('New York autumn DST day: 00:00–03:00 is four real hours; the week after opens on the new offset', () => {
    const sunday: BusinessHours = { timeZone: 'America/New_York', weeklyHours: { sun: [{ start: '00:00', end: '03:00' }] }, holidays: [] };
    expect(state(sunday, '2026-11-01T05:30:00Z')).toEqual({ open: true, opensAt: null, closesAt: '2026-11-01T08:00:00.000Z' });
    const office: BusinessHours = { timeZone: 'America/New_York', weeklyHours: { mon: [{ start: '09:00', end: '17:00' }] }, holidays: [] };
    expect(state(office, '2026-10-26T12:00:00Z')).toEqual({ open: false, opensAt: '2026-10-26T13:00:00.000Z', closesAt: null });
    expect(state(office, '2026-10-31T12:00:00Z')).toEqual({ open: false, opensAt: '2026-11-02T14:00:00.000Z', closesAt: null });
  });

  it('ranges meeting at midnight are one stretch: no range runs past 24:00, the next day continues it', () => {
    const late: BusinessHours = { timeZone: 'UTC', weeklyHours: { mon: [{ start: '22:00', end: '24:00' }], tue: [{ start: '00:00', end: '02:00' }] }, holidays: [] };
    expect(state(late, '2026-11-30T23:00:00Z')).toEqual({ open: true, opensAt: null, closesAt: '2026-12-01T02:00:00.000Z' });
  });

  it('open around the clock every day: open with no closing within the year', () => {
    const all = [{ start: '00:00', end: '24:00' }];
    const always: BusinessHours = { timeZone: 'Asia/Tokyo', weeklyHours: { mon: all, tue: all, wed: all, thu: all, fri: all, sat: all, sun: all }, holidays: [] };
    expect(state(always, '2026-12-01T10:00:00Z')).toEqual({ open: true, opensAt: null, closesAt: null });
  });
});

describe('usually replies in: the rounding rule', () => {
  it.each([
    [0, 'repliesUnder5', 5],
    [299, 'repliesUnder5', 5],
    [300, 'repliesMinutes', 5],
    [7 * 60 + 29, 'repliesMinutes', 5],
    [7 * 60 + 30, 'repliesMinutes', 10],
    [57 * 60, 'repliesMinutes', 55],
    [58 * 60, 'repliesHour', 1],
    [89 * 60, 'repliesHour', 1],
    [90 * 60, 'repliesHours', 2],
    [11 * 3600 + 1799, 'repliesHours', 11],
    [11.5 * 3600, 'repliesDay', 1],
    [23 * 3600, 'repliesDay', 1],
    [86_400, 'repliesDays', 1],
    [3.4 * 86_400, 'repliesDays', 3],
  ])('%i s reads %s with n = %i', (seconds, key, n) => {
    expect(repliesIn(seconds)).toEqual({ key, n });
  });
});
