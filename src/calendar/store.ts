import { JOBS_TABLE, migrateSchema } from '../actor/schema';
import type { Meeting, MeetingStatus } from './meeting';
import { DEFAULT_TYPE_SLUG, defaultMeetingType, type MeetingType } from './meeting-types';

/** What of a type decides when its meetings may move. */
export type TypeRules = Pick<MeetingType, 'durations' | 'availability'>;
import { DEFAULT_HOLD_MINUTES, type CalendarSettings } from './settings';

export type { Meeting, MeetingStatus } from './meeting';

/** The calendar actor's SQLite schema, one step per version (see actor/schema.ts). */
export const MIGRATIONS = [
  `CREATE TABLE calendar (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     agent TEXT NOT NULL,
     settings TEXT NOT NULL,
     feed_secret TEXT NOT NULL
   );
   CREATE TABLE meetings (
     id TEXT PRIMARY KEY,
     booking_key TEXT UNIQUE,
     status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled')),
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     sequence INTEGER NOT NULL DEFAULT 0,
     guest_id TEXT NOT NULL,
     guest_name TEXT NOT NULL,
     guest_email TEXT NOT NULL,
     guest_time_zone TEXT NOT NULL,
     conversation_id TEXT NOT NULL,
     booked_by TEXT NOT NULL CHECK (booked_by IN ('guest', 'agent')),
     created_at INTEGER NOT NULL
   );
   CREATE INDEX meetings_by_time ON meetings (start_ms) WHERE status != 'cancelled';
   -- One alarm serves every due job: emails to send, reminders to post, notes for the
   -- meeting conversation. A job's key makes enqueueing it twice harmless.
   ${JOBS_TABLE}
   -- Reminders that went out, so an alarm that fires twice sends nothing twice (M5).
   CREATE TABLE reminders_sent (key TEXT PRIMARY KEY, sent_at INTEGER NOT NULL);
   CREATE TABLE busy_feed (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), url TEXT NOT NULL, fetched_at INTEGER NOT NULL, intervals TEXT NOT NULL);`,
  // The busy feed is fetched by the calendar's `feed` job, which records how it went (shown to
  // the agent). The last good copy is kept.
  `CREATE TABLE busy_feed_state (
     singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
     url TEXT NOT NULL,
     intervals TEXT NOT NULL DEFAULT '[]',
     last_success_at INTEGER,
     last_error TEXT,
     last_error_at INTEGER,
     failures INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER
   );
   INSERT INTO busy_feed_state (singleton, url, intervals, last_success_at) SELECT 1, url, intervals, fetched_at FROM busy_feed;
   DROP TABLE busy_feed;
   ALTER TABLE busy_feed_state RENAME TO busy_feed;`,
  // Meeting types: the single kind of meeting a calendar offered until now becomes the default
  // type, which follows the calendar's durations and availability, so its meetings and links
  // keep working. A meeting keeps its type, location and answers as booked.
  `CREATE TABLE meeting_types (slug TEXT PRIMARY KEY, position INTEGER NOT NULL, type TEXT NOT NULL);
   INSERT INTO meeting_types (slug, position, type) VALUES ('${DEFAULT_TYPE_SLUG}', 0, '${JSON.stringify(defaultMeetingType())}');
   ALTER TABLE meetings ADD COLUMN type_slug TEXT NOT NULL DEFAULT '${DEFAULT_TYPE_SLUG}';
   ALTER TABLE meetings ADD COLUMN type_title TEXT NOT NULL DEFAULT '${defaultMeetingType().title}';
   ALTER TABLE meetings ADD COLUMN location TEXT;
   ALTER TABLE meetings ADD COLUMN answers TEXT NOT NULL DEFAULT '[]';`,
  // A meeting booked from an offer in a chat (docs/meetings.md) belongs to that conversation.
  `ALTER TABLE meetings ADD COLUMN offer_id TEXT;`,
  // Holds: a time a booking page chose, kept from other pages for a few minutes (docs/meetings.md,
  // "Holds"). `page` is the booking page's socket, whose closing releases its hold.
  `CREATE TABLE holds (
     id TEXT PRIMARY KEY,
     token TEXT NOT NULL UNIQUE,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     type_slug TEXT NOT NULL,
     page TEXT,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX holds_by_page ON holds (page);`,
  // A meeting whose type is deleted or renamed keeps a copy of the type's durations and
  // availability ({durations, availability}, JSON), so it is still rescheduled as its type was.
  `ALTER TABLE meetings ADD COLUMN type_rules TEXT;`,
];

