import { newId } from '../directory/ids';
import { renderEmail, type Brand, type EmailContent, type MeetingCard, type MeetingLocation } from '../email/layout';
import type { Address, OutgoingEmail } from '../email/message';
import { addToCalendarLinks, joinUrl } from './add-to-calendar';
import { buildInvite, type InviteEvent } from './ical';
import { defaultMeetingType } from './meeting-types';
import type { CalendarAgent, Meeting } from './store';

/** Why a cancellation happened when it was not asked for: the agent accepted another meeting at its time (M3). */
export type CancelReason = 'given_away';

export type MeetingChange = 'booked' | 'confirmed' | 'rescheduled' | 'duration_changed' | 'cancelled' | 'declined' | 'reminder';

/** "Tue, 1 Dec 2026, 10:00–10:30 (Europe/Paris)": always with the zone, never ambiguous. */
export function when(meeting: Pick<Meeting, 'start' | 'end'>, timeZone: string): string {
  const time = (ms: number) => format(TIME, timeZone).format(ms);
  return `${format(DAY, timeZone).format(meeting.start)}, ${time(meeting.start)}–${time(meeting.end)} (${timeZone})`;
}

const DAY: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
// Making a formatter costs far more than formatting with one, and each booking's note and
// emails say when a dozen times; zones are a few hundred names at most.
const formats = new Map<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>([[DAY, new Map()], [TIME, new Map()]]);
function format(options: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  const byZone = formats.get(options)!;
  let made = byZone.get(timeZone);
  if (!made) byZone.set(timeZone, (made = new Intl.DateTimeFormat('en-GB', { timeZone, ...options })));
  return made;
}

const minutes = (m: Pick<Meeting, 'start' | 'end'>) => Math.round((m.end - m.start) / 60000);

const headline: Record<MeetingChange, (who: string) => string> = {
  booked: (who) => `Meeting booked with ${who}`,
  confirmed: (who) => `Meeting confirmed with ${who}`,
  rescheduled: (who) => `Meeting with ${who} moved`,
  duration_changed: (who) => `Meeting with ${who} changed length`,
  cancelled: (who) => `Meeting with ${who} cancelled`,
  declined: (who) => `Meeting with ${who} declined`,
  reminder: (who) => `Reminder: meeting with ${who}`,
};

/** "Where: …", then one line per answer: what the note, the emails and the invite add to the time. */
function details(meeting: Pick<Meeting, 'location' | 'answers'>, withAnswers: boolean): string[] {
  return [
    ...(meeting.location ? [`Where: ${meeting.location.text}`] : []),
    ...(withAnswers ? meeting.answers.map((a) => `${a.label}: ${a.value}`) : []),
  ];
}

/** What the meeting conversation shows, in the agent's zone and the guest's, with the place and the guest's answers. */
export function noteText(change: MeetingChange, agent: CalendarAgent, meeting: Meeting): string {
  const guestZone = meeting.guest.timeZone === agent.timeZone ? '' : ` · ${when(meeting, meeting.guest.timeZone)}`;
  const type = meeting.type.title === defaultMeetingType().title ? '' : ` (${meeting.type.title})`;
  const line = `${headline[change](`${agent.name} and ${meeting.guest.name}`).replace(' with ', ': ')}${type} — ${when(meeting, agent.timeZone)}${guestZone}, ${minutes(meeting)} min`;
  // The answers are told once, with the booking; every note says where.
  return [line, ...details(meeting, change === 'booked')].join('\n');
}

/**
 * The meeting as one person's calendar holds it. The guest's copy names only the guest and
 * Doorbell's sender (agents' addresses are never shown to guests) and carries the guest's
 * signed manage link; the agent's names both and links to the console, because anyone who
 * can read the agent's calendar could otherwise cancel as the guest.
 */
export function inviteEvent(agent: CalendarAgent, meeting: Meeting, organizer: Address, audience: 'agent' | 'guest', url?: string): InviteEvent {
  const pending = meeting.status === 'pending';
  const link = url ? (audience === 'guest' ? `Change or cancel: ${url}` : `Open it in the Doorbell console: ${url}`) : '';
  const join = joinUrl(meeting.location);
  // The guest booked it: their copy asks for no answer (RSVP=FALSE), though calendars may still offer one.
  const guest = { name: meeting.guest.name, email: meeting.guest.email, partstat: 'ACCEPTED', rsvp: false } as const;
  return {
    uid: meetingUid(agent.id, meeting.id),
    sequence: meeting.sequence,
    dtstamp: Date.now(),
    start: meeting.start,
    end: meeting.end,
    timeZone: agent.timeZone,
    summary: `${agent.name} and ${meeting.guest.name}`,
    description: [`${meeting.type.title} booked through Doorbell.`, ...(join ? [`Join: ${join}`] : []), ...details(meeting, true), ...(link ? [link] : [])].join('\n'),
    // Calendars show URL as the event's link: the video room when there is one.
    ...(join ? { url: join } : url ? { url } : {}),
    ...(meeting.location ? { location: meeting.location.text } : {}),
    // The organizer is Doorbell's own address, so calendar replies (M3) come back to us.
    organizer: { name: `${agent.name} via Doorbell`, email: organizer.email },
    attendees:
      audience === 'guest'
        ? [guest]
        : [{ name: agent.name, email: agent.email, partstat: pending ? 'NEEDS-ACTION' : 'ACCEPTED', rsvp: pending }, guest],
    status: meeting.status === 'cancelled' ? 'CANCELLED' : pending ? 'TENTATIVE' : 'CONFIRMED',
  };
}

/** `agentId.meetingId@doorbell`: a reply's UID alone leads back to the right calendar. */
export const meetingUid = (agentId: string, meetingId: string): string => `${agentId}.${meetingId}@doorbell`;

