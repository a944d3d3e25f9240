import { DurableObject } from 'cloudflare:workers';
import { backupStorage, type BackupAnswer, type BackupOp } from '../actor/backup';
import { Jobs, type JobHandlers, type JobResult, type PendingJob } from '../actor/jobs';
import { accept, refuse, type Outcome, type Refusal } from '../actor/outcome';
import { acceptReportSocket, broadcast, completeClose, READ_ONLY_FRAME } from '../actor/sockets';
import { agentParticipant, conversationIdFor, type AgentParticipant } from '../conversation/model';
import { newId } from '../directory/ids';
import { SEND_RETRY, type OutgoingEmail } from '../email/message';
import { backoffDelay } from '../actor/backoff';
import { brandOf } from '../email/layout';
import { emailJobHandler, senderAddress, type EmailJob } from '../email/mailer';
import { isDevelopment, type Env } from '../env';
import { emitWebhookEvents } from '../integrations/emit';
import { meetingEvent } from '../integrations/webhook-events';
import { clashes, computeSlots, type BusyInterval, type Slot } from './availability';
import { buildFeed, parseBusy } from './ical';
import { bookingPageUrl, meetingPageUrl, signMeetingLink } from './links';
import type { Answer, CalendarFrame, MeetingPageFrame, SlotChange, SlotsFrame } from './meeting';
import { meetingView } from './meeting-view';
import { MAX_MEETING_TYPES, meetingLocation, typeAvailability, type MeetingType, type MeetingTypePatch } from './meeting-types';
import { inviteEvent, meetingEmails, noteText, type CancelReason, type MeetingChange } from './notifications';
import { DEFAULT_HOLD_MINUTES, defaultSettings, type AvailabilitySettings, type CalendarSettings } from './settings';
import { FEED_BACKOFF, FEED_REFRESH_MS, fetchBusyFeed } from './busy-feed';
import { CalendarStore, migrate, type BusyFeed, type CalendarAgent, type Hold, type Meeting } from './store';
import { errorResponse, notFound } from '../http/errors';
import { rateLimited } from '../http/limits';
import { conversationActor } from '../conversation/stub';
import { DELETED_GUEST, ERASURE_RETRY, finishCalendarStep } from '../privacy/erasure';


/** The calendar's owner as the Worker read them from the directory. */
export type CalendarOwner = CalendarAgent & Pick<AgentParticipant, 'avatarUrl' | 'license'>;

export interface BookingRequest {
  start: number;
  durationMinutes: number;
  guest: { id: string; name: string; email: string; timeZone: string };
  /** A client's key for this attempt: retrying with it returns the same meeting (M2). */
  bookingKey: string | null;
  bookedBy: 'guest' | 'agent';
  /** The meeting type's slug; null books the default type. */
  type: string | null;
  /** Already checked against the type's questions (checkAnswers). */
  answers: Answer[];
  /** Booked from an offer in this conversation: the meeting joins it instead of having its own, and the offer is booked once. */
  offer?: { conversationId: string; offerId: string };
  /** The booking page's hold of this time: valid and matching, the booking cannot lose the slot. */
  holdToken?: string | null | undefined;
}

export interface HoldRequest {
  start: number;
  durationMinutes: number;
  /** The meeting type's slug; null holds for the default type. */
  type: string | null;
  /** The slots socket's page id (its first frame): a page has one hold, released when it leaves. */
  page: string;
}

/**
 * What the Worker tells the calendar about a public socket it forwards (never taken from the
 * client): a booking page's slots socket, or a guest's meeting page socket.
 */
export type PublicSocket = { kind: 'slots'; address: string; limited: boolean } | { kind: 'meeting'; meetingId: string };
export const PUBLIC_SOCKET_HEADER = 'x-doorbell-calendar-socket';

/** Bounds on public sockets (docs/api.md, "Limits"): each costs the calendar memory while open. */
export const SLOT_SOCKETS = { perCalendar: 500, perAddress: 10, perMeeting: 10 } as const;

// Tags of the calendar's sockets: `public` ones see no guest's details; the agent's have no tag.
const PUBLIC = 'public';
const SLOTS = 'slots';
const pageTag = (page: string) => `page:${page}`;
const addressTag = (address: string) => `address:${address.slice(0, 200)}`;
const meetingTag = (id: string) => `meeting:${id}`;

/** A booking key names one request: sent again with other details, it is refused. */
export const bookingKeyReused = (): Refusal => refuse(409, 'booking_key_reused', 'This booking key was sent before with other details; a new booking needs a new key.');

/** The calendar's jobs (actor/jobs.ts). Every kind but `email` is about a meeting and does nothing once it is gone. */
interface CalendarJobs {
  /** The note in the meeting conversation. */
  note: { meetingId: string; change: MeetingChange; clientId: string };
  /** Both emails of a change, as the change left the meeting; each becomes an `email` job. */
  emails: { meetingId: string; change: MeetingChange; meeting: Meeting; reason?: CancelReason };
  webhook: { meetingId: string; change: MeetingChange; version: string; meeting: Meeting; extra?: Record<string, unknown> };
  reminder: { meetingId: string; minutes: number; start: number };
  email: EmailJob;
  /** Fetches the busy feed, then runs again when its copy is due for a refresh or a retry. */
  feed: Record<string, never>;
  /** Retention: meetings that ended before `before` (ms) are deleted, a page per run (docs/privacy.md "Retention"). */
  expire: { before: number };
  /** Releases a hold once it expires. */
  hold: { holdId: string };
  /** This calendar's part of a guest's erasure (docs/privacy.md). */
  erase: { erasureId: string; guestId: string };
}

/** Meetings deleted per run of an `expire` job: each may ask its conversation's actor to purge itself. */
const EXPIRE_PAGE = 50;

/**
 * One agent's calendar (M1–M7): availability settings, meetings, and a table of due jobs
 * (emails, conversation notes, reminders) served by the one alarm. A booking's final
 * availability check and its insert run with no await between them, so the actor's
 * single thread makes concurrent attempts on one slot resolve to exactly one winner.
 */
