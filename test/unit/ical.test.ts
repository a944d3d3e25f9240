/// <reference types="vite/client" />
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
  buildFeed,
  buildInvite,
  IcalError,
  type InviteEvent,
  parseBusy,
  parseReply,
} from '../../src/calendar/ical';
import replyAccepted from '../fixtures/reply-accepted.ics?raw';
import replyDeclined from '../fixtures/reply-declined.ics?raw';

// Expected instants are literal UTC, never derived through the module under test.
const at = (iso: string): number => Date.parse(iso);
const isoOf = (ms: number): string => new Date(ms).toISOString();

function meeting(overrides: Partial<InviteEvent> = {}): InviteEvent {
  return {
    uid: 'mtg_01JZ8Q4T6W0M3K7X9B2C5D8F1G@doorbell.example',
    sequence: 0,
    dtstamp: at('2026-06-12T14:00:00Z'),
    start: at('2026-07-01T08:00:00Z'),
    end: at('2026-07-01T08:30:00Z'),
    timeZone: 'Europe/Paris',
    summary: 'Bo Chen and Ann Lee (30 min)',
    description: 'Meeting booked through Doorbell.',
    organizer: { name: 'Ann Lee', email: 'ann.lee@acme.example' },
    attendees: [
      { name: 'Ann Lee', email: 'ann.lee@acme.example', partstat: 'ACCEPTED', rsvp: false },
      { name: 'Bo Chen', email: 'bo.chen@guest.example', partstat: 'NEEDS-ACTION' },
    ],
    status: 'CONFIRMED',
    ...overrides,
  };
}

function veventOf(ics: string): ICAL.Component {
  const event = ICAL.Component.fromString(ics).getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  return event;
}

function timeValue(comp: ICAL.Component, name: string): ICAL.Time {
  const value = comp.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time)) throw new Error(`${name} is not a time`);
  return value;
}

/** UTC instant of a wall-clock time read through the invite's own VTIMEZONE, as a client would. */
function viaVtimezone(ics: string, wall: { year: number; month: number; day: number; hour: number; minute: number }): string {
  const vtz = ICAL.Component.fromString(ics).getFirstSubcomponent('vtimezone');
  if (!vtz) throw new Error('no VTIMEZONE');
  const zone = new ICAL.Timezone({ component: vtz });
  return isoOf(new ICAL.Time({ ...wall, second: 0, isDate: false }, zone).toUnixTime() * 1000);
}