export function parseMeetingUid(uid: string): { agentId: string; meetingId: string } | null {
  const match = /^(ag_[A-Za-z0-9]+)\.(mt_[A-Za-z0-9]+)@doorbell$/.exec(uid);
  return match ? { agentId: match[1]!, meetingId: match[2]! } : null;
}

function email(from: Address, to: Address, subject: string, content: EmailContent, invite?: { method: 'REQUEST' | 'CANCEL'; ics: string }): OutgoingEmail {
  return {
    id: newId('em'),
    from,
    to: [to],
    subject,
    ...renderEmail(content),
    ...(invite
      ? { attachments: [{ filename: invite.method === 'CANCEL' ? 'cancel.ics' : 'invite.ics', contentType: `text/calendar; method=${invite.method}; charset=utf-8`, content: invite.ics }] }
      : {}),
  };
}

export interface EmailContext {
  from: Address;
  brand: Brand;
  guestLink: string;
  consoleUrl: string;
  /** The agent's booking page, where a guest whose time was given away books again. */
  bookingUrl: string;
  reason?: CancelReason | undefined;
}

/** The meeting in the reader's zone first, then the other person's when it differs. */
function meetingCard(meeting: Meeting, title: string, zones: Array<{ label: string; timeZone: string }>, location?: MeetingLocation): MeetingCard {
  const distinct = zones.filter((z, i) => zones.findIndex((o) => o.timeZone === z.timeZone) === i);
  return { title, times: distinct.map((z) => ({ label: z.label, value: when(meeting, z.timeZone) })), minutes: minutes(meeting), ...(location ? { location } : {}) };
}

/** M2, M4, M5: what guest and agent receive for a change; invites and cancellations carry iCalendar. */
export function meetingEmails(change: MeetingChange, agent: CalendarAgent & { avatarUrl?: string | null }, meeting: Meeting, context: EmailContext): OutgoingEmail[] {
  const guest: Address = { name: meeting.guest.name, email: meeting.guest.email };
  const agentAddress: Address = { name: agent.name, email: agent.email };
  // A declined invite is cancelled in both calendars too, or it stays there as a tentative ghost.
  const method = change === 'cancelled' || change === 'declined' ? 'CANCEL' : 'REQUEST';
  const ended = method === 'CANCEL';
  const meetingConsole = `${context.consoleUrl}#/c/${meeting.conversationId}`;
  const invite = (audience: 'agent' | 'guest', url: string) =>
    change === 'reminder' ? undefined : ({ method, ics: buildInvite(method, inviteEvent(agent, meeting, context.from, audience, url)) } as const);
  const pending = meeting.status === 'pending' && change !== 'cancelled';
  const givenAway = context.reason === 'given_away';
  const calendarNote = change !== 'reminder' ? [ended ? 'The attached cancel.ics removes it from your calendar.' : 'Open the attached invite.ics to add it to your calendar or update it there.'] : [];
  const calendarLinks = addToCalendarLinks(meeting, agent.name, context.guestLink, { join: 'Join', manage: 'See, move or cancel' });
  const card = (zones: Array<{ label: string; timeZone: string }>) => meetingCard(meeting, `${agent.name} and ${meeting.guest.name}`, zones, meeting.location ?? undefined);
  const guestContent: EmailContent = {
    brand: context.brand,
    preview: `${when(meeting, meeting.guest.timeZone)}, ${minutes(meeting)} minutes`,
    person: { name: agent.name, avatarUrl: agent.avatarUrl },
    heading: headline[change](agent.name),
    paragraphs: [
      ...(pending ? ['Waiting for the agent to accept the invitation.'] : []),
      ...(givenAway ? [`This time was given to someone else: ${agent.name} accepted another booking for it, so your request was cancelled.`] : []),
    ],
    card: card([{ label: 'Your time', timeZone: meeting.guest.timeZone }, { label: `${agent.name}’s time`, timeZone: agent.timeZone }]),
    buttons: ended
      ? [{ label: 'Book another time', url: context.bookingUrl }]
      : [
          { label: 'Reschedule', url: context.guestLink },
          { label: 'Cancel', url: context.guestLink },
          { label: 'Add to Google Calendar', url: calendarLinks.google },
          { label: 'Add to Outlook', url: calendarLinks.outlook },
        ],
    footer: [...(ended ? [] : ['Reschedule and Cancel open your meeting page, where you can see, move or cancel the meeting.']), ...calendarNote],
  };
  const agentContent: EmailContent = {
    brand: context.brand,
    preview: `${meeting.guest.name}, ${when(meeting, agent.timeZone)}`,
    person: { name: meeting.guest.name },
    heading: headline[change](meeting.guest.name),
    paragraphs: [
      `Guest: ${meeting.guest.name} <${meeting.guest.email}>`,
      // The card says where; the guest's answers are the agent's alone.
      ...details({ location: null, answers: meeting.answers }, true),
      ...(pending ? ['Accept the invitation in your calendar (or in the console) to hold the slot.'] : []),
      ...(givenAway ? ['Cancelled because you accepted another meeting at this time; the guest was asked to book another time.'] : []),
    ],
    card: card([{ label: 'Your time', timeZone: agent.timeZone }, { label: 'Guest’s time', timeZone: meeting.guest.timeZone }]),
    buttons: [{ label: 'Open in the console', url: meetingConsole }],
    footer: calendarNote,
  };
  return [
    email(context.from, guest, headline[change](agent.name), guestContent, invite('guest', context.guestLink)),
    email(context.from, agentAddress, headline[change](meeting.guest.name), agentContent, invite('agent', meetingConsole)),
  ];
}
