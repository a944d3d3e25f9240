// "Add to calendar" links of the confirmation and meeting pages and of the guest's emails: the
// event prefilled in Google Calendar's and Outlook's own compose pages, by their documented URL
// templates. Pure and import-free, so the guest pages (static/src), the emails
// (notifications.ts) and the tests build the same event.

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

/** What the links need of a meeting: the store's and the API's meetings both have it (times in ms). */
export interface CalendarMeeting {
  type: { title: string };
  start: number;
  end: number;
  location: { kind: string; text: string; url?: string | undefined } | null;
}

/** The words around the links, in the reader's language: before the video link and the meeting page link. */
export interface CalendarWords {
  join: string;
  manage: string;
}

/** The room to join, if the meeting has one: a phone location's url is a tel: link, not a room. */
export const joinUrl = (location: CalendarMeeting['location']): string | undefined => (location?.url && location.kind !== 'phone' ? location.url : undefined);

/** The guest's event: "{type}: {agent}", the room and the guest's meeting page in its details, the place as its location. */
export function addToCalendarLinks(meeting: CalendarMeeting, agentName: string, manageUrl: string, words: CalendarWords): { google: string; outlook: string } {
  const join = joinUrl(meeting.location);
  const entry: CalendarEntry = {
    title: `${meeting.type.title}: ${agentName}`,
    start: meeting.start,
    end: meeting.end,
    details: [...(join ? [`${words.join}: ${join}`] : []), `${words.manage}: ${manageUrl}`].join('\n'),
    location: meeting.location?.text,
  };
  return { google: googleCalendarUrl(entry), outlook: outlookCalendarUrl(entry) };
}