describe('buildInvite', () => {
  it('writes a REQUEST that parses back with the exact scheduling fields', () => {
    const ics = buildInvite('REQUEST', meeting({ sequence: 2, url: 'https://doorbell.example/m/mtg_1' }));
    const cal = ICAL.Component.fromString(ics);
    expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//Doorbell//Doorbell//EN');
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('calscale')).toBe('GREGORIAN');
    expect(cal.getAllSubcomponents('vevent')).toHaveLength(1);

    const ev = veventOf(ics);
    expect(ev.getFirstPropertyValue('uid')).toBe('mtg_01JZ8Q4T6W0M3K7X9B2C5D8F1G@doorbell.example');
    expect(ev.getFirstPropertyValue('sequence')).toBe(2);
    expect(ev.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(ev.getFirstPropertyValue('summary')).toBe('Bo Chen and Ann Lee (30 min)');
    expect(ev.getFirstPropertyValue('url')).toBe('https://doorbell.example/m/mtg_1');
    expect(ics).toContain('\r\nDTSTAMP:20260612T140000Z\r\n');

    const organizer = ev.getFirstProperty('organizer');
    expect(organizer?.getFirstValue()).toBe('mailto:ann.lee@acme.example');
    expect(organizer?.getFirstParameter('cn')).toBe('Ann Lee');

    const attendees = ev.getAllProperties('attendee');
    expect(attendees.map((a) => a.getFirstValue())).toEqual(['mailto:ann.lee@acme.example', 'mailto:bo.chen@guest.example']);
    expect(attendees.map((a) => a.getFirstParameter('partstat'))).toEqual(['ACCEPTED', 'NEEDS-ACTION']);
    expect(attendees.map((a) => a.getFirstParameter('rsvp'))).toEqual(['FALSE', 'TRUE']);
    expect(attendees.map((a) => a.getFirstParameter('role'))).toEqual(['REQ-PARTICIPANT', 'REQ-PARTICIPANT']);
    expect(attendees[1]?.getFirstParameter('cn')).toBe('Bo Chen');
  });

  it('writes DTSTART/DTEND in the organizer zone that resolve to the booked UTC instants', () => {
    const summer = buildInvite('REQUEST', meeting());
    expect(summer).toContain('\r\nDTSTART;TZID=Europe/Paris:20260701T100000\r\n');
    expect(summer).toContain('\r\nDTEND;TZID=Europe/Paris:20260701T103000\r\n');
    const ev = veventOf(summer);
    expect(ev.getFirstProperty('dtstart')?.getFirstParameter('tzid')).toBe('Europe/Paris');
    expect(isoOf(timeValue(ev, 'dtstart').toUnixTime() * 1000)).toBe('2026-07-01T08:00:00.000Z');
    expect(isoOf(timeValue(ev, 'dtend').toUnixTime() * 1000)).toBe('2026-07-01T08:30:00.000Z');

    const winter = buildInvite('REQUEST', meeting({ start: at('2026-01-14T09:00:00Z'), end: at('2026-01-14T10:00:00Z') }));
    expect(winter).toContain('\r\nDTSTART;TZID=Europe/Paris:20260114T100000\r\n');
    expect(isoOf(timeValue(veventOf(winter), 'dtstart').toUnixTime() * 1000)).toBe('2026-01-14T09:00:00.000Z');
  });

  it('uses CRLF everywhere and folds lines at 75 octets without changing the text', () => {
    const description = `Agenda: ${'prévisions trimestrielles, budget 🚀; '.repeat(12)}\nSee you then.`;
    const ics = buildInvite('REQUEST', meeting({ description }));
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(/[^\r]\n/.test(ics)).toBe(false);
    const lines = ics.slice(0, -2).split('\r\n');
    const encoder = new TextEncoder();
    expect(Math.max(...lines.map((l) => encoder.encode(l).length))).toBeLessThanOrEqual(75);
    expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(5);
    expect(veventOf(ics).getFirstPropertyValue('description')).toBe(description);
  });

  it('writes a VTIMEZONE that gives the right offset on both sides of DST', () => {
    const paris = buildInvite('REQUEST', meeting());
    expect(paris).toContain('\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n');
    expect(paris).toContain('\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n');
    expect(viaVtimezone(paris, { year: 2026, month: 3, day: 29, hour: 1, minute: 30 })).toBe('2026-03-29T00:30:00.000Z');
    expect(viaVtimezone(paris, { year: 2026, month: 3, day: 29, hour: 3, minute: 30 })).toBe('2026-03-29T01:30:00.000Z');
    expect(viaVtimezone(paris, { year: 2026, month: 10, day: 25, hour: 3, minute: 30 })).toBe('2026-10-25T02:30:00.000Z');
    expect(viaVtimezone(paris, { year: 2026, month: 12, day: 1, hour: 10, minute: 0 })).toBe('2026-12-01T09:00:00.000Z');

    // Second/first Sunday rules rather than "last Sunday".
    const newYork = buildInvite('REQUEST', meeting({ timeZone: 'America/New_York' }));
    expect(newYork).toContain('\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n');
    expect(newYork).toContain('\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n');
    expect(newYork).toContain('\r\nDTSTART;TZID=America/New_York:20260701T040000\r\n');
    expect(viaVtimezone(newYork, { year: 2026, month: 3, day: 7, hour: 12, minute: 0 })).toBe('2026-03-07T17:00:00.000Z');
    expect(viaVtimezone(newYork, { year: 2026, month: 3, day: 9, hour: 12, minute: 0 })).toBe('2026-03-09T16:00:00.000Z');
    expect(viaVtimezone(newYork, { year: 2026, month: 10, day: 31, hour: 12, minute: 0 })).toBe('2026-10-31T16:00:00.000Z');
    expect(viaVtimezone(newYork, { year: 2026, month: 11, day: 2, hour: 12, minute: 0 })).toBe('2026-11-02T17:00:00.000Z');

    // Southern hemisphere: summer time spans the new year.
    const sydney = buildInvite('REQUEST', meeting({ timeZone: 'Australia/Sydney' }));
    expect(viaVtimezone(sydney, { year: 2026, month: 1, day: 15, hour: 10, minute: 0 })).toBe('2026-01-14T23:00:00.000Z');
    expect(viaVtimezone(sydney, { year: 2026, month: 7, day: 15, hour: 10, minute: 0 })).toBe('2026-07-15T00:00:00.000Z');
  });

  it('writes a single STANDARD observance for a zone without DST', () => {
    const ics = buildInvite('REQUEST', meeting({ timeZone: 'Asia/Tokyo' }));
    const vtz = ICAL.Component.fromString(ics).getFirstSubcomponent('vtimezone');
    expect(vtz?.getAllSubcomponents('standard')).toHaveLength(1);
    expect(vtz?.getAllSubcomponents('daylight')).toHaveLength(0);
    expect(ics).toContain('\r\nTZOFFSETTO:+0900\r\n');
    expect(ics).toContain('\r\nDTSTART;TZID=Asia/Tokyo:20260701T170000\r\n');
    expect(isoOf(timeValue(veventOf(ics), 'dtstart').toUnixTime() * 1000)).toBe('2026-07-01T08:00:00.000Z');
  });

  it('writes explicit observances for a year in which the zone changed its rules', () => {
    // Volgograd moved from UTC+4 to UTC+3 on 2020-12-27 and has no DST.
    const ics = buildInvite('REQUEST', meeting({
      timeZone: 'Europe/Volgograd',
      start: at('2020-12-30T07:00:00Z'),
      end: at('2020-12-30T08:00:00Z'),
    }));
    expect(ics).not.toContain('RRULE');
    expect(ics).toContain('\r\nDTSTART;TZID=Europe/Volgograd:20201230T100000\r\n');
    expect(isoOf(timeValue(veventOf(ics), 'dtstart').toUnixTime() * 1000)).toBe('2020-12-30T07:00:00.000Z');
    expect(viaVtimezone(ics, { year: 2020, month: 6, day: 1, hour: 10, minute: 0 })).toBe('2020-06-01T06:00:00.000Z');
  });

  it('keeps display names with quotes or line breaks readable in every client', () => {
    const ics = buildInvite('REQUEST', meeting({
      organizer: { name: 'Ann "Annie" Lee', email: 'ann.lee@acme.example' },
      attendees: [{ name: 'Bo, Chen\r\nInjected: x', email: 'bo.chen@guest.example', partstat: 'NEEDS-ACTION' }],
    }));
    const ev = veventOf(ics);
    expect(ev.getFirstProperty('organizer')?.getFirstParameter('cn')).toBe("Ann 'Annie' Lee");
    expect(ev.getFirstProperty('attendee')?.getFirstParameter('cn')).toBe('Bo, Chen Injected: x');
    expect(ics).not.toContain('^');
  });

  it('omits URL when the meeting has none', () => {
    expect(veventOf(buildInvite('REQUEST', meeting())).hasProperty('url')).toBe(false);
  });

  it('writes a CANCEL with STATUS:CANCELLED, the same UID and the given SEQUENCE', () => {
    const ics = buildInvite('CANCEL', meeting({ sequence: 3, status: 'CONFIRMED' }));
    expect(ICAL.Component.fromString(ics).getFirstPropertyValue('method')).toBe('CANCEL');
    const ev = veventOf(ics);
    expect(ev.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(ev.getFirstPropertyValue('uid')).toBe('mtg_01JZ8Q4T6W0M3K7X9B2C5D8F1G@doorbell.example');
    expect(ev.getFirstPropertyValue('sequence')).toBe(3);
  });
});

describe('buildFeed', () => {
  it('lists every meeting without a METHOD, with one VTIMEZONE per zone', () => {
    const ics = buildFeed('Ann Lee — meetings', [
      meeting({ uid: 'a@doorbell.example' }),
      meeting({ uid: 'b@doorbell.example', timeZone: 'Asia/Tokyo', start: at('2026-07-02T01:00:00Z'), end: at('2026-07-02T02:00:00Z') }),
    ]);
    const cal = ICAL.Component.fromString(ics);
    expect(cal.hasProperty('method')).toBe(false);
    expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Ann Lee — meetings');
    expect(cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Paris', 'Asia/Tokyo']);
    const events = cal.getAllSubcomponents('vevent');
    expect(events.map((e) => e.getFirstPropertyValue('uid'))).toEqual(['a@doorbell.example', 'b@doorbell.example']);
    expect(events.map((e) => isoOf(timeValue(e, 'dtstart').toUnixTime() * 1000))).toEqual([
      '2026-07-01T08:00:00.000Z',
      '2026-07-02T01:00:00.000Z',
    ]);
    expect(ics).toContain('\r\nDTSTART;TZID=Asia/Tokyo:20260702T100000\r\n');
  });

  it('is read back as busy time by parseBusy', () => {
    const ics = buildFeed('Ann', [meeting(), meeting({ uid: 'x', start: at('2026-07-03T12:00:00Z'), end: at('2026-07-03T13:00:00Z') })]);
    expect(parseBusy(ics, 'ann.lee@acme.example', { start: at('2026-06-29T00:00:00Z'), end: at('2026-07-06T00:00:00Z') })).toEqual([
      { start: at('2026-07-01T08:00:00Z'), end: at('2026-07-01T08:30:00Z') },
      { start: at('2026-07-03T12:00:00Z'), end: at('2026-07-03T13:00:00Z') },
    ]);
  });
});

describe('parseReply', () => {
  it('reads an acceptance as Google Calendar sends it', () => {
    expect(parseReply(replyAccepted)).toEqual({
      uid: 'mtg_01JZ8Q4T6W0M3K7X9B2C5D8F1G@doorbell.example',
      sequence: 0,
      attendee: 'ann.lee@acme.example',
      partstat: 'ACCEPTED',
    });
  });

  it('reads a decline, also when the mail path turned CRLF into LF', () => {
    const expected = {
      uid: 'mtg_01JZ8Q4T6W0M3K7X9B2C5D8F1G@doorbell.example',
      sequence: 2,
      attendee: 'ann.lee@acme.example',
      partstat: 'DECLINED',
    };
    expect(parseReply(replyDeclined)).toEqual(expected);
    expect(parseReply(replyDeclined.replace(/\r\n/g, '\n'))).toEqual(expected);
  });

  it('refuses a REQUEST', () => {
    expect(() => parseReply(buildInvite('REQUEST', meeting()))).toThrow(/expected METHOD:REPLY, got METHOD:REQUEST/);
    expect(() => parseReply(buildInvite('REQUEST', meeting()))).toThrow(IcalError);
  });

  it('refuses garbage', () => {
    expect(() => parseReply('hello, this is not a calendar')).toThrow(IcalError);
    expect(() => parseReply('')).toThrow(IcalError);
  });

  it('refuses a REPLY without UID or without an answering ATTENDEE', () => {
    const noUid = replyAccepted.replace(/\r\nUID:[^\r]*/, '');
    expect(() => parseReply(noUid)).toThrow(/no UID/);
    const noPartstat = replyAccepted.replace('PARTSTAT=ACCEPTED;', '');
    expect(() => parseReply(noPartstat)).toThrow(/no ATTENDEE with a PARTSTAT/);
  });
});

describe('parseBusy', () => {
  const OWNER = 'ann.lee@acme.example';
  // Outlook-style zone name: only the feed's VTIMEZONE can resolve it, not Intl.
  const OUTLOOK_PARIS = [
    'BEGIN:VTIMEZONE',
    'TZID:W. Europe Standard Time',
    'BEGIN:STANDARD',
    'DTSTART:16010101T030000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010101T020000',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ];
  const feed = (events: string[][], header: string[] = ['X-WR-TIMEZONE:Europe/Paris']): string =>
    [
      'BEGIN:VCALENDAR',
      'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
      'VERSION:2.0',
      'CALSCALE:GREGORIAN',
      ...header,
      ...OUTLOOK_PARIS,
      ...events.flatMap((lines) => ['BEGIN:VEVENT', 'DTSTAMP:20260301T000000Z', ...lines, 'END:VEVENT']),
      'END:VCALENDAR',
      '',
    ].join('\r\n');
  const MARCH = { start: at('2026-03-02T00:00:00Z'), end: at('2026-03-31T00:00:00Z') };
  const hour = (startIso: string, endIso: string): string[] => [
    `DTSTART:${startIso.replace(/[-:]/g, '')}`,
    `DTEND:${endIso.replace(/[-:]/g, '')}`,
  ];
  const busyIso = (ics: string, window = MARCH): string[] =>
    parseBusy(ics, OWNER, window).map((b) => `${isoOf(b.start)}/${isoOf(b.end)}`);

  it('expands a weekly series with EXDATE and a moved occurrence, across DST', () => {
    const ics = feed([
      [
        'UID:standup@acme.example',
        'SUMMARY:Standup',
        'DTSTART;TZID=W. Europe Standard Time:20260302T090000',
        'DTEND;TZID=W. Europe Standard Time:20260302T093000',
        'RRULE:FREQ=WEEKLY;COUNT=6',
        'EXDATE;TZID=W. Europe Standard Time:20260309T090000',
      ],
      [
        'UID:standup@acme.example',
        'SUMMARY:Standup (moved)',
        'RECURRENCE-ID;TZID=W. Europe Standard Time:20260316T090000',
        'DTSTART;TZID=W. Europe Standard Time:20260316T140000',
        'DTEND;TZID=W. Europe Standard Time:20260316T150000',
      ],
    ]);
    expect(busyIso(ics)).toEqual([
      '2026-03-02T08:00:00.000Z/2026-03-02T08:30:00.000Z',
      '2026-03-16T13:00:00.000Z/2026-03-16T14:00:00.000Z',
      '2026-03-23T08:00:00.000Z/2026-03-23T08:30:00.000Z',
      // Summer time from 29 March: same local 09:00, one hour earlier in UTC.
      '2026-03-30T07:00:00.000Z/2026-03-30T07:30:00.000Z',
    ]);
  });

  it('frees an occurrence whose override is cancelled or transparent', () => {
    const ics = feed([
      ['UID:s', 'DTSTART:20260302T100000Z', 'DTEND:20260302T110000Z', 'RRULE:FREQ=DAILY;COUNT=3'],
      ['UID:s', 'RECURRENCE-ID:20260303T100000Z', 'DTSTART:20260303T100000Z', 'DTEND:20260303T110000Z', 'STATUS:CANCELLED'],
      ['UID:s', 'RECURRENCE-ID:20260304T100000Z', 'DTSTART:20260304T100000Z', 'DTEND:20260304T110000Z', 'TRANSP:TRANSPARENT'],
    ]);
    expect(busyIso(ics)).toEqual(['2026-03-02T10:00:00.000Z/2026-03-02T11:00:00.000Z']);
  });

  it('skips transparent, cancelled and owner-declined events but keeps the others', () => {
    const ics = feed([
      ['UID:free', ...hour('2026-03-03T12:00:00Z', '2026-03-03T13:00:00Z'), 'TRANSP:TRANSPARENT'],
      ['UID:off', ...hour('2026-03-04T12:00:00Z', '2026-03-04T13:00:00Z'), 'STATUS:CANCELLED'],
      [
        'UID:declined',
        ...hour('2026-03-05T12:00:00Z', '2026-03-05T13:00:00Z'),
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:bo.chen@guest.example',
        'ATTENDEE;CN=Ann Lee;PARTSTAT=DECLINED:mailto:Ann.Lee@ACME.example',
      ],
      [
        'UID:someone-else-declined',
        ...hour('2026-03-06T12:00:00Z', '2026-03-06T13:00:00Z'),
        'TRANSP:OPAQUE',
        'STATUS:CONFIRMED',
        'ATTENDEE;PARTSTAT=DECLINED:mailto:bo.chen@guest.example',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann.lee@acme.example',
      ],
    ]);
    expect(busyIso(ics)).toEqual(['2026-03-06T12:00:00.000Z/2026-03-06T13:00:00.000Z']);
  });

  it('reads a TZID without VTIMEZONE as an IANA zone', () => {
    const ics = feed([
      ['UID:ny', 'DTSTART;TZID=America/New_York:20260312T100000', 'DTEND;TZID=America/New_York:20260312T110000'],
    ]);
    // New York is on summer time (UTC-4) from 8 March 2026.
    expect(busyIso(ics)).toEqual(['2026-03-12T14:00:00.000Z/2026-03-12T15:00:00.000Z']);
  });

  it('blocks opaque all-day events as whole days in the feed zone, and skips transparent ones', () => {
    const allDay = [
      ['UID:vacation', 'DTSTART;VALUE=DATE:20260310', 'DTEND;VALUE=DATE:20260312'],
      ['UID:holiday', 'DTSTART;VALUE=DATE:20260317', 'DTEND;VALUE=DATE:20260318', 'TRANSP:TRANSPARENT'],
    ];
    expect(busyIso(feed(allDay))).toEqual(['2026-03-09T23:00:00.000Z/2026-03-11T23:00:00.000Z']);
    expect(busyIso(feed(allDay, []))).toEqual(['2026-03-10T00:00:00.000Z/2026-03-12T00:00:00.000Z']);
  });

  it('clips to the window, sorts, and merges overlaps', () => {
    const ics = feed([
      ['UID:late', ...hour('2026-03-30T23:00:00Z', '2026-03-31T02:00:00Z')],
      ['UID:b', ...hour('2026-03-10T10:30:00Z', '2026-03-10T12:00:00Z')],
      ['UID:a', ...hour('2026-03-10T10:00:00Z', '2026-03-10T11:00:00Z')],
      ['UID:early', ...hour('2026-03-01T23:00:00Z', '2026-03-02T01:00:00Z')],
      ['UID:outside', ...hour('2026-04-02T10:00:00Z', '2026-04-02T11:00:00Z')],
    ]);
    expect(busyIso(ics)).toEqual([
      '2026-03-02T00:00:00.000Z/2026-03-02T01:00:00.000Z',
      '2026-03-10T10:00:00.000Z/2026-03-10T12:00:00.000Z',
      '2026-03-30T23:00:00.000Z/2026-03-31T00:00:00.000Z',
    ]);
  });

  it('refuses a feed that is not iCalendar', () => {
    expect(() => parseBusy('<html>Sign in</html>', OWNER, MARCH)).toThrow(IcalError);
  });
});
