import { describe, expect, it } from 'vitest';
import { type AvailabilitySettings, type BusyInterval, type Slot, computeSlots } from '../../src/calendar/availability';
import { formatSlotInZone, instantToZoned, zonedTimeToInstant } from '../../src/time/zoned';

// Expectations are written as literal UTC instants, never derived through the module
// under test, so an offset or DST mistake cannot cancel itself out.
const at = (isoMinute: string): number => Date.parse(`${isoMinute}:00Z`);
const utc = (slots: Slot[]): string[] => slots.map((s) => new Date(s.start).toISOString().slice(0, 16));
const local = (slots: Slot[], zone: string): string[] =>
  slots.map((s) => {
    const f = formatSlotInZone(s.start, zone);
    return `${f.date} ${f.time} ${f.offset}`;
  });

const NONE = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

function settings(overrides: Partial<AvailabilitySettings> = {}): AvailabilitySettings {
  return {
    timeZone: 'Europe/Paris',
    weeklyHours: { ...NONE },
    overrides: [],
    durations: [30, 60],
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    horizonDays: 365,
    slotStepMinutes: 30,
    ...overrides,
  };
}

// 2026-01-12 is a Monday; Paris is on CET (+01:00) all of January.
const JAN_NOW = at('2026-01-01T00:00');

describe('weekly hours', () => {
  it('offers every step of several ranges a day, in order, in the agent zone', () => {
    const s = settings({
      // Deliberately listed out of order.
      weeklyHours: { ...NONE, mon: [{ start: '13:30', end: '17:00' }, { start: '09:00', end: '12:00' }] },
    });
    const slots = computeSlots(
      s,
      { from: at('2026-01-12T00:00'), to: at('2026-01-14T00:00'), durationMinutes: 60, now: JAN_NOW },
      [],
    );
    expect(utc(slots)).toEqual([
      '2026-01-12T08:00',
      '2026-01-12T08:30',
      '2026-01-12T09:00',
      '2026-01-12T09:30',
      '2026-01-12T10:00',
      '2026-01-12T12:30',
      '2026-01-12T13:00',
      '2026-01-12T13:30',
      '2026-01-12T14:00',
      '2026-01-12T14:30',
      '2026-01-12T15:00',
    ]);
    expect(slots.every((slot) => slot.end - slot.start === 60 * 60_000)).toBe(true);
    expect(local(slots, 'Europe/Paris')[0]).toBe('2026-01-12 09:00 +01:00');
  });

  it('does not duplicate slots when ranges overlap', () => {
    const s = settings({
      weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '11:00' }, { start: '10:00', end: '12:00' }] },
      slotStepMinutes: 60,
    });
    const slots = computeSlots(
      s,
      { from: at('2026-01-12T00:00'), to: at('2026-01-13T00:00'), durationMinutes: 60, now: JAN_NOW },
      [],
    );
    expect(utc(slots)).toEqual(['2026-01-12T08:00', '2026-01-12T09:00', '2026-01-12T10:00']);
  });

  it('keeps only slot starts inside [from, to)', () => {
    const s = settings({ weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '12:00' }] }, slotStepMinutes: 60 });
    const slots = computeSlots(
      s,
      { from: at('2026-01-12T09:00'), to: at('2026-01-12T10:00'), durationMinutes: 60, now: JAN_NOW },
      [],
    );
    expect(utc(slots)).toEqual(['2026-01-12T09:00']);
  });
});

describe('date overrides', () => {
  const weekdays = [{ start: '09:00', end: '10:00' }];
  const base = settings({
    weeklyHours: { ...NONE, mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays },
    slotStepMinutes: 60,
  });
  const query = { from: at('2026-01-12T00:00'), to: at('2026-01-19T00:00'), durationMinutes: 60, now: JAN_NOW };

  it('uses the weekly hours when there is no override', () => {
    expect(utc(computeSlots(base, query, []))).toEqual([
      '2026-01-12T08:00',
      '2026-01-13T08:00',
      '2026-01-14T08:00',
      '2026-01-15T08:00',
      '2026-01-16T08:00',
    ]);
  });

  it('removes a day off and replaces hours with special hours, also on a weekend', () => {
    const s = {
      ...base,
      overrides: [
        { date: '2026-01-14', ranges: [] },
        { date: '2026-01-15', ranges: [{ start: '14:00', end: '16:00' }] },
        { date: '2026-01-17', ranges: [{ start: '10:00', end: '11:00' }] },
      ],
    };
    expect(utc(computeSlots(s, query, []))).toEqual([
      '2026-01-12T08:00',
      '2026-01-13T08:00',
      '2026-01-15T13:00',
      '2026-01-15T14:00',
      '2026-01-16T08:00',
      '2026-01-17T09:00',
    ]);
  });
});