export const migrate = (sql: SqlStorage): void => migrateSchema(sql, MIGRATIONS);

export interface CalendarAgent {
  id: string;
  slug: string;
  name: string;
  email: string;
  timeZone: string;
}


interface MeetingRow extends Record<string, SqlStorageValue> {
  id: string;
  status: MeetingStatus;
  start_ms: number;
  end_ms: number;
  sequence: number;
  guest_id: string;
  guest_name: string;
  guest_email: string;
  guest_time_zone: string;
  conversation_id: string;
  booked_by: 'guest' | 'agent';
  type_slug: string;
  type_title: string;
  location: string | null;
  answers: string;
  offer_id: string | null;
}

const toMeeting = (r: MeetingRow): Meeting => ({
  id: r.id,
  status: r.status,
  start: r.start_ms,
  end: r.end_ms,
  sequence: r.sequence,
  guest: { id: r.guest_id, name: r.guest_name, email: r.guest_email, timeZone: r.guest_time_zone },
  conversationId: r.conversation_id,
  bookedBy: r.booked_by,
  type: { slug: r.type_slug, title: r.type_title },
  location: r.location === null ? null : JSON.parse(r.location),
  answers: JSON.parse(r.answers),
  ...(r.offer_id === null ? {} : { offerId: r.offer_id }),
});

/** The agent's busy feed as the calendar last fetched it (M1). */
export interface BusyFeed {
  url: string;
  intervals: Array<{ start: number; end: number }>;
  lastSuccessAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  /** Failed attempts since the last success. */
  failures: number;
  nextAttemptAt: number | null;
}

/** A time a booking page holds (docs/meetings.md, "Holds"). */
export interface Hold {
  id: string;
  token: string;
  start: number;
  end: number;
  typeSlug: string;
  page: string | null;
  expiresAt: number;
}

interface HoldRow extends Record<string, SqlStorageValue> {
  id: string;
  token: string;
  start_ms: number;
  end_ms: number;
  type_slug: string;
  page: string | null;
  expires_at: number;
}

const toHold = (r: HoldRow): Hold => ({ id: r.id, token: r.token, start: r.start_ms, end: r.end_ms, typeSlug: r.type_slug, page: r.page, expiresAt: r.expires_at });

type CalendarRow = { agent: CalendarAgent; settings: CalendarSettings; feedSecret: string };

/**
 * The calendar's SQLite tables. The rows every request reads (the calendar and its settings,
 * the meeting types, the busy feed's copy: hundreds of intervals) are kept parsed in memory
 * too, replaced by each write here: the actor is their only writer, so the copy never goes
 * stale, and a booking page's slots no longer parse them per request. Callers treat what
 * they get as read-only.
 */
export class CalendarStore {
  private calendarRow: CalendarRow | null | undefined;
  private types: MeetingType[] | undefined;
  private feed: BusyFeed | null | undefined;

  constructor(private readonly sql: SqlStorage) {}

  calendar(): CalendarRow | null {
    if (this.calendarRow !== undefined) return this.calendarRow;
    const row = this.sql.exec<{ agent: string; settings: string; feed_secret: string }>('SELECT * FROM calendar').toArray()[0];
    // Calendars saved before holds had a setting hold for the default time.
    this.calendarRow = row ? { agent: JSON.parse(row.agent), settings: { holdMinutes: DEFAULT_HOLD_MINUTES, ...JSON.parse(row.settings) }, feedSecret: row.feed_secret } : null;
    return this.calendarRow;
  }

  saveCalendar(agent: CalendarAgent, settings: CalendarSettings, feedSecret: string): void {
    this.calendarRow = undefined;
    this.sql.exec(
      `INSERT INTO calendar (singleton, agent, settings, feed_secret) VALUES (1, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET agent = excluded.agent, settings = excluded.settings, feed_secret = excluded.feed_secret`,
      JSON.stringify(agent),
      JSON.stringify(settings),
      feedSecret,
    );
  }

  meeting(id: string): Meeting | null {
    const row = this.sql.exec<MeetingRow>('SELECT * FROM meetings WHERE id = ?', id).toArray()[0];
    return row ? toMeeting(row) : null;
  }

  meetingByBookingKey(key: string): Meeting | null {
    const row = this.sql.exec<MeetingRow>('SELECT * FROM meetings WHERE booking_key = ?', key).toArray()[0];
    return row ? toMeeting(row) : null;
  }

