import { describe, expect, it } from 'vitest';
import { googleCalendarUrl, googleTime, outlookCalendarUrl, outlookTime } from '../../src/calendar/add-to-calendar';

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