describe('buffers, notice, horizon, step', () => {
  it('keeps the buffers around the new meeting clear of busy time', () => {
    const s = settings({
      weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '13:00' }] },
      slotStepMinutes: 15,
      bufferBeforeMinutes: 15,
      bufferAfterMinutes: 10,
    });
    // Existing meeting 10:30-11:00 local.
    const busy = [{ start: at('2026-01-12T09:30'), end: at('2026-01-12T10:00') }];
    const slots = computeSlots(
      s,
      { from: at('2026-01-12T00:00'), to: at('2026-01-13T00:00'), durationMinutes: 30, now: JAN_NOW },
      busy,
    );
    const times = local(slots, 'Europe/Paris').map((l) => l.slice(11, 16));
    // 09:45 + 30 + 10 ends exactly at 10:30 (touching is fine); 10:00 would overlap.
    // 11:15 - 15 starts exactly at 11:00; 11:00 would overlap.
    expect(times).toEqual([
      '09:00',
      '09:15',
      '09:30',
      '09:45',
      '11:15',
      '11:30',
      '11:45',
      '12:00',
      '12:15',
      '12:30',
    ]);
  });

  it('lets a meeting of this calendar keep its own buffers too: both lie between two meetings', () => {
    const s = settings({
      weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '13:00' }] },
      slotStepMinutes: 5,
      bufferBeforeMinutes: 15,
      bufferAfterMinutes: 10,
    });
    const q = { from: at('2026-01-12T00:00'), to: at('2026-01-13T00:00'), durationMinutes: 30, now: JAN_NOW };
    const times = (busy: BusyInterval[]) => local(computeSlots(s, q, busy), 'Europe/Paris').map((l) => l.slice(11, 16));
    // A meeting 11:00-11:30 local: the 10:20-10:50 of the issue would sit in its 15-minute
    // before-buffer. A new meeting must end 10 + 15 minutes before it and start 10 + 15 after.
    const meeting = times([{ start: at('2026-01-12T10:00'), end: at('2026-01-12T10:30'), meeting: true }]);
    expect(meeting).not.toContain('10:20');
    expect(meeting.filter((t) => t >= '10:00' && t <= '12:00')).toEqual(['10:00', '10:05', '11:55', '12:00']);
    // Someone else's event (the busy feed) has no buffers of its own: only the new meeting's count.
    const event = times([{ start: at('2026-01-12T10:00'), end: at('2026-01-12T10:30') }]);
    expect(event.filter((t) => t >= '10:00' && t <= '12:00')).toEqual(['10:00', '10:05', '10:10', '10:15', '10:20', '11:45', '11:50', '11:55', '12:00']);
  });

  it('honours minimum notice, inclusive at the boundary', () => {
    const s = settings({ weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '12:00' }] }, minimumNoticeMinutes: 90 });
    const q = { from: at('2026-01-12T00:00'), to: at('2026-01-13T00:00'), durationMinutes: 30 };
    // now 09:10 local -> earliest 10:40 -> first grid point 11:00.
    expect(utc(computeSlots(s, { ...q, now: at('2026-01-12T08:10') }, []))).toEqual([
      '2026-01-12T10:00',
      '2026-01-12T10:30',
    ]);
    // now 09:00 local -> earliest exactly 10:30, which is offered.
    expect(utc(computeSlots(s, { ...q, now: at('2026-01-12T08:00') }, []))[0]).toBe('2026-01-12T09:30');
  });

  it('stops at the horizon, inclusive of the horizon instant', () => {
    const daily = [{ start: '09:00', end: '10:00' }];
    const s = settings({
      weeklyHours: { mon: daily, tue: daily, wed: daily, thu: daily, fri: daily, sat: daily, sun: daily },
      slotStepMinutes: 60,
      horizonDays: 2,
    });
    const q = { from: at('2026-01-01T00:00'), to: at('2026-02-01T00:00'), durationMinutes: 60 };
    // now = Monday 09:00 local: today's slot (notice 0) up to exactly now + 48 h.
    expect(utc(computeSlots(s, { ...q, now: at('2026-01-12T08:00') }, []))).toEqual([
      '2026-01-12T08:00',
      '2026-01-13T08:00',
      '2026-01-14T08:00',
    ]);
    expect(utc(computeSlots(s, { ...q, now: at('2026-01-12T08:01') }, []))).toEqual([
      '2026-01-13T08:00',
      '2026-01-14T08:00',
    ]);
  });

  it('steps from the range start, not from the query start', () => {
    const s = settings({ weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '12:00' }] }, slotStepMinutes: 45 });
    const q = { to: at('2026-01-13T00:00'), durationMinutes: 60, now: JAN_NOW };
    // 11:15 + 60 min would end after 12:00.
    expect(utc(computeSlots(s, { ...q, from: at('2026-01-12T00:00') }, []))).toEqual([
      '2026-01-12T08:00',
      '2026-01-12T08:45',
      '2026-01-12T09:30',
    ]);
    // From 09:10 local, the next grid point is 09:45, not 09:10.
    expect(utc(computeSlots(s, { ...q, from: at('2026-01-12T08:10') }, []))).toEqual([
      '2026-01-12T08:45',
      '2026-01-12T09:30',
    ]);
  });
});

