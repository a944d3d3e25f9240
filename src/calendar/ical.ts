/**
 * iCalendar (RFC 5545) and iTIP (RFC 5546) for meetings: the invites and cancellations
 * sent to agents and guests (M2, M4), the subscription feed (M7), the agent's calendar
 * reply that confirms a meeting (M3), and the busy times read from an agent's external
 * calendar feed (M1).
 *
 * Times cross this module as epoch ms; zone rules come from `Intl` (via availability.ts)
 * so an invite's VTIMEZONE always agrees with the slots the guest was shown.
 */
import ICAL from 'ical.js';
import type { BusyInterval } from './availability';
import { instantToZoned, zonedTimeToInstant } from '../time/zoned';

export type { BusyInterval };

export interface Person {
  name: string;
  email: string;
}

export type PartStat = 'NEEDS-ACTION' | 'ACCEPTED' | 'DECLINED' | 'TENTATIVE';

export interface InviteEvent {
  uid: string;
  sequence: number;
  /** Epoch ms. */
  dtstamp: number;
  /** Epoch ms. */
  start: number;
  /** Epoch ms. */
  end: number;
  /** The organizer's IANA zone; DTSTART/DTEND are written in it. */
  timeZone: string;
  summary: string;
  description: string;
  url?: string;
  /** Where it takes place: an address, a phone number or a video link. */
  location?: string;
  organizer: Person;
  attendees: Array<Person & { partstat: PartStat; rsvp?: boolean }>;
  status: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
}

export interface ItipReply {
  uid: string;
  sequence: number;
  /** Email address, lowercased. */
  attendee: string;
  partstat: PartStat;
}

/** Input that is not the iCalendar this module was asked to read. */
export class IcalError extends Error {
  override name = 'IcalError';
}

const PRODID = '-//Doorbell//Doorbell//EN';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PARTSTATS: readonly PartStat[] = ['NEEDS-ACTION', 'ACCEPTED', 'DECLINED', 'TENTATIVE'];
const ICAL_WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

// A rule such as FREQ=MINUTELY starting years ago would otherwise make one feed cost
// millions of iterations inside the calendar actor; no real calendar needs more.
const MAX_OCCURRENCES_PER_SERIES = 50_000;

// ---------------------------------------------------------------------------
// Writing

export function buildInvite(method: 'REQUEST' | 'CANCEL', event: InviteEvent): string {
  const cal = calendar();
  cal.addPropertyWithValue('method', method);
  cal.addSubcomponent(vtimezone(event.timeZone, event.start));
  // iTIP CANCEL means "this meeting is off" only when the event says so too; clients
  // that merely update the stored copy rely on STATUS.
  cal.addSubcomponent(vevent(method === 'CANCEL' ? { ...event, status: 'CANCELLED' } : event));
  return serialize(cal);
}

/** A subscription feed (M7): no METHOD, because it is published data, not a scheduling message. */
export function buildFeed(name: string, events: InviteEvent[]): string {
  const cal = calendar();
  // Not standard, but Google, Apple and Outlook all use it to name a subscribed calendar.
  cal.addPropertyWithValue('x-wr-calname', name);
  const zones = new Map<string, number>();
  for (const e of events) if (!zones.has(e.timeZone)) zones.set(e.timeZone, e.start);
  for (const [zone, at] of zones) cal.addSubcomponent(vtimezone(zone, at));
  for (const e of events) cal.addSubcomponent(vevent(e));
  return serialize(cal);
}

function calendar(): ICAL.Component {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('version', '2.0');
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  return cal;
}

function serialize(cal: ICAL.Component): string {
  // ical.js joins lines with CRLF but lets continuation lines reach 76 octets (75 plus
  // the leading space), so its folding is undone and redone here. RFC 5545 also wants
  // the last line terminated, which strict parsers (Outlook) insist on.
  const lines = cal.toString().replace(/\r\n[ \t]/g, '').split('\r\n');
  return lines.map(fold).join('\r\n') + '\r\n';
}

