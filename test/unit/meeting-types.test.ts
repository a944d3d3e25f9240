import { describe, expect, it } from 'vitest';
import { checkAnswers, meetingLocation, typeAvailability } from '../../src/calendar/meeting-types';
import { defaultSettings } from '../../src/calendar/settings';

describe('a type’s location made concrete for one meeting', () => {
  it('gives each Jitsi meeting its own 128-bit room on the configured base, with or without a trailing slash', () => {
    const rooms = new Set(Array.from({ length: 200 }, () => meetingLocation({ kind: 'jitsi' }, 'https://video.example.org/')!.url));
    expect(rooms.size).toBe(200);
    for (const room of rooms) expect(room).toMatch(/^https:\/\/video\.example\.org\/Doorbell-[0-9a-f]{32}$/);
  });

  it('dials a phone number by its digits, shows an address as typed, opens a fixed link as is', () => {
    expect(meetingLocation({ kind: 'phone', phone: '+33 (1) 23-45.67' }, '')).toEqual({ kind: 'phone', text: '+33 (1) 23-45.67', url: 'tel:+331234567' });
    expect(meetingLocation({ kind: 'address', address: '1 rue de Rivoli' }, '')).toEqual({ kind: 'address', text: '1 rue de Rivoli' });
    expect(meetingLocation({ kind: 'link', url: 'https://zoom.us/j/1' }, '')).toEqual({ kind: 'link', text: 'https://zoom.us/j/1', url: 'https://zoom.us/j/1' });
    expect(meetingLocation({ kind: 'none' }, '')).toBeNull();
  });
});

describe('answers checked against a type’s questions', () => {
  const questions = [
    { id: 'a', label: 'A', kind: 'short' as const, required: false },
    { id: 'b', label: 'B', kind: 'checkbox' as const, required: false },
  ];
  it('keeps answers in question order, a checkbox as Yes/No, and leaves out unanswered optional ones', () => {
    expect(checkAnswers(questions, { b: false, a: '  x ' })).toEqual({ ok: true, answers: [{ id: 'a', label: 'A', value: 'x' }, { id: 'b', label: 'B', value: 'No' }] });
    expect(checkAnswers(questions, {})).toEqual({ ok: true, answers: [] });
  });
});

describe('the availability a type books in', () => {
  it('is the calendar’s unless the type has its own; the type’s durations win either way', () => {
    const calendar = defaultSettings('Europe/Paris').availability;
    expect(typeAvailability(calendar, { availability: null, durations: null })).toBe(calendar);
    expect(typeAvailability(calendar, { availability: null, durations: [20] })).toEqual({ ...calendar, durations: [20] });
    const own = { ...calendar, timeZone: 'Asia/Tokyo' };
    expect(typeAvailability(calendar, { availability: own, durations: null })).toBe(own);
  });
});