describe('busy events', () => {
  it('blocks overlapping slots from unsorted, overlapping and degenerate intervals', () => {
    const s = settings({ weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '12:00' }], tue: [{ start: '09:00', end: '12:00' }] } });
    const busy: BusyInterval[] = [
      { start: at('2026-01-12T09:30'), end: at('2026-01-12T10:00') }, // 10:30-11:00 local
      { start: at('2026-01-12T08:00'), end: at('2026-01-12T08:30') }, // 09:00-09:30 local
      { start: at('2026-01-12T09:15'), end: at('2026-01-12T09:45') }, // 10:15-10:45 local
      { start: at('2026-01-12T10:00'), end: at('2026-01-12T10:00') }, // empty: ignored
      { start: at('2026-01-12T10:45'), end: at('2026-01-12T10:15') }, // inverted: ignored
      { start: at('2026-01-12T22:00'), end: at('2026-01-13T09:00') }, // overnight to Tue 10:00
    ];
    const slots = computeSlots(
      s,
      { from: at('2026-01-12T00:00'), to: at('2026-01-14T00:00'), durationMinutes: 30, now: JAN_NOW },
      busy,
    );
    expect(local(slots, 'Europe/Paris').map((l) => l.slice(0, 16))).toEqual([
      '2026-01-12 09:30',
      '2026-01-12 11:00',
      '2026-01-12 11:30',
      '2026-01-13 10:00',
      '2026-01-13 10:30',
      '2026-01-13 11:00',
      '2026-01-13 11:30',
    ]);
  });

  it('matches a brute-force check over a month with 1,000 random busy intervals', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const start = at('2026-01-01T00:00');
    const busy: BusyInterval[] = [];
    for (let i = 0; i < 1000; i++) {
      const b = start + Math.floor(rand() * 31 * 24 * 60) * 60_000;
      busy.push({ start: b, end: b + (5 + Math.floor(rand() * 90)) * 60_000 });
    }
    const ranges = [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '18:00' }];
    const s = settings({
      weeklyHours: { ...NONE, mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges },
      durations: [45],
      slotStepMinutes: 15,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 5,
      minimumNoticeMinutes: 120,
      horizonDays: 20,
    });
    const now = at('2026-01-03T10:17');
    const q = { from: start, to: at('2026-02-01T00:00'), durationMinutes: 45, now };

    // Paris is a fixed +01:00 in January, so the reference can use plain arithmetic.
    const expected: number[] = [];
    for (let d = 1; d <= 31; d++) {
      const day = new Date(Date.UTC(2026, 0, d));
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      for (const [h0, h1] of [[9, 12], [13, 18]] as const) {
        const rs = Date.UTC(2026, 0, d, h0 - 1);
        const re = Date.UTC(2026, 0, d, h1 - 1);
        for (let t = rs; t + 45 * 60_000 <= re; t += 15 * 60_000) {
          if (t < now + 120 * 60_000 || t > now + 20 * 86_400_000) continue;
          const ws = t - 10 * 60_000;
          const we = t + 50 * 60_000;
          if (busy.some((b) => b.start < we && ws < b.end)) continue;
          expected.push(t);
        }
      }
    }
    const slots = computeSlots(s, q, busy);
    expect(expected.length).toBeGreaterThan(20);
    expect(slots.map((x) => x.start)).toEqual(expected);
  });
});