  /** Confirmed meetings (those that hold their time, M3) overlapping [from, to), but `except`, as bare intervals. */
  heldBetween(from: number, to: number, except: string | null): Array<{ start: number; end: number }> {
    return this.sql
      .exec<{ start: number; end: number }>(
        "SELECT start_ms AS start, end_ms AS end FROM meetings WHERE status = 'confirmed' AND start_ms < ? AND end_ms > ? AND id IS NOT ? ORDER BY start_ms",
        to,
        from,
        except,
      )
      .toArray();
  }

  /** Meetings overlapping [from, to), cancelled ones excluded. */
  meetingsBetween(from: number, to: number): Meeting[] {
    return this.sql
      .exec<MeetingRow>("SELECT * FROM meetings WHERE status != 'cancelled' AND start_ms < ? AND end_ms > ? ORDER BY start_ms", to, from)
      .toArray()
      .map(toMeeting);
  }

  allMeetings(): Meeting[] {
    return this.sql.exec<MeetingRow>('SELECT * FROM meetings ORDER BY start_ms').toArray().map(toMeeting);
  }

  meetingsOf(guestId: string): Meeting[] {
    return this.sql.exec<MeetingRow>('SELECT * FROM meetings WHERE guest_id = ? ORDER BY start_ms', guestId).toArray().map(toMeeting);
  }

  /** An erased guest (docs/privacy.md): their meetings keep their times, not who they were with; `keepEmail` while a cancellation still has to reach them. */
  forgetGuest(guestId: string, name: string, keepEmail: boolean): void {
    this.sql.exec("UPDATE meetings SET guest_name = ?, guest_email = CASE WHEN ? THEN guest_email ELSE '' END, answers = '[]' WHERE guest_id = ?", name, keepEmail ? 1 : 0, guestId);
  }