const FOLD_OCTETS = 75;

/** RFC 5545 §3.1: at most 75 octets per line, never splitting a UTF-8 sequence. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const cp = char.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    // Continuation lines start with a space, which counts towards their 75 octets.
    if (octets + size > FOLD_OCTETS) {
      parts.push(current);
      current = ' ';
      octets = 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n');
}

function vevent(event: InviteEvent): ICAL.Component {
  const ve = new ICAL.Component('vevent');
  ve.addPropertyWithValue('uid', event.uid);
  ve.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(event.dtstamp), true));
  ve.addPropertyWithValue('sequence', event.sequence);
  ve.addProperty(zonedTimeProperty('dtstart', event.start, event.timeZone));
  ve.addProperty(zonedTimeProperty('dtend', event.end, event.timeZone));
  ve.addPropertyWithValue('summary', event.summary);
  ve.addPropertyWithValue('description', event.description);
  if (event.url !== undefined) ve.addPropertyWithValue('url', event.url);
  if (event.location !== undefined) ve.addPropertyWithValue('location', event.location);
  const organizer = ve.addPropertyWithValue('organizer', mailto(event.organizer.email));
  organizer.setParameter('cn', paramText(event.organizer.name));
  for (const a of event.attendees) {
    const attendee = ve.addPropertyWithValue('attendee', mailto(a.email));
    attendee.setParameter('cn', paramText(a.name));
    attendee.setParameter('role', 'REQ-PARTICIPANT');
    attendee.setParameter('partstat', a.partstat);
    attendee.setParameter('rsvp', a.rsvp === false ? 'FALSE' : 'TRUE');
  }
  ve.addPropertyWithValue('status', event.status);
  // Without it some clients show a booked meeting as "free".
  ve.addPropertyWithValue('transp', 'OPAQUE');
  return ve;
}

// A parameter value cannot hold DQUOTE or control characters; the RFC 6868 escapes
// ical.js would write (^' and ^n) show up literally in Outlook, so names are tamed instead.
function paramText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/"/g, "'");
}

function mailto(email: string): string {
  return `mailto:${email}`;
}

function zonedTimeProperty(name: string, ms: number, timeZone: string): ICAL.Property {
  const prop = new ICAL.Property(name);
  prop.setValue(floatingTime(ms + instantToZoned(ms, timeZone).offsetMinutes * MINUTE));
  prop.setParameter('tzid', timeZone);
  return prop;
}

/** A wall-clock reading (encoded as if it were UTC ms) as a zoneless ICAL.Time. */
function floatingTime(wall: number): ICAL.Time {
  const d = new Date(wall);
  return new ICAL.Time(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      isDate: false,
    },
    ICAL.Timezone.localTimezone,
  );
}

interface Transition {
  at: number;
  /** Offsets in minutes. */
  from: number;
  to: number;
}

interface Observance {
  kind: 'standard' | 'daylight';
  /** Wall-clock onset in the `from` offset, encoded as if it were UTC ms. */
  onset: number;
  from: number;
  to: number;
  rrule?: string;
}

/**
 * VTIMEZONE for `timeZone`, exact for the local year of `at`.
 *
 * The zone's transitions in that year are found by probing `Intl` offsets. When they are
 * a plain DST pair (nearly every zone that has DST), the observances are written as
 * yearly "nth/last weekday of the month" RRULEs from 1970: that is the shape Outlook maps
 * onto its own zones reliably, and as each rule is derived from that year's transition
 * date it reproduces the year's transitions by construction.
 * Anything else (no DST, or a zone changing its rules that year) becomes one observance
 * in force from 1970 plus one RRULE-less observance per transition. Starting at 1970
 * matters: RFC 5545 gives no offset before the first onset (ical.js then assumes UTC).
 */
