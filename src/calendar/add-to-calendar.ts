// "Add to calendar" links of the confirmation and meeting pages: the event prefilled in Google
// Calendar's and Outlook's own compose pages, by their documented URL templates. Pure and
// import-free, so the guest pages (static/src) and the tests share it.

export interface CalendarEntry {
  title: string;
  /** Epoch ms. */
  start: number;
  end: number;
  details: string;
  location?: string | undefined;
}

/** `20261201T093000Z`: Google's `dates` takes UTC in iCalendar's basic format. */
export const googleTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** `2026-12-01T09:30:00Z`: Outlook's `startdt`/`enddt` take ISO 8601 in UTC. */
export const outlookTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Percent-encoded (spaces as %20, not +: Outlook shows a + as typed). */
const query = (fields: Array<[string, string | undefined]>): string =>
  fields.flatMap(([k, v]) => (v === undefined || v === '' ? [] : [`${k}=${encodeURIComponent(v)}`])).join('&');

export const googleCalendarUrl = (e: CalendarEntry): string =>
  `https://calendar.google.com/calendar/render?${query([
    ['action', 'TEMPLATE'],
    ['text', e.title],
    ['dates', `${googleTime(e.start)}/${googleTime(e.end)}`],
    ['details', e.details],
    ['location', e.location],
  ])}`;

export const outlookCalendarUrl = (e: CalendarEntry): string =>
  `https://outlook.live.com/calendar/0/deeplink/compose?${query([
    ['path', '/calendar/action/compose'],
    ['rru', 'addevent'],
    ['subject', e.title],
    ['startdt', outlookTime(e.start)],
    ['enddt', outlookTime(e.end)],
    ['body', e.details],
    ['location', e.location],
  ])}`;