describe('DST in the agent zone', () => {
  const sundays = (timeZone: string, extra: Partial<AvailabilitySettings> = {}): AvailabilitySettings =>
    settings({ timeZone, weeklyHours: { ...NONE, sun: [{ start: '09:00', end: '17:00' }] }, slotStepMinutes: 60, ...extra });
  const hours = (day: string, firstUtcHour: number): string[] =>
    Array.from({ length: 8 }, (_, i) => `${day}T${String(firstUtcHour + i).padStart(2, '0')}:00`);
  const noDuplicates = (slots: Slot[]): void => {
    expect(new Set(slots.map((s) => s.start)).size).toBe(slots.length);
  };

  it('Europe/Paris spring forward (2026-03-29): 09:00-17:00 stays local, 8 h', () => {
    const slots = computeSlots(
      sundays('Europe/Paris'),
      { from: at('2026-03-22T00:00'), to: at('2026-03-30T00:00'), durationMinutes: 60, now: at('2026-03-01T00:00') },
      [],
    );
    expect(utc(slots)).toEqual([...hours('2026-03-22', 8), ...hours('2026-03-29', 7)]);
    const labels = local(slots, 'Europe/Paris');
    expect(labels[0]).toBe('2026-03-22 09:00 +01:00');
    expect(labels[7]).toBe('2026-03-22 16:00 +01:00');
    expect(labels[8]).toBe('2026-03-29 09:00 +02:00');
    expect(labels[15]).toBe('2026-03-29 16:00 +02:00');
  });

  it('Europe/Paris spring forward: a night range never yields the missing hour', () => {
    const q = { from: at('2026-03-28T00:00'), to: at('2026-03-30T00:00'), durationMinutes: 30, now: at('2026-03-01T00:00') };
    const night = sundays('Europe/Paris', {
      slotStepMinutes: 30,
      overrides: [{ date: '2026-03-29', ranges: [{ start: '00:30', end: '04:00' }] }],
    });
    const slots = computeSlots(night, q, []);
    // 00:30 CET to 04:00 CEST is 2.5 real hours.
    expect(utc(slots)).toEqual([
      '2026-03-28T23:30',
      '2026-03-29T00:00',
      '2026-03-29T00:30',
      '2026-03-29T01:00',
      '2026-03-29T01:30',
    ]);
    expect(local(slots, 'Europe/Paris').map((l) => l.slice(11))).toEqual([
      '00:30 +01:00',
      '01:00 +01:00',
      '01:30 +01:00',
      '03:00 +02:00',
      '03:30 +02:00',
    ]);
    noDuplicates(slots);

    const gapOnly = sundays('Europe/Paris', {
      slotStepMinutes: 30,
      overrides: [{ date: '2026-03-29', ranges: [{ start: '02:00', end: '03:00' }] }],
    });
    expect(computeSlots(gapOnly, q, [])).toEqual([]);

    const intoGap = sundays('Europe/Paris', {
      slotStepMinutes: 30,
      overrides: [{ date: '2026-03-29', ranges: [{ start: '02:15', end: '03:30' }] }],
    });
    expect(local(computeSlots(intoGap, q, []), 'Europe/Paris')).toEqual(['2026-03-29 03:00 +02:00']);
  });

  it('Europe/Paris fall back (2026-10-25): 09:00-17:00 stays local, repeated hour offered once each', () => {
    const q = { from: at('2026-10-18T00:00'), to: at('2026-10-26T00:00'), durationMinutes: 60, now: at('2026-10-01T00:00') };
    const day = computeSlots(sundays('Europe/Paris'), q, []);
    expect(utc(day)).toEqual([...hours('2026-10-18', 7), ...hours('2026-10-25', 8)]);
    expect(local(day, 'Europe/Paris')[8]).toBe('2026-10-25 09:00 +01:00');

    const night = sundays('Europe/Paris', {
      overrides: [{ date: '2026-10-25', ranges: [{ start: '01:00', end: '04:00' }] }],
    });
    const slots = computeSlots(night, q, []).filter((s) => s.start >= at('2026-10-24T12:00'));
    // 01:00 CEST to 04:00 CET is 4 real hours; 02:00 occurs twice as two instants.
    expect(utc(slots)).toEqual(['2026-10-24T23:00', '2026-10-25T00:00', '2026-10-25T01:00', '2026-10-25T02:00']);
    expect(local(slots, 'Europe/Paris').map((l) => l.slice(11))).toEqual([
      '01:00 +02:00',
      '02:00 +02:00',
      '02:00 +01:00',
      '03:00 +01:00',
    ]);
    noDuplicates(slots);
  });

  it('America/New_York spring forward (2026-03-08)', () => {
    const q = { from: at('2026-03-01T00:00'), to: at('2026-03-09T12:00'), durationMinutes: 60, now: at('2026-02-01T00:00') };
    const day = computeSlots(sundays('America/New_York'), q, []);
    expect(utc(day)).toEqual([...hours('2026-03-01', 14), ...hours('2026-03-08', 13)]);
    expect(local(day, 'America/New_York')[8]).toBe('2026-03-08 09:00 -04:00');

    const night = sundays('America/New_York', {
      overrides: [{ date: '2026-03-08', ranges: [{ start: '01:00', end: '04:00' }] }],
    });
    const slots = computeSlots(night, q, []).filter((s) => s.start >= at('2026-03-08T00:00'));
    expect(utc(slots)).toEqual(['2026-03-08T06:00', '2026-03-08T07:00']);
    expect(local(slots, 'America/New_York').map((l) => l.slice(11))).toEqual(['01:00 -05:00', '03:00 -04:00']);
  });

  it('America/New_York fall back (2026-11-01)', () => {
    const q = { from: at('2026-10-25T00:00'), to: at('2026-11-02T12:00'), durationMinutes: 60, now: at('2026-10-01T00:00') };
    const day = computeSlots(sundays('America/New_York'), q, []);
    expect(utc(day)).toEqual([...hours('2026-10-25', 13), ...hours('2026-11-01', 14)]);
    expect(local(day, 'America/New_York')[8]).toBe('2026-11-01 09:00 -05:00');

    const night = sundays('America/New_York', {
      overrides: [{ date: '2026-11-01', ranges: [{ start: '00:00', end: '03:00' }] }],
    });
    const slots = computeSlots(night, q, []).filter((s) => s.start >= at('2026-11-01T00:00'));
    expect(utc(slots)).toEqual(['2026-11-01T04:00', '2026-11-01T05:00', '2026-11-01T06:00', '2026-11-01T07:00']);
    expect(local(slots, 'America/New_York').map((l) => l.slice(11))).toEqual([
      '00:00 -04:00',
      '01:00 -04:00',
      '01:00 -05:00',
      '02:00 -05:00',
    ]);
    noDuplicates(slots);
  });
});