function vtimezone(timeZone: string, at: number): ICAL.Component {
  const year = new Date(at + offsetMinutes(at, timeZone) * MINUTE).getUTCFullYear();
  const yearStart = Date.UTC(year, 0, 1);
  const transitions = transitionsBetween(timeZone, yearStart, Date.UTC(year + 1, 0, 1));

  const vtz = new ICAL.Component('vtimezone');
  vtz.addPropertyWithValue('tzid', timeZone);
  for (const o of dstPairRules(transitions) ?? explicitObservances(transitions, offsetMinutes(yearStart, timeZone))) {
    const sub = new ICAL.Component(o.kind);
    sub.addPropertyWithValue('dtstart', floatingTime(o.onset));
    sub.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromSeconds(o.from * 60));
    sub.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromSeconds(o.to * 60));
    if (o.rrule !== undefined) sub.addPropertyWithValue('rrule', ICAL.Recur.fromString(o.rrule));
    vtz.addSubcomponent(sub);
  }
  return vtz;
}

function offsetMinutes(ms: number, timeZone: string): number {
  return instantToZoned(ms, timeZone).offsetMinutes;
}

function transitionsBetween(timeZone: string, from: number, to: number): Transition[] {
  const found: Transition[] = [];
  let prevAt = from;
  let prevOffset = offsetMinutes(from, timeZone);
  // Daily probes: no zone changes offset twice within a day.
  for (let t = from + DAY; t <= to; t += DAY) {
    const offset = offsetMinutes(t, timeZone);
    if (offset !== prevOffset) {
      let lo = prevAt;
      let hi = t;
      while (hi - lo > MINUTE) {
        const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
        if (offsetMinutes(mid, timeZone) === prevOffset) lo = mid;
        else hi = mid;
      }
      found.push({ at: hi, from: prevOffset, to: offset });
    }
    prevAt = t;
    prevOffset = offset;
  }
  return found;
}

function dstPairRules(transitions: Transition[]): Observance[] | undefined {
  const [a, b] = transitions;
  if (transitions.length !== 2 || !a || !b || a.to !== b.from || b.to !== a.from) return undefined;
  const observances: Observance[] = [];
  for (const t of [a, b]) {
    const local = new Date(t.at + t.from * MINUTE);
    const month = local.getUTCMonth() + 1;
    const day = local.getUTCDate();
    const weekday = local.getUTCDay();
    const last = day + 7 > daysInMonth(local.getUTCFullYear(), month);
    const ordinal = last ? -1 : Math.ceil(day / 7);
    const timeOfDay = t.at + t.from * MINUTE - Date.UTC(local.getUTCFullYear(), month - 1, day);
    const onsetDay = nthWeekdayOfMonth(1970, month, ordinal, weekday);
    observances.push({
      kind: t.to > t.from ? 'daylight' : 'standard',
      onset: Date.UTC(1970, month - 1, onsetDay) + timeOfDay,
      from: t.from,
      to: t.to,
      rrule: `FREQ=YEARLY;BYMONTH=${month};BYDAY=${ordinal}${ICAL_WEEKDAYS[weekday] ?? 'SU'}`,
    });
  }
  return observances;
}

function explicitObservances(transitions: Transition[], initialOffset: number): Observance[] {
  const lowest = Math.min(initialOffset, ...transitions.map((t) => t.to));
  const kind = (offset: number): Observance['kind'] => (offset > lowest ? 'daylight' : 'standard');
  return [
    { kind: kind(initialOffset), onset: 0, from: initialOffset, to: initialOffset },
    ...transitions.map((t) => ({ kind: kind(t.to), onset: t.at + t.from * MINUTE, from: t.from, to: t.to })),
  ];
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of month of the `ordinal`th (or, for -1, last) `weekday` (0 = Sunday). */
function nthWeekdayOfMonth(year: number, month: number, ordinal: number, weekday: number): number {
  if (ordinal < 0) {
    const lastDay = daysInMonth(year, month);
    const lastWeekday = new Date(Date.UTC(year, month - 1, lastDay)).getUTCDay();
    return lastDay - ((lastWeekday - weekday + 7) % 7);
  }
  const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - firstWeekday + 7) % 7) + (ordinal - 1) * 7;
}