  insertMeeting(m: Meeting, bookingKey: string | null): void {
    this.sql.exec(
      `INSERT INTO meetings (id, booking_key, status, start_ms, end_ms, sequence, guest_id, guest_name, guest_email, guest_time_zone, conversation_id, booked_by, created_at,
         type_slug, type_title, location, answers, offer_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      m.id, bookingKey, m.status, m.start, m.end, m.sequence, m.guest.id, m.guest.name, m.guest.email, m.guest.timeZone, m.conversationId, m.bookedBy, Date.now(),
      m.type.slug, m.type.title, m.location === null ? null : JSON.stringify(m.location), JSON.stringify(m.answers), m.offerId ?? null,
    );
  }

  updateMeeting(m: Meeting): void {
    this.sql.exec('UPDATE meetings SET status = ?, start_ms = ?, end_ms = ?, sequence = ? WHERE id = ?', m.status, m.start, m.end, m.sequence, m.id);
  }

  /** The calendar's meeting types in the agent's order; the first is the default. */
  meetingTypes(): MeetingType[] {
    this.types ??= this.sql.exec<{ type: string }>('SELECT type FROM meeting_types ORDER BY position, slug').toArray().map((r) => JSON.parse(r.type));
    return this.types;
  }

  /** Saves a type under `previous` (its slug before a rename), or adds it last. */
  saveMeetingType(type: MeetingType, previous: string | null): void {
    this.types = undefined;
    if (previous === null) {
      this.sql.exec('INSERT INTO meeting_types (slug, position, type) VALUES (?, (SELECT COALESCE(MAX(position), -1) + 1 FROM meeting_types), ?)', type.slug, JSON.stringify(type));
    } else this.sql.exec('UPDATE meeting_types SET slug = ?, type = ? WHERE slug = ?', type.slug, JSON.stringify(type), previous);
  }

  /** The copy of its type's rules a meeting keeps once the type is gone (deleted or renamed); null while it has its type. */
  meetingTypeRules(meetingId: string): TypeRules | null {
    const row = this.sql.exec<{ type_rules: string | null }>('SELECT type_rules FROM meetings WHERE id = ?', meetingId).toArray()[0];
    return row?.type_rules ? JSON.parse(row.type_rules) : null;
  }

  /** The meetings of `slug` that still follow it keep `rules` from now on (their type is about to go). */
  keepTypeRules(slug: string, rules: TypeRules): void {
    this.sql.exec('UPDATE meetings SET type_rules = ? WHERE type_slug = ? AND type_rules IS NULL', JSON.stringify({ durations: rules.durations, availability: rules.availability } satisfies TypeRules), slug);
  }

  deleteMeetingType(slug: string): void {
    this.types = undefined;
    this.sql.exec('DELETE FROM meeting_types WHERE slug = ?', slug);
  }

  /** Records a reminder as sent; false when it already was. */
  /** Meetings that ended before `before` (ms), oldest first: what retention deletes. */
  meetingsEndedBefore(before: number, limit: number): Meeting[] {
    return this.sql.exec<MeetingRow>('SELECT * FROM meetings WHERE end_ms < ? ORDER BY end_ms LIMIT ?', before, limit).toArray().map(toMeeting);
  }

  /** A meeting and its reminders' ledger rows (keyed `{meeting}:…`) go. */
  deleteMeeting(id: string): void {
    this.sql.exec('DELETE FROM meetings WHERE id = ?', id);
    this.sql.exec("DELETE FROM reminders_sent WHERE key >= ? AND key < ? || '\uffff'", `${id}:`, `${id}:`);
  }

  markReminderSent(key: string): boolean {
    return this.sql.exec('INSERT INTO reminders_sent (key, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING', key, Date.now()).rowsWritten > 0;
  }

  busyFeed(): BusyFeed | null {
    if (this.feed !== undefined) return this.feed;
    const row = this.sql
      .exec<{ url: string; intervals: string; last_success_at: number | null; last_error: string | null; last_error_at: number | null; failures: number; next_attempt_at: number | null }>(
        'SELECT * FROM busy_feed',
      )
      .toArray()[0];
    this.feed = row
      ? {
          url: row.url,
          intervals: JSON.parse(row.intervals),
          lastSuccessAt: row.last_success_at,
          lastError: row.last_error,
          lastErrorAt: row.last_error_at,
          failures: row.failures,
          nextAttemptAt: row.next_attempt_at,
        }
      : null;
    return this.feed;
  }

  /** A new feed URL (or none): the old URL's copy and state no longer apply. */
  resetBusyFeed(url: string | null, nextAttemptAt: number): void {
    this.feed = undefined;
    this.sql.exec('DELETE FROM busy_feed');
    if (url) this.sql.exec('INSERT INTO busy_feed (singleton, url, next_attempt_at) VALUES (1, ?, ?)', url, nextAttemptAt);
  }

  saveBusyFeed(feed: BusyFeed): void {
    this.feed = undefined;
    this.sql.exec(
      `INSERT INTO busy_feed (singleton, url, intervals, last_success_at, last_error, last_error_at, failures, next_attempt_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (singleton) DO UPDATE SET url = excluded.url, intervals = excluded.intervals, last_success_at = excluded.last_success_at,
         last_error = excluded.last_error, last_error_at = excluded.last_error_at, failures = excluded.failures, next_attempt_at = excluded.next_attempt_at`,
      feed.url, JSON.stringify(feed.intervals), feed.lastSuccessAt, feed.lastError, feed.lastErrorAt, feed.failures, feed.nextAttemptAt,
    );
  }

  /** Holds still valid at `now` overlapping [from, to). */
  holdsBetween(from: number, to: number, now: number): Hold[] {
    return this.sql.exec<HoldRow>('SELECT * FROM holds WHERE expires_at > ? AND start_ms < ? AND end_ms > ?', now, to, from).toArray().map(toHold);
  }

  hold(id: string): Hold | null {
    const row = this.sql.exec<HoldRow>('SELECT * FROM holds WHERE id = ?', id).toArray()[0];
    return row ? toHold(row) : null;
  }

  holdByToken(token: string): Hold | null {
    const row = this.sql.exec<HoldRow>('SELECT * FROM holds WHERE token = ?', token).toArray()[0];
    return row ? toHold(row) : null;
  }

  holdsOfPage(page: string): Hold[] {
    return this.sql.exec<HoldRow>('SELECT * FROM holds WHERE page = ?', page).toArray().map(toHold);
  }

  insertHold(h: Hold): void {
    this.sql.exec(
      'INSERT INTO holds (id, token, start_ms, end_ms, type_slug, page, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      h.id, h.token, h.start, h.end, h.typeSlug, h.page, h.expiresAt,
    );
  }

  deleteHold(id: string): boolean {
    return this.sql.exec('DELETE FROM holds WHERE id = ?', id).rowsWritten > 0;
  }
}