export class CalendarActor extends DurableObject<Env> {
  private readonly store: CalendarStore;
  private readonly jobs: Jobs<CalendarJobs>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage.sql);
    this.store = new CalendarStore(ctx.storage.sql);
    this.jobs = new Jobs(ctx.storage, { kind: 'calendar', id: ctx.id.toString() });
    // Pings keep report sockets open without waking the calendar from hibernation.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ---- settings, slots, feed -------------------------------------------------------------

  async settings(owner: CalendarOwner): Promise<{ settings: CalendarSettings; feedSecret: string }> {
    const { settings, feedSecret } = this.calendar(owner);
    return { settings, feedSecret };
  }

  async updateSettings(owner: CalendarOwner, patch: Partial<CalendarSettings>): Promise<CalendarSettings> {
    const current = this.calendar(owner);
    const settings = { ...current.settings, ...patch };
    const feedChanged = settings.busyFeedUrl !== current.settings.busyFeedUrl;
    this.ctx.storage.transactionSync(() => {
      this.store.saveCalendar(owner, settings, current.feedSecret);
      // A new feed URL is fetched at once, by the feed job; the old URL's copy no longer applies.
      if (feedChanged) {
        this.store.resetBusyFeed(settings.busyFeedUrl || null, Date.now());
        if (settings.busyFeedUrl) this.jobs.enqueue('feed', 'feed', Date.now(), {});
        else this.jobs.cancel('feed');
      }
    });
    if (feedChanged) await this.jobs.arm();
    this.broadcast({ type: 'settings', settings });
    this.slotsFrame({ type: 'refresh' });
    return settings;
  }

  /** M1: how fetching the busy feed went, for the agent; null without a feed URL. */
  async busyFeed(owner: CalendarOwner): Promise<BusyFeed | null> {
    return this.calendar(owner).settings.busyFeedUrl ? this.store.busyFeed() : null;
  }

  async rotateFeedSecret(owner: CalendarOwner): Promise<string> {
    const current = this.calendar(owner);
    const secret = newId('fd');
    this.store.saveCalendar(owner, current.settings, secret);
    return secret;
  }

  /** M7: the agent's meetings as an iCalendar feed, or null for a wrong secret. */
  async feed(owner: CalendarOwner, secret: string): Promise<string | null> {
    const current = this.calendar(owner);
    if (!timingSafeEqualText(secret, current.feedSecret)) return null;
    const organizer = senderAddress(this.env);
    const events = this.store.allMeetings().filter((m) => m.status !== 'cancelled').map((m) => inviteEvent(owner, m, organizer, 'agent'));
    return buildFeed(`${owner.name} — Doorbell meetings`, events);
  }

  /**
   * The times a meeting can move to, at its own length, as its guest's meeting page offers
   * them: in its type's availability even when the type is hidden, or as the type was when it
   * was deleted; the meeting's own time counts as free, as when it is moved.
   */
  async meetingSlots(owner: CalendarOwner, meetingId: string, from: number, to: number): Promise<Outcome<{ availability: AvailabilitySettings; durationMinutes: number; slots: Slot[] }>> {
    const { settings } = this.calendar(owner);
    const current = this.store.meeting(meetingId);
    if (!current || current.status === 'cancelled') return meetingNotFound();
    const durationMinutes = lengthOf(current);
    const availability = this.moveAvailability(settings, current);
    const slots = freeSlots(availability, from, to, durationMinutes, await this.busy(settings, from, to, { meeting: current.id }));
    return slots.ok ? accept({ availability, durationMinutes, slots: slots.value }) : slots;
  }

  /**
   * A booking page's question in one call: the type as guests may book it (guestType), and
   * its free slots in [from, to) of `durationMinutes` (null: the type's first duration).
   * `page`: the slots as that booking page sees them, its own hold not counted.
   */
  async guestSlots(
    owner: CalendarOwner,
    slug: string | null,
    from: number,
    to: number,
    durationMinutes: number | null,
    page?: string,
  ): Promise<Outcome<{ type: MeetingType; availability: AvailabilitySettings; durationMinutes: number; slots: Slot[] }>> {
    const found = await this.guestType(owner, slug);
    if (!found.ok) return found;
    const { type, availability } = found.value;
    const duration = durationMinutes ?? availability.durations[0]!;
    const slots = freeSlots(availability, from, to, duration, await this.busy(this.calendar(owner).settings, from, to, { page }));
    return slots.ok ? accept({ type, availability, durationMinutes: duration, slots: slots.value }) : slots;
  }

  async meetings(owner: CalendarOwner): Promise<Meeting[]> {
    this.calendar(owner);
    return this.store.allMeetings();
  }

  async meeting(owner: CalendarOwner, meetingId: string): Promise<Outcome<Meeting>> {
    this.calendar(owner);
    const meeting = this.store.meeting(meetingId);
    return meeting ? accept(meeting) : meetingNotFound();
  }

  // ---- meeting types ---------------------------------------------------------------------

  async meetingTypes(owner: CalendarOwner): Promise<MeetingType[]> {
    this.calendar(owner);
    return this.store.meetingTypes();
  }

  /** The type named, or the default one (the first) for null. */
  async meetingType(owner: CalendarOwner, slug: string | null): Promise<Outcome<MeetingType>> {
    this.calendar(owner);
    return this.findType(slug);
  }

  /**
   * A type as guests may book it, with the availability it books in, in one call (every
   * guest route asks both first). A hidden type is not the guests' to book: 404, as for a
   * type that does not exist.
   */
  async guestType(owner: CalendarOwner, slug: string | null): Promise<Outcome<{ type: MeetingType; availability: AvailabilitySettings }>> {
    const { settings } = this.calendar(owner);
    const type = this.findType(slug);
    if (!type.ok) return type;
    return type.value.hidden ? typeNotFound() : accept({ type: type.value, availability: typeAvailability(settings.availability, type.value) });
  }

  async createMeetingType(owner: CalendarOwner, type: MeetingType): Promise<Outcome<MeetingType>> {
    this.calendar(owner);
    const types = this.store.meetingTypes();
    if (types.some((t) => t.slug === type.slug)) return typeExists(type.slug);
    if (types.length >= MAX_MEETING_TYPES) return refuse(409, 'meeting_type_limit', `A calendar has at most ${MAX_MEETING_TYPES} meeting types; delete one first.`, { limit: String(MAX_MEETING_TYPES) });
    this.store.saveMeetingType(type, null);
    this.slotsFrame({ type: 'refresh' });
    return accept(type);
  }

  async updateMeetingType(owner: CalendarOwner, slug: string, patch: MeetingTypePatch): Promise<Outcome<MeetingType>> {
    this.calendar(owner);
    const current = this.store.meetingTypes().find((t) => t.slug === slug);
    if (!current) return typeNotFound();
    const updated: MeetingType = { ...current, ...patch };
    if (updated.slug !== slug && this.store.meetingTypes().some((t) => t.slug === updated.slug)) return typeExists(updated.slug);
    this.ctx.storage.transactionSync(() => {
      // A meeting keeps its type as booked: under the old slug it follows the rules of then.
      if (updated.slug !== slug) this.store.keepTypeRules(slug, current);
      this.store.saveMeetingType(updated, slug);
    });
    this.slotsFrame({ type: 'refresh' });
    return accept(updated);
  }

  /** Booked meetings keep their type's name, location and answers, and its rules to be moved in; only new bookings are gone. */
  async deleteMeetingType(owner: CalendarOwner, slug: string): Promise<Outcome<MeetingType>> {
    this.calendar(owner);
    const types = this.store.meetingTypes();
    const current = types.find((t) => t.slug === slug);
    if (!current) return typeNotFound();
    if (types.length === 1) return refuse(409, 'meeting_type_last', 'A calendar keeps at least one meeting type: change this one instead.');
    this.ctx.storage.transactionSync(() => {
      this.store.keepTypeRules(slug, current);
      this.store.deleteMeetingType(slug);
    });
    this.slotsFrame({ type: 'refresh' });
    return accept(current);
  }

  // ---- booking and changes ---------------------------------------------------------------

  /** M2 / M6: book a slot if it is still free; exactly one of concurrent attempts wins. */
  async book(owner: CalendarOwner, request: BookingRequest): Promise<Outcome<{ meeting: Meeting; created: boolean; guestLink: string }>> {
    const { settings } = this.calendar(owner);
    const type = this.findType(request.type);
    if (!type.ok) return type;
    const end = request.start + request.durationMinutes * 60_000;
    // Everything asynchronous happens before the check-and-insert below, which must
    // contain no await: an await would let another booking of the same slot interleave.
    const meetingId = newId('mt');
    // Each meeting has its own conversation (M2), unless it was offered in one.
    const conversationId = request.offer?.conversationId ?? (await conversationIdFor(`meeting|${meetingId}`));
    const external = await this.externalBusy(settings);

    // An offer is its own booking key: booked once, whoever tries again.
    const bookingKey = request.offer ? `offer:${request.offer.offerId}` : request.bookingKey;
    if (bookingKey) {
      const existing = this.store.meetingByBookingKey(bookingKey);
      if (existing) {
        // Only a true retry gets the meeting back: the answer carries its guest's token and link.
        const same = existing.start === request.start && existing.end === end && existing.guest.email === request.guest.email && existing.guest.name === request.guest.name && existing.type.slug === type.value.slug;
        if (!same) return request.offer ? refuse(409, 'offer_booked', 'This offer was booked already: ask for a new one to book another meeting.') : bookingKeyReused();
        return accept({ meeting: existing, created: false, guestLink: await this.guestLink(owner, existing) });
      }
    }
    const hold = request.holdToken ? this.store.holdByToken(request.holdToken) : null;
    // The hold was checked when placed and has been busy time for everyone else since.
    const own = hold && hold.expiresAt > Date.now() && hold.start === request.start && hold.end === end && hold.typeSlug === type.value.slug;
    if (!own) {
      const free = this.slotIsFree(typeAvailability(settings.availability, type.value), request.start, request.durationMinutes, external, {});
      if (!free.ok) return free;
    }
    const meeting: Meeting = {
      id: meetingId,
      status: settings.confirmation === 'auto' ? 'confirmed' : 'pending',
      start: request.start,
      end,
      sequence: 0,
      guest: request.guest,
      conversationId,
      bookedBy: request.bookedBy,
      type: { slug: type.value.slug, title: type.value.title },
      location: meetingLocation(type.value.location, this.env.JITSI_BASE_URL || 'https://meet.jit.si'),
      answers: request.answers,
      ...(request.offer ? { offerId: request.offer.offerId } : {}),
    };
    const outplaced = this.ctx.storage.transactionSync(() => {
      this.store.insertMeeting(meeting, bookingKey);
      if (hold) this.dropHold(hold);
      this.afterChange(owner, settings, meeting, 'booked');
      return this.cancelOutplaced(owner, settings, meeting);
    });
    this.announce(null, meeting, outplaced, hold ? [hold] : []);
    // The meeting conversation is created now so the guest can open it from the answer;
    // if that fails the queued note creates it on the alarm's retry.
    await this.jobs.runDue(this.handlers(owner), { prefix: `note:${meeting.id}:` });
    await this.jobs.arm();
    return accept({ meeting, created: true, guestLink: await this.guestLink(owner, meeting) });
  }

  /** M4: reschedule and/or change the duration, checked against availability like a booking. */
  async change(owner: CalendarOwner, meetingId: string, change: { start?: number | undefined; durationMinutes?: number | undefined }): Promise<Outcome<Meeting>> {
    const { settings } = this.calendar(owner);
    const external = await this.externalBusy(settings);
    const current = this.store.meeting(meetingId);
    if (!current || current.status === 'cancelled') return meetingNotFound();
    const start = change.start ?? current.start;
    const duration = change.durationMinutes ?? lengthOf(current);
    const free = this.slotIsFree(this.moveAvailability(settings, current), start, duration, external, { meeting: current.id });
    if (!free.ok) return free;
    const updated: Meeting = { ...current, start, end: start + duration * 60000, sequence: current.sequence + 1 };
    if (updated.start === current.start && updated.end === current.end) return accept(current);
    const kind: MeetingChange = updated.start !== current.start ? 'rescheduled' : 'duration_changed';
    const outplaced = this.ctx.storage.transactionSync(() => {
      this.store.updateMeeting(updated);
      this.afterChange(owner, settings, updated, kind);
      return this.cancelOutplaced(owner, settings, updated);
    });
    return this.settle(owner, current, updated, outplaced);
  }

  async cancel(owner: CalendarOwner, meetingId: string): Promise<Outcome<Meeting>> {
    const { settings } = this.calendar(owner);
    const current = this.store.meeting(meetingId);
    if (!current) return meetingNotFound();
    return this.cancelMeeting(owner, settings, current, 'cancelled');
  }

  /** A cancellation or a declined invite: the meeting is cancelled, once (again changes nothing). */
  private async cancelMeeting(owner: CalendarOwner, settings: CalendarSettings, current: Meeting, kind: 'cancelled' | 'declined'): Promise<Outcome<Meeting>> {
    if (current.status === 'cancelled') return accept(current);
    const cancelled: Meeting = { ...current, status: 'cancelled', sequence: current.sequence + 1 };
    this.ctx.storage.transactionSync(() => {
      this.store.updateMeeting(cancelled);
      this.afterChange(owner, settings, cancelled, kind);
    });
    return this.settle(owner, current, cancelled);
  }

  /**
   * A guest's erasure reached this calendar (docs/privacy.md): its part runs as a job, started
   * at once. False when the calendar holds no meeting of theirs.
   */
  async eraseGuest(erasureId: string, guestId: string): Promise<boolean> {
    const owner = this.store.calendar()?.agent as CalendarOwner | undefined;
    if (!owner || this.store.meetingsOf(guestId).length === 0) return false;
    this.jobs.enqueue('erase', `erase:${erasureId}`, Date.now(), { erasureId, guestId });
    this.ctx.waitUntil(this.alarm());
    return true;
  }

  /** The meetings booked with a guest (their export, docs/privacy.md). */
  async guestMeetings(guestId: string): Promise<Meeting[]> {
    return this.store.meetingsOf(guestId);
  }

  /**
   * Every meeting forgets the guest's name and answers, then upcoming ones are cancelled the
   * usual way (the CANCEL to both calendars, the note, which so names no one), and then the
   * address goes too. The cancellation's emails carry the meeting as it was cancelled, so the
   * guest is still told.
   */
  private async eraseMeetings(owner: CalendarOwner, { erasureId, guestId }: CalendarJobs['erase']): Promise<void> {
    const { settings } = this.calendar(owner);
    this.store.forgetGuest(guestId, DELETED_GUEST, true);
    for (const meeting of this.store.meetingsOf(guestId)) {
      if (meeting.status !== 'cancelled' && meeting.end > Date.now()) await this.cancelMeeting(owner, settings, meeting, 'cancelled');
    }
    this.store.forgetGuest(guestId, DELETED_GUEST, false);
    await finishCalendarStep(this.env, erasureId, owner.id);
  }

  /** M3: the agent's answer to an invite, from their calendar's iTIP REPLY or the API. */
  async respond(owner: CalendarOwner, meetingId: string, answer: 'ACCEPTED' | 'DECLINED'): Promise<Outcome<Meeting>> {
    const { settings } = this.calendar(owner);
    const current = this.store.meeting(meetingId);
    if (!current) return meetingNotFound();
    if (answer === 'DECLINED') return this.cancelMeeting(owner, settings, current, 'declined');
    if (current.status !== 'pending') return accept(current);
    const external = await this.externalBusy(settings);
    const fresh = this.store.meeting(meetingId)!;
    if (fresh.status !== 'pending') return accept(fresh);
    // Accepting makes the meeting hold its slot, so the slot (and both buffers) must still be free of other held meetings and of holds.
    const taken = this.clash(settings.availability, fresh, external, { meeting: fresh.id });
    if (taken) return taken;
    const confirmed: Meeting = { ...fresh, status: 'confirmed' };
    const outplaced = this.ctx.storage.transactionSync(() => {
      this.store.updateMeeting(confirmed);
      this.afterChange(owner, settings, confirmed, 'confirmed');
      return this.cancelOutplaced(owner, settings, confirmed);
    });
    return this.settle(owner, fresh, confirmed, outplaced);
  }

  // ---- holds -----------------------------------------------------------------------------

  /** Holds a time for a booking page, releasing the page's previous hold; checked like a booking. */
  async placeHold(owner: CalendarOwner, request: HoldRequest): Promise<Outcome<Hold>> {
    const { settings } = this.calendar(owner);
    const type = this.findType(request.type);
    if (!type.ok) return type;
    if (this.openSockets(pageTag(request.page)) === 0) {
      return refuse(400, 'invalid_request', 'page: no open slots socket has this page id; open one first (its first frame names it).');
    }
    const external = await this.externalBusy(settings);
    // From here to the insert, no await: of concurrent holds and bookings of one slot exactly one wins.
    const free = this.slotIsFree(typeAvailability(settings.availability, type.value), request.start, request.durationMinutes, external, { page: request.page });
    if (!free.ok) return free;
    const hold: Hold = {
      id: newId('hd'),
      token: newId('ht'),
      start: request.start,
      end: request.start + request.durationMinutes * 60_000,
      typeSlug: type.value.slug,
      page: request.page,
      expiresAt: Date.now() + settings.holdMinutes * 60_000,
    };
    const released = this.store.holdsOfPage(request.page);
    this.ctx.storage.transactionSync(() => {
      for (const old of released) this.dropHold(old);
      this.store.insertHold(hold);
      this.jobs.enqueue('hold', `hold:${hold.id}`, hold.expiresAt, { holdId: hold.id });
    });
    await this.jobs.arm();
    // The page that holds knows; every other page sees the time go.
    this.slotsFrame({ type: 'slots', changed: [...released.map((h) => slotChange(h, 'free')), slotChange(hold, 'held')] }, request.page);
    return accept(hold);
  }

  /** The page lets go of its hold (the guest chose another time, or left). */
  async releaseHold(owner: CalendarOwner, token: string): Promise<Outcome<true>> {
    this.calendar(owner);
    const hold = this.store.holdByToken(token);
    if (!hold) return refuse(404, 'not_found', 'Hold was not found (released, expired or used).');
    await this.release([hold]);
    return accept(true);
  }

  // ---- the alarm and its jobs ------------------------------------------------------------

  override async alarm(): Promise<void> {
    const owner = this.store.calendar()?.agent as CalendarOwner | undefined;
    if (owner) await this.jobs.runDue(this.handlers(owner));
    await this.jobs.arm();
  }

  /**
   * Retention's request to delete the meetings that ended before `before` (ms): queued as a
   * job, so a calendar of thousands of meetings is deleted in pages. A request while one waits
   * keeps the waiting one's time (a day apart, the difference does not matter).
   */
  async expire(before: number): Promise<void> {
    if (!this.store.calendar()) return;
    this.jobs.enqueue('expire', 'expire', Date.now(), { before });
    await this.jobs.arm();
  }

  /** Pending jobs, for tests and the console. */
  async pendingJobs(): Promise<PendingJob[]> {
    return this.jobs.pending();
  }

  /** A page of this calendar's storage for a backup, or a page of a backup written into it (docs/backups.md). */
  async backup(op: BackupOp): Promise<BackupAnswer> {
    return backupStorage(this.ctx.storage, op, () => this.jobs.arm());
  }

  // ---- live calendar socket --------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const header = request.headers.get(PUBLIC_SOCKET_HEADER);
    // The agent's route forwards the client's headers: only the public routes name a public socket.
    if (!header || new URL(request.url).pathname === '/api/calendar/socket') {
      return acceptReportSocket(this.ctx, request, { type: 'meetings', meetings: this.store.allMeetings() } satisfies CalendarFrame);
    }
    const socket = JSON.parse(header) as PublicSocket;
    return socket.kind === 'slots' ? this.acceptSlotsSocket(request, socket) : this.acceptMeetingSocket(request, socket);
  }

  override async webSocketMessage(ws: WebSocket): Promise<void> {
    ws.send(READ_ONLY_FRAME);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    completeClose(ws, code, reason);
    // A booking page that leaves lets go of its hold.
    const page = this.ctx.getTags(ws).find((t) => t.startsWith('page:'));
    if (page) await this.release(this.store.holdsOfPage(page.slice('page:'.length)));
  }

  private acceptSlotsSocket(request: Request, socket: Extract<PublicSocket, { kind: 'slots' }>): Response {
    if (this.openSockets(SLOTS) >= SLOT_SOCKETS.perCalendar) {
      return errorResponse(rateLimited('slot_sockets_per_calendar', 10, `At most ${SLOT_SOCKETS.perCalendar} booking pages follow one calendar at a time: try again shortly.`));
    }
    if (socket.limited && this.openSockets(addressTag(socket.address)) >= SLOT_SOCKETS.perAddress) {
      return errorResponse(rateLimited('slot_sockets_per_address', 10, `At most ${SLOT_SOCKETS.perAddress} booking pages per address follow one calendar: close one first.`));
    }
    const page = newId('pg');
    const { settings } = this.store.calendar() ?? { settings: null };
    return acceptReportSocket(this.ctx, request, {
      type: 'page',
      page,
      holdMinutes: settings?.holdMinutes ?? DEFAULT_HOLD_MINUTES,
    } satisfies SlotsFrame, [PUBLIC, SLOTS, pageTag(page), addressTag(socket.address)]);
  }

  private acceptMeetingSocket(request: Request, socket: Extract<PublicSocket, { kind: 'meeting' }>): Response {
    const meeting = this.store.meeting(socket.meetingId);
    if (!meeting) return errorResponse(notFound('Meeting'));
    if (this.openSockets(meetingTag(meeting.id)) >= SLOT_SOCKETS.perMeeting) {
      return errorResponse(rateLimited('sockets_per_meeting', 10, `At most ${SLOT_SOCKETS.perMeeting} pages follow one meeting: close one first.`));
    }
    return acceptReportSocket(this.ctx, request, { type: 'meeting', meeting: meetingView(meeting) } satisfies MeetingPageFrame, [PUBLIC, meetingTag(meeting.id)]);
  }

  // ---- internals -------------------------------------------------------------------------

  private calendar(owner: CalendarOwner): { settings: CalendarSettings; feedSecret: string } {
    const stored = this.store.calendar();
    if (stored) {
      // The directory is the source of the owner's name, email and zone; keep the copy the alarm uses fresh.
      if (JSON.stringify(stored.agent) !== JSON.stringify(owner)) this.store.saveCalendar(owner, stored.settings, stored.feedSecret);
      return stored;
    }
    const created = { settings: defaultSettings(owner.timeZone), feedSecret: newId('fd') };
    this.store.saveCalendar(owner, created.settings, created.feedSecret);
    return created;
  }

  /**
   * Where a meeting may move: its type's availability (hidden or not), or the copy it kept when
   * the type was deleted or renamed (the calendar's own for one deleted before copies were
   * kept). Its own length stays bookable even if the type no longer offers it.
   */
  private moveAvailability(settings: CalendarSettings, meeting: Meeting): AvailabilitySettings {
    const type = this.findType(meeting.type.slug);
    const rules = this.store.meetingTypeRules(meeting.id) ?? (type.ok ? type.value : null);
    const availability = rules ? typeAvailability(settings.availability, rules) : settings.availability;
    const length = lengthOf(meeting);
    return availability.durations.includes(length) ? availability : { ...availability, durations: [...availability.durations, length] };
  }

  private findType(slug: string | null): Outcome<MeetingType> {
    const types = this.store.meetingTypes();
    const type = slug === null ? types[0] : types.find((t) => t.slug === slug);
    return type ? accept(type) : typeNotFound();
  }

  private slotIsFree(availability: AvailabilitySettings, start: number, durationMinutes: number, external: BusyInterval[], ignore: Ignore): Outcome<true> {
    if (!availability.durations.includes(durationMinutes)) {
      return refuse(400, 'invalid_request', `Durations offered are ${availability.durations.join(', ')} minutes.`);
    }
    const busy = [...this.heldMeetings(start - 86_400_000, start + 86_400_000, ignore.meeting ?? null), ...external, ...this.holdsBusy(start, ignore.page)];
    const slots = computeSlots(availability, { from: start, to: start + 1, durationMinutes, now: Date.now() }, busy);
    if (slots.some((s) => s.start === start)) return accept(true);
    return (
      this.clash(availability, { start, end: start + durationMinutes * 60000 }, external, ignore) ??
      refuse(409, 'slot_unavailable', 'That time is not bookable (outside working hours, too soon or too far ahead).')
    );
  }

  /** Why `[start, end)` (with its buffers) cannot be had: a meeting or busy time (`slot_taken`), else a hold (`slot_held`, with when it frees). */
  private clash(availability: AvailabilitySettings, slot: Slot, external: BusyInterval[], ignore: Ignore): Refusal | null {
    if (clashes(availability, slot, [...this.heldMeetings(slot.start - 86_400_000, slot.end + 86_400_000, ignore.meeting ?? null), ...external])) {
      return refuse(409, 'slot_taken', 'That time was just taken; please pick another slot.');
    }
    const holds = this.store.holdsBetween(slot.start - 86_400_000, slot.end + 86_400_000, Date.now()).filter((h) => h.page !== ignore.page && clashes(availability, slot, [holdBusy(h)]));
    if (holds.length === 0) return null;
    const freesAt = new Date(Math.max(...holds.map((h) => h.expiresAt))).toISOString();
    return refuse(409, 'slot_held', `Another guest is booking this time; it frees at ${freesAt} unless they book it.`, { freesAt });
  }

  /** Valid holds near `at` as busy time; a hold keeps buffers as the meeting it may become. */
  private holdsBusy(at: number, exceptPage?: string): BusyInterval[] {
    return this.store.holdsBetween(at - 2 * 86_400_000, at + 2 * 86_400_000, Date.now()).filter((h) => h.page !== exceptPage).map(holdBusy);
  }

  /** Meetings that hold their slot: confirmed ones (M3: a pending invite does not). */
  private heldMeetings(from: number, to: number, ignore: string | null): BusyInterval[] {
    return this.store.heldBetween(from, to, ignore).map((m) => ({ ...m, meeting: true }));
  }

  private async busy(settings: CalendarSettings, from: number, to: number, ignore: Ignore): Promise<BusyInterval[]> {
    const external = await this.externalBusy(settings);
    const holds = this.store.holdsBetween(from - 86_400_000, to + 86_400_000, Date.now()).filter((h) => h.page !== ignore.page).map(holdBusy);
    return [...this.heldMeetings(from - 86_400_000, to + 86_400_000, ignore.meeting ?? null), ...external, ...holds];
  }

  /**
   * M1: busy times of the agent's ICS feed, from the last good copy: a request never waits on
   * the feed's host. The feed job keeps the copy fresh; one is queued if none is (a calendar
   * whose URL was set before feeds had a job of their own).
   */
  private async externalBusy(settings: CalendarSettings): Promise<BusyInterval[]> {
    const url = settings.busyFeedUrl;
    if (!url) return [];
    if (!this.jobs.has('feed')) {
      this.jobs.enqueue('feed', 'feed', Date.now(), {});
      await this.jobs.arm();
    }
    const feed = this.store.busyFeed();
    return feed && feed.url === url ? feed.intervals : [];
  }

  /**
   * The `feed` job: fetches the busy feed (bounded in time, size and redirects; busy-feed.ts),
   * records how it went, and runs again (`again`): a refresh after a success, a retry with the
   * feed's backoff after a failure. A failure keeps the last good copy. It never throws, so the
   * kernel's own retries do not apply to it.
   */
  /**
   * One page of retention: each meeting goes with its queued work, and a conversation made for
   * it alone (not the chat it was booked from) is deleted too. Runs again while pages are full.
   */
  private async expireMeetings(before: number): Promise<JobResult> {
    const page = this.store.meetingsEndedBefore(before, EXPIRE_PAGE);
    for (const meeting of page) {
      if (meeting.conversationId === (await conversationIdFor(`meeting|${meeting.id}`))) await conversationActor(this.env, meeting.conversationId).purge(meeting.conversationId);
      for (const kind of ['note', 'emails', 'email', 'webhook', 'reminder'] as const) this.jobs.cancel(`${kind}:${meeting.id}:`);
      this.store.deleteMeeting(meeting.id);
    }
    if (page.length > 0) console.log(JSON.stringify({ event: 'retention.meetings', deleted: page.length }));
    return page.length === EXPIRE_PAGE ? { again: Date.now() } : undefined;
  }

  private async refreshBusyFeed(owner: CalendarOwner): Promise<JobResult> {
    const { settings } = this.calendar(owner);
    const url = settings.busyFeedUrl;
    if (!url) return;
    let outcome: { intervals: BusyInterval[] } | { error: string };
    try {
      const text = await fetchBusyFeed(url, isDevelopment(this.env));
      const now = Date.now();
      outcome = { intervals: parseBusy(text, owner.email, { start: now - 86_400_000, end: now + (settings.availability.horizonDays + 1) * 86_400_000 }) };
    } catch (err) {
      outcome = { error: err instanceof Error ? err.message : String(err) };
    }
    // The URL changed while this one was fetched: the new URL has its own job.
    if (this.calendar(owner).settings.busyFeedUrl !== url) return;
    const previous = this.store.busyFeed();
    const last = previous?.url === url ? previous : { url, intervals: [], lastSuccessAt: null, lastError: null, lastErrorAt: null, failures: 0, nextAttemptAt: null };
    const now = Date.now();
    const feed: BusyFeed =
      'intervals' in outcome
        ? { url, intervals: outcome.intervals, lastSuccessAt: now, lastError: null, lastErrorAt: null, failures: 0, nextAttemptAt: now + FEED_REFRESH_MS }
        : { ...last, lastError: outcome.error, lastErrorAt: now, failures: last.failures + 1, nextAttemptAt: now + backoffDelay(FEED_BACKOFF, last.failures + 1) };
    // The host only: a private calendar's feed URL is its password (docs/privacy.md "Logs").
    if ('error' in outcome) console.warn('busy feed failed', new URL(url).host, outcome.error);
    this.store.saveBusyFeed(feed);
    return { again: feed.nextAttemptAt! };
  }

  /**
   * M3: once a meeting holds its time, the pending invites that clash with it could never be
   * accepted; they are cancelled rather than left pending, and their guests are told the
   * time was given to someone else. Runs inside the transaction of the change that holds it.
   */
  private cancelOutplaced(owner: CalendarOwner, settings: CalendarSettings, holder: Meeting): Meeting[] {
    if (holder.status !== 'confirmed') return [];
    const held = [{ start: holder.start, end: holder.end, meeting: true }];
    const losers = this.store
      .meetingsBetween(holder.start - 86_400_000, holder.end + 86_400_000)
      .filter((m) => m.status === 'pending' && m.id !== holder.id && clashes(settings.availability, m, held))
      .map((m): Meeting => ({ ...m, status: 'cancelled', sequence: m.sequence + 1 }));
    for (const loser of losers) {
      this.store.updateMeeting(loser);
      this.afterChange(owner, settings, loser, 'cancelled', 'given_away');
    }
    return losers;
  }

  /** Queues what a change causes: the note in the meeting conversation, both emails, and the reminders. */
  private afterChange(owner: CalendarOwner, settings: CalendarSettings, meeting: Meeting, change: MeetingChange, reason?: CancelReason): void {
    const version = `${meeting.sequence}:${meeting.status}`;
    const now = Date.now();
    this.jobs.enqueue('note', `note:${meeting.id}:${change}:${version}`, now, { meetingId: meeting.id, change, clientId: `meeting:${meeting.id}:${change}:${version}` });
    // The emails describe the meeting as this change left it, even if another change follows before they go out.
    this.jobs.enqueue('emails', `emails:${meeting.id}:${change}:${version}`, now, { meetingId: meeting.id, change, meeting, reason });
    this.jobs.enqueue('webhook', `webhook:${meeting.id}:${change}:${version}`, now, { meetingId: meeting.id, change, version, meeting });
    // Reminders follow the meeting: dropped and set again from its current time (M5).
    this.jobs.cancel(`reminder:${meeting.id}:`);
    if (meeting.status !== 'cancelled') {
      for (const minutes of settings.reminderMinutes) {
        const due = meeting.start - minutes * 60000;
        if (due > now) this.jobs.enqueue('reminder', `reminder:${meeting.id}:${minutes}`, due, { meetingId: meeting.id, minutes, start: meeting.start });
      }
    }
  }

  private async settle(owner: CalendarOwner, before: Meeting, meeting: Meeting, outplaced: Meeting[] = []): Promise<Outcome<Meeting>> {
    this.announce(before, meeting, outplaced, []);
    await this.jobs.runDue(this.handlers(owner), { prefix: `note:${meeting.id}:` });
    await this.jobs.arm();
    return accept(meeting);
  }

  /**
   * The calendar's job handlers. Each is idempotent (notes by client id, emails as one job
   * per change and recipient, reminders by their ledger), so an alarm that fires twice or a
   * restart mid-run repeats nothing a person sees twice, except an email whose sending
   * succeeded just before a crash (at-least-once delivery at the provider boundary). Every
   * kind retries as an email send does: for about an hour, only a refused email at once.
   */
  private handlers(owner: CalendarOwner): JobHandlers<CalendarJobs> {
    const meeting = (id: string): Meeting | null => this.store.meeting(id);
    return {
      email: emailJobHandler(this.env, this.jobs),
      expire: { run: ({ before }) => this.expireMeetings(before), retry: SEND_RETRY },
      hold: {
        // Deleted already when the hold was used or released; an early run waits for the expiry.
        run: async ({ holdId }) => {
          const hold = this.store.hold(holdId);
          if (!hold) return;
          if (hold.expiresAt > Date.now()) return { again: hold.expiresAt };
          this.store.deleteHold(hold.id);
          this.slotsFrame({ type: 'slots', changed: [slotChange(hold, 'free')] });
        },
        retry: SEND_RETRY,
      },
      erase: { run: (payload) => this.eraseMeetings(owner, payload), retry: ERASURE_RETRY },
      // Never throws: a failure is recorded for the agent and retried with the feed's own backoff.
      feed: { run: () => this.refreshBusyFeed(owner), retry: SEND_RETRY },
      note: {
        run: async ({ meetingId, change, clientId }) => {
          const current = meeting(meetingId);
          if (current) await this.postNote(owner, current, change, clientId);
        },
        retry: SEND_RETRY,
      },
      emails: {
        run: async ({ meetingId, change, meeting: described, reason }) => {
          if (!meeting(meetingId)) return;
          const emails = meetingEmails(change, owner, described, {
            from: senderAddress(this.env),
            brand: brandOf(this.env),
            guestLink: await this.guestLink(owner, described),
            consoleUrl: `${this.env.PUBLIC_BASE_URL}/console`,
            reason,
            bookingUrl: bookingPageUrl(this.env, owner.slug),
          });
          // Each recipient's email becomes its own job, so a failure for one is retried without resending the other.
          emails.forEach((email, index) =>
            this.jobs.enqueue('email', `email:${described.id}:${change}:${described.sequence}:${described.status}:${described.start}:${index}`, Date.now(), { email }),
          );
        },
        retry: SEND_RETRY,
      },
      reminder: {
        run: (payload) => {
          const current = meeting(payload.meetingId);
          // A reminder for a time the meeting no longer has is stale (it was moved): skip it.
          if (!current || current.status === 'cancelled' || current.start !== payload.start) return;
          const key = `${current.id}:${payload.minutes}:${current.start}`;
          // The ledger row and the jobs it causes are written together: either this reminder
          // was sent before and nothing is queued, or it is recorded and queued at once.
          this.ctx.storage.transactionSync(() => {
            if (!this.store.markReminderSent(key)) return;
            const now = Date.now();
            this.jobs.enqueue('note', `note:${current.id}:reminder:${key}`, now, { meetingId: current.id, change: 'reminder', clientId: `meeting:reminder:${key}` });
            this.jobs.enqueue('emails', `emails:${current.id}:reminder:${key}`, now, { meetingId: current.id, change: 'reminder', meeting: current });
            this.jobs.enqueue('webhook', `webhook:${current.id}:reminder:${key}`, now, {
              meetingId: current.id,
              change: 'reminder',
              version: key,
              meeting: current,
              extra: { minutesBefore: payload.minutes },
            });
          });
        },
        retry: SEND_RETRY,
      },
      webhook: {
        run: async ({ meetingId, change, version, meeting: described, extra }) => {
          if (!meeting(meetingId)) return;
          await emitWebhookEvents(this.env, [await meetingEvent(change, version, owner, described, extra)]);
        },
        retry: SEND_RETRY,
        // A hand-over to the webhook queues, whose own drain jobs are logged.
        routine: true,
      },
    };
  }

  private async postNote(owner: CalendarOwner, meeting: Meeting, change: MeetingChange, clientId: string): Promise<void> {
    const agent = agentParticipant(owner);
    const conversation = conversationActor(this.env, meeting.conversationId);
    await conversation.note(
      { id: meeting.conversationId, origin: { kind: 'agent', agent }, agents: [agent], guest: { id: meeting.guest.id, name: meeting.guest.name, avatarUrl: null }, context: { channel: 'meeting' } },
      clientId,
      noteText(change, owner, meeting),
      {
        type: 'meeting',
        action: change,
        meetingId: meeting.id,
        start: new Date(meeting.start).toISOString(),
        end: new Date(meeting.end).toISOString(),
        ...(meeting.offerId ? { offerId: meeting.offerId } : {}),
      },
    );
  }

  private async guestLink(owner: CalendarOwner, meeting: Meeting): Promise<string> {
    return meetingPageUrl(this.env, await signMeetingLink(this.env, { agentId: owner.id, meetingId: meeting.id }, meeting.end));
  }

  private broadcast(frame: CalendarFrame): void {
    broadcast(this.ctx.getWebSockets().filter((ws) => !this.ctx.getTags(ws).includes(PUBLIC)), frame);
  }

  /** To every booking page, or every one but the page that caused it. */
  private slotsFrame(frame: SlotsFrame, exceptPage?: string): void {
    if (frame.type === 'slots' && frame.changed.length === 0) return;
    broadcast(this.ctx.getWebSockets(SLOTS), frame, exceptPage ? this.ctx.getWebSockets(pageTag(exceptPage))[0] : undefined);
  }

  /**
   * A meeting changed (`before` null: it is new): the agent's sockets, the meeting pages of
   * every meeting it changed, and booking pages for the time it took or gave back, together
   * with the holds it used up.
   */
  private announce(before: Meeting | null, meeting: Meeting, outplaced: Meeting[], usedHolds: Hold[]): void {
    for (const m of [meeting, ...outplaced]) {
      this.broadcast({ type: 'meeting', meeting: m });
      broadcast(this.ctx.getWebSockets(meetingTag(m.id)), { type: 'meeting', meeting: meetingView(m) } satisfies MeetingPageFrame);
    }
    const blocks = (m: Meeting | null): m is Meeting => m?.status === 'confirmed';
    const moved = !blocks(before) || !blocks(meeting) || before.start !== meeting.start || before.end !== meeting.end;
    const changed: SlotChange[] = usedHolds.filter((h) => !blocks(meeting) || h.start !== meeting.start || h.end !== meeting.end).map((h) => slotChange(h, 'free'));
    if (moved && blocks(before)) changed.push(slotChange(before, 'free'));
    if (moved && blocks(meeting)) changed.push(slotChange(meeting, 'booked'));
    this.slotsFrame({ type: 'slots', changed });
  }

  private openSockets(tag: string): number {
    return this.ctx.getWebSockets(tag).filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  /** Deletes a hold and its expiry job; inside the caller's transaction, tell the pages after. */
  private dropHold(hold: Hold): void {
    this.store.deleteHold(hold.id);
    this.jobs.cancel(`hold:${hold.id}`);
  }

  private async release(holds: Hold[]): Promise<void> {
    if (holds.length === 0) return;
    this.ctx.storage.transactionSync(() => holds.forEach((h) => this.dropHold(h)));
    await this.jobs.arm();
    this.slotsFrame({ type: 'slots', changed: holds.map((h) => slotChange(h, 'free')) });
  }
}