// ---------------------------------------------------------------------------
// Reading

/** Top-level VCALENDARs of `ics`; a file may legally hold several. */
function parseCalendars(ics: string): ICAL.Component[] {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(ics);
  } catch (err) {
    throw new IcalError(`not valid iCalendar: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(jcal) || jcal.length === 0) throw new IcalError('not valid iCalendar: no component');
  const list: unknown[] = typeof jcal[0] === 'string' ? [jcal] : jcal;
  const calendars = list.map((c) => new ICAL.Component(c as unknown[])).filter((c) => c.name === 'vcalendar');
  if (calendars.length === 0) throw new IcalError('not valid iCalendar: no VCALENDAR');
  return calendars;
}

function emailOf(calAddress: unknown): string {
  return String(calAddress ?? '')
    .trim()
    .replace(/^mailto:/i, '')
    .toLowerCase();
}

function textValue(comp: ICAL.Component, name: string): string | undefined {
  const value = comp.getFirstPropertyValue(name);
  return value === null ? undefined : String(value).trim();
}

/** The calendar's iTIP REPLY to an invite: who answered what, to which version of the meeting. */
export function parseReply(ics: string): ItipReply {
  const [cal] = parseCalendars(ics);
  if (!cal) throw new IcalError('not valid iCalendar: no VCALENDAR');
  const method = textValue(cal, 'method')?.toUpperCase();
  if (method !== 'REPLY') throw new IcalError(`expected METHOD:REPLY, got ${method ? `METHOD:${method}` : 'no METHOD'}`);
  const event = cal.getFirstSubcomponent('vevent');
  if (!event) throw new IcalError('REPLY has no VEVENT');
  const uid = textValue(event, 'uid');
  if (!uid) throw new IcalError('REPLY has no UID');
  const attendee = event.getAllProperties('attendee').find((p) => p.getFirstParameter('partstat'));
  if (!attendee) throw new IcalError('REPLY has no ATTENDEE with a PARTSTAT');
  const partstat = attendee.getFirstParameter('partstat').toUpperCase();
  if (!isPartStat(partstat)) throw new IcalError(`unsupported PARTSTAT ${partstat}`);
  const email = emailOf(attendee.getFirstValue());
  if (!email) throw new IcalError('REPLY ATTENDEE has no address');
  const sequence = Number(event.getFirstPropertyValue('sequence') ?? 0);
  return { uid, sequence: Number.isInteger(sequence) ? sequence : 0, attendee: email, partstat };
}

function isPartStat(value: string): value is PartStat {
  return (PARTSTATS as readonly string[]).includes(value);
}

/**
 * Times in `ics` (an agent's external calendar feed) that block `owner`, clipped to
 * `window`, sorted and merged.
 *
 * An event blocks unless it is TRANSP:TRANSPARENT, STATUS:CANCELLED, or the owner
 * declined it. Recurring series are expanded with their EXDATEs; an occurrence that has
 * a RECURRENCE-ID override is judged by the override alone (it may be moved, cancelled
 * or marked free), and overrides without a master in the feed stand on their own.
 *
 * All-day rule: all-day events (DATE values) follow TRANSP like any other event. Google
 * exports them TRANSPARENT unless the owner marked them busy, so holidays and birthdays
 * stay free while an opaque "vacation" blocks. Dates and other floating times have no
 * zone of their own, so they are read in the feed's X-WR-TIMEZONE (Google and Apple set
 * it to the calendar owner's zone), and in UTC when the feed names none.
 * A TZID with no VTIMEZONE in the feed is read as an IANA zone when it is one.
 */
export function parseBusy(ics: string, owner: string, window: { start: number; end: number }): BusyInterval[] {
  const ownerEmail = owner.trim().toLowerCase();
  const busy: BusyInterval[] = [];
  const add = (start: number, end: number): void => {
    const s = Math.max(start, window.start);
    const e = Math.min(end, window.end);
    if (e > s) busy.push({ start: s, end: e });
  };

  for (const cal of parseCalendars(ics)) {
    const feedZone = ianaZone(textValue(cal, 'x-wr-timezone')) ?? 'UTC';
    const events = cal.getAllSubcomponents('vevent').filter((e) => e.hasProperty('dtstart'));
    const masters = events.filter((e) => !e.hasProperty('recurrence-id'));
    const overrides = events.filter((e) => e.hasProperty('recurrence-id'));

    const overridden = new Set<string>();
    for (const o of overrides) {
      const uid = textValue(o, 'uid') ?? '';
      overridden.add(`${uid}\n${instantOf(o, 'recurrence-id', o.getFirstPropertyValue('recurrence-id'), feedZone)}`);
      if (!blocks(o, ownerEmail)) continue;
      const event = new ICAL.Event(o);
      add(instantOf(o, 'dtstart', event.startDate, feedZone), instantOf(o, 'dtstart', event.endDate, feedZone));
    }

    for (const m of masters) {
      if (!blocks(m, ownerEmail)) continue;
      const uid = textValue(m, 'uid') ?? '';
      const event = new ICAL.Event(m);
      const occurrences = event.iterator();
      for (let n = 0; n < MAX_OCCURRENCES_PER_SERIES; n++) {
        const next = occurrences.next();
        if (!next) break;
        const details = event.getOccurrenceDetails(next);
        const start = instantOf(m, 'dtstart', details.startDate, feedZone);
        if (start >= window.end) break;
        if (overridden.has(`${uid}\n${start}`)) continue;
        add(start, instantOf(m, 'dtstart', details.endDate, feedZone));
      }
    }
  }
  return merge(busy);
}

function blocks(event: ICAL.Component, ownerEmail: string): boolean {
  if (textValue(event, 'transp')?.toUpperCase() === 'TRANSPARENT') return false;
  if (textValue(event, 'status')?.toUpperCase() === 'CANCELLED') return false;
  const mine = event.getAllProperties('attendee').find((a) => emailOf(a.getFirstValue()) === ownerEmail);
  return mine?.getFirstParameter('partstat')?.toUpperCase() !== 'DECLINED';
}

function ianaZone(name: string | undefined): string | undefined {
  if (!name) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

/**
 * Epoch ms of `time`, a value of (or derived from) property `propName` of `event`.
 * ical.js resolves UTC and TZIDs defined in the feed; what it leaves floating is read
 * in the property's TZID as an IANA zone, else in `feedZone` (see parseBusy).
 */
function instantOf(event: ICAL.Component, propName: string, time: unknown, feedZone: string): number {
  if (!(time instanceof ICAL.Time)) throw new IcalError(`${propName.toUpperCase()} is not a date or date-time`);
  const zone = time.zone as ICAL.Timezone | undefined;
  if (!time.isDate && zone && zone.tzid !== 'floating') return time.toUnixTime() * 1000;
  const tzid = event.getFirstProperty(propName)?.getFirstParameter('tzid');
  const localZone = (time.isDate ? undefined : ianaZone(tzid ?? undefined)) ?? feedZone;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date = `${String(time.year).padStart(4, '0')}-${pad(time.month)}-${pad(time.day)}`;
  const clock = time.isDate ? '00:00' : `${pad(time.hour)}:${pad(time.minute)}`;
  return zonedTimeToInstant(date, clock, localZone) + (time.isDate ? 0 : time.second * 1000);
}

// Callers compare slots against every interval, so overlapping feed entries (a series
// and a one-off at the same time) are folded into one.
function merge(intervals: BusyInterval[]): BusyInterval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: BusyInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}