describe('zone conversions', () => {
  it('converts wall-clock times to instants, including gaps and repeats', () => {
    expect(zonedTimeToInstant('2026-01-15', '09:00', 'Europe/Paris')).toBe(at('2026-01-15T08:00'));
    expect(zonedTimeToInstant('2026-07-15', '09:00', 'Europe/Paris')).toBe(at('2026-07-15T07:00'));
    expect(zonedTimeToInstant('2026-01-15', '24:00', 'Europe/Paris')).toBe(at('2026-01-15T23:00'));
    expect(zonedTimeToInstant('2026-01-15', '09:00', 'Asia/Kolkata')).toBe(at('2026-01-15T03:30'));
    expect(zonedTimeToInstant('2026-01-15', '09:00', 'Asia/Kathmandu')).toBe(at('2026-01-15T03:15'));
    expect(zonedTimeToInstant('2026-01-15', '09:00', 'Australia/Sydney')).toBe(at('2026-01-14T22:00'));
    // Skipped times map to the jump itself.
    expect(zonedTimeToInstant('2026-03-29', '01:59', 'Europe/Paris')).toBe(at('2026-03-29T00:59'));
    expect(zonedTimeToInstant('2026-03-29', '02:30', 'Europe/Paris')).toBe(at('2026-03-29T01:00'));
    expect(zonedTimeToInstant('2026-03-29', '03:00', 'Europe/Paris')).toBe(at('2026-03-29T01:00'));
    expect(zonedTimeToInstant('2026-03-08', '02:30', 'America/New_York')).toBe(at('2026-03-08T07:00'));
    // Repeated times map to their first occurrence.
    expect(zonedTimeToInstant('2026-10-25', '02:30', 'Europe/Paris')).toBe(at('2026-10-25T00:30'));
    expect(zonedTimeToInstant('2026-10-25', '03:00', 'Europe/Paris')).toBe(at('2026-10-25T02:00'));
    expect(zonedTimeToInstant('2026-11-01', '01:30', 'America/New_York')).toBe(at('2026-11-01T05:30'));
  });

  it('reads instants back in a zone, telling the repeated hour apart by offset', () => {
    expect(instantToZoned(at('2026-10-25T00:30'), 'Europe/Paris')).toEqual({
      date: '2026-10-25',
      time: '02:30',
      offsetMinutes: 120,
    });
    expect(instantToZoned(at('2026-10-25T01:30'), 'Europe/Paris')).toEqual({
      date: '2026-10-25',
      time: '02:30',
      offsetMinutes: 60,
    });
    expect(instantToZoned(at('2026-11-01T06:30'), 'America/New_York')).toEqual({
      date: '2026-11-01',
      time: '01:30',
      offsetMinutes: -300,
    });
  });

  it('rejects malformed dates, times and zones', () => {
    expect(() => zonedTimeToInstant('2026-02-30', '09:00', 'Europe/Paris')).toThrow(RangeError);
    expect(() => zonedTimeToInstant('2026-01-15', '25:00', 'Europe/Paris')).toThrow(RangeError);
    expect(() => zonedTimeToInstant('2026-01-15', '9:00', 'Europe/Paris')).toThrow(RangeError);
    expect(() => zonedTimeToInstant('2026-01-15', '09:00', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('slots in the guest zone', () => {
  it('shows Alice (Europe/Paris) slots to a guest in America/Los_Angeles', () => {
    const alice = settings({
      weeklyHours: { ...NONE, wed: [{ start: '10:00', end: '12:00' }] },
      slotStepMinutes: 60,
    });
    const slots = computeSlots(
      alice,
      { from: at('2026-06-10T00:00'), to: at('2026-06-11T00:00'), durationMinutes: 60, now: at('2026-06-01T00:00') },
      [],
    );
    expect(utc(slots)).toEqual(['2026-06-10T08:00', '2026-06-10T09:00']);
    expect(slots.map((s) => formatSlotInZone(s.start, 'America/Los_Angeles'))).toEqual([
      { date: '2026-06-10', time: '01:00', offset: '-07:00' },
      { date: '2026-06-10', time: '02:00', offset: '-07:00' },
    ]);
    expect(formatSlotInZone(slots[0]?.start ?? 0, 'Europe/Paris')).toEqual({
      date: '2026-06-10',
      time: '10:00',
      offset: '+02:00',
    });
  });

  it('crosses the date line and handles the weeks when only one side is on DST', () => {
    // Paris 08:00 CET on Jan 15 is the previous evening in Los Angeles.
    expect(formatSlotInZone(at('2026-01-15T07:00'), 'America/Los_Angeles')).toEqual({
      date: '2026-01-14',
      time: '23:00',
      offset: '-08:00',
    });
    // 2026-03-10: the US is on DST, Europe not yet, so the gap is 8 h instead of 9.
    expect(formatSlotInZone(at('2026-03-10T08:00'), 'Europe/Paris').time).toBe('09:00');
    expect(formatSlotInZone(at('2026-03-10T08:00'), 'America/Los_Angeles')).toEqual({
      date: '2026-03-10',
      time: '01:00',
      offset: '-07:00',
    });
    expect(formatSlotInZone(at('2026-01-15T08:00'), 'America/St_Johns')).toEqual({
      date: '2026-01-15',
      time: '04:30',
      offset: '-03:30',
    });
    expect(formatSlotInZone(at('2026-01-15T08:00'), 'Asia/Kathmandu').offset).toBe('+05:45');
  });
});

describe('durations', () => {
  it('refuses a duration the agent does not offer', () => {
    const s = settings({ weeklyHours: { ...NONE, mon: [{ start: '09:00', end: '12:00' }] }, durations: [30, 60] });
    const q = { from: at('2026-01-12T00:00'), to: at('2026-01-13T00:00'), now: JAN_NOW };
    expect(() => computeSlots(s, { ...q, durationMinutes: 45 }, [])).toThrow(RangeError);
    expect(computeSlots(s, { ...q, durationMinutes: 60 }, [])).toHaveLength(5);
  });
});