/** Meetings, holds or pages a check leaves out: a meeting being moved, a page replacing its own hold. */
interface Ignore {
  meeting?: string;
  page?: string | undefined;
}

const holdBusy = (h: Hold): BusyInterval => ({ start: h.start, end: h.end, meeting: true });

const slotChange = (interval: { start: number; end: number }, reason: SlotChange['reason']): SlotChange => ({
  start: new Date(interval.start).toISOString(),
  end: new Date(interval.end).toISOString(),
  available: reason === 'free',
  reason,
});

const typeNotFound = (): Refusal => refuse(404, 'not_found', 'Meeting type was not found.');
const meetingNotFound = (): Refusal => refuse(404, 'not_found', 'Meeting was not found.');
const lengthOf = (m: Meeting): number => Math.round((m.end - m.start) / 60000);

/** The free slots, or 400 for what computeSlots refuses (an unknown zone, a duration not offered). */
function freeSlots(availability: AvailabilitySettings, from: number, to: number, durationMinutes: number, busy: BusyInterval[]): Outcome<Slot[]> {
  try {
    return accept(computeSlots(availability, { from, to, durationMinutes, now: Date.now() }, busy));
  } catch (err) {
    if (err instanceof RangeError) return refuse(400, 'invalid_request', err.message);
    throw err;
  }
}
const typeExists = (slug: string): Refusal => refuse(409, 'meeting_type_exists', `This calendar already has a meeting type "${slug}".`);

function timingSafeEqualText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  return x.byteLength === y.byteLength && crypto.subtle.timingSafeEqual(x, y);
}
