import { describe, expect, it } from 'vitest';
import { DEFAULT_BRAND } from '../../src/email/layout';
import { meetingEmails } from '../../src/calendar/notifications';
import { addToCalendarLinks, googleCalendarUrl, googleTime, joinUrl, outlookCalendarUrl, outlookTime } from '../../src/calendar/add-to-calendar';

const entry = {
  title: 'Intro call & demo: Alice + Gina',
  start: Date.parse('2027-03-28T00:30:00Z'),
  end: Date.parse('2027-03-28T01:15:00Z'),
  details: 'Join: https://meet.jit.si/Doorbell-ab?x=1&y=2\nBudget: 100%',
  location: 'https://meet.jit.si/Doorbell-ab?x=1&y=2',
};

describe('add to calendar links', () => {
  it('write times in UTC, in the format each service takes', () => {
    expect(googleTime(entry.start)).toBe('20270328T003000Z');
    expect(outlookTime(entry.end)).toBe('2027-03-28T01:15:00Z');
  });

  it('Google: the TEMPLATE action with text, dates, details and location read back exactly', () => {
    const url = new URL(googleCalendarUrl(entry));
    expect(`${url.origin}${url.pathname}`).toBe('https://calendar.google.com/calendar/render');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      action: 'TEMPLATE',
      text: entry.title,
      dates: '20270328T003000Z/20270328T011500Z',
      details: entry.details,
      location: entry.location,
    });
  });

  it('Outlook: the compose deeplink with subject, start, end, body and location read back exactly; spaces are %20, never +', () => {
    const raw = outlookCalendarUrl(entry);
    expect(raw).not.toContain('+');
    expect(raw).toContain('subject=Intro%20call%20%26%20demo%3A%20Alice%20%2B%20Gina');
    const url = new URL(raw);
    expect(`${url.origin}${url.pathname}`).toBe('https://outlook.live.com/calendar/0/deeplink/compose');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      path: '/calendar/action/compose',
      rru: 'addevent',
      subject: entry.title,
      startdt: '2027-03-28T00:30:00Z',
      enddt: '2027-03-28T01:15:00Z',
      body: entry.details,
      location: entry.location,
    });
  });

  it('leave out a location the meeting does not have', () => {
    expect(new URL(googleCalendarUrl({ ...entry, location: undefined })).searchParams.has('location')).toBe(false);
    expect(new URL(outlookCalendarUrl({ ...entry, location: undefined })).searchParams.has('location')).toBe(false);
  });
});

describe('the one builder the pages and the emails share', () => {
  const room = { kind: 'jitsi', text: 'https://meet.jit.si/Doorbell-ab', url: 'https://meet.jit.si/Doorbell-ab' };
  const meeting = { type: { title: 'Intro call' }, start: Date.parse('2026-12-03T14:00:00Z'), end: Date.parse('2026-12-03T14:20:00Z'), location: room };
  const words = { join: 'Rejoindre', manage: 'Gérer' };

  it("titles the event with the type and the agent, and puts the room and the guest's page in its details, in the reader's words", () => {
    const links = addToCalendarLinks(meeting, 'Alice Martin', 'https://doorbell.example/meeting#tok', words);
    const google = new URL(links.google).searchParams;
    const outlook = new URL(links.outlook).searchParams;
    expect(google.get('text')).toBe('Intro call: Alice Martin');
    expect(google.get('details')).toBe('Rejoindre: https://meet.jit.si/Doorbell-ab\nGérer: https://doorbell.example/meeting#tok');
    expect(google.get('dates')).toBe('20261203T140000Z/20261203T142000Z');
    expect(google.get('location')).toBe(room.text);
    expect([outlook.get('subject'), outlook.get('body'), outlook.get('location')]).toEqual([google.get('text'), google.get('details'), google.get('location')]);
  });

  it('a phone number is a place, not a room to join; no place, no location', () => {
    const phone = { kind: 'phone', text: '+33 1 23 45 67 89', url: 'tel:+33123456789' };
    expect(joinUrl(phone)).toBeUndefined();
    expect(joinUrl(room)).toBe(room.url);
    const byPhone = new URL(addToCalendarLinks({ ...meeting, location: phone }, 'Alice Martin', 'https://x.example/m', words).google).searchParams;
    expect(byPhone.get('details')).toBe('Gérer: https://x.example/m');
    expect(byPhone.get('location')).toBe(phone.text);
    const nowhere = new URL(addToCalendarLinks({ ...meeting, location: null }, 'Alice Martin', 'https://x.example/m', words).outlook).searchParams;
    expect(nowhere.has('location')).toBe(false);
  });

  it("the guest's email carries the same links as the confirmation page would build, and the agent's none", () => {
    const agent = { id: 'ag_aaaaaaaaaa', slug: 'alice', name: 'Alice Martin', email: 'alice@doorbell.example', timeZone: 'Europe/Paris' };
    const stored = {
      ...meeting,
      id: 'mt_aaaaaaaaaa',
      status: 'confirmed' as const,
      sequence: 0,
      guest: { id: 'gu_aaaaaaaaaa', name: 'Gina Guest', email: 'gina@example.com', timeZone: 'America/New_York' },
      conversationId: 'cv_aaaaaaaaaa',
      bookedBy: 'guest' as const,
      type: { slug: 'intro', title: 'Intro call' },
      location: { kind: 'jitsi' as const, text: room.text, url: room.url },
      answers: [],
    };
    const guestLink = 'https://doorbell.example/meeting#tok';
    const [toGuest, toAgent] = meetingEmails('booked', agent, stored, { from: { name: 'Doorbell', email: 'meetings@doorbell.example' }, brand: DEFAULT_BRAND, guestLink, consoleUrl: 'https://doorbell.example/console', bookingUrl: 'https://doorbell.example/u/alice/meet' });
    const links = addToCalendarLinks(stored, agent.name, guestLink, { join: 'Join', manage: 'See, move or cancel' });
    expect(toGuest!.text).toContain(links.google);
    expect(toGuest!.text).toContain(links.outlook);
    expect(toAgent!.text).not.toContain('calendar.google.com');
  });
});
