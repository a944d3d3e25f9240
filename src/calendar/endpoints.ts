import { z } from 'zod';
import type { Agent } from '../directory/agents';
import { getAgentBySlug, findAgentById } from '../directory/agents';
import { recordBookingGuest } from '../directory/guests';
import { newId } from '../directory/ids';
import { DisplayName, Email, iso, Slug, TimeZone } from '../directory/schemas';
import type { Env } from '../env';
import { forwardReportUpgrade } from '../actor/sockets';
import type { Routes } from '../http/api';
import { bearerToken, issueGuestToken, tokenExpiry } from '../http/auth';
import { requireEmbedOrigin } from '../http/embed';
import { endpointsFor, type Input } from '../http/endpoint';
import { requireOutboundUrl } from '../http/outbound-url';
import { HttpError, notFound, requireUpgrade } from '../http/errors';
import { clientAddress, enforceRateLimit } from '../http/limits';
import { accept, unwrap, type Outcome } from '../actor/outcome';
import { bookingKeyReused, type CalendarOwner } from './actor';
import { formatSlotInZone, zonedTimeToInstant } from '../time/zoned';
import { buildFeed } from './ical';
import { meetingPageUrl, verifyMeetingLink } from './links';
import { inviteEvent } from './notifications';
import { senderAddress } from '../email/mailer';
import { BusyFeedView, CalendarSettings, CalendarSettingsPatch, type AvailabilitySettings } from './settings';
import type { Slot } from './availability';
import { GuestMeetingView, HoldToken, MeetingView, PageId, type Meeting } from './meeting';
import { meetingView } from './meeting-view';
import { AnswersInput, checkAnswers, PublicMeetingType, TypeParams, typeAvailability, type MeetingType } from './meeting-types';
import { calendarActor } from './stub';

const tag = 'Meetings';
/** Guests' side (calendar link, signed meeting links, the feed) and agents' side of the calendar. */
const forGuests = endpointsFor(tag, 'public');
const forAgents = endpointsFor(tag, 'agent');

export const ownerOf = (agent: Agent): CalendarOwner => ({
  id: agent.id,
  slug: agent.slug,
  name: agent.name,
  email: agent.email,
  timeZone: agent.timeZone,
  avatarUrl: agent.avatarUrl,
  license: agent.license,
});


/** Only licensed agents take part in guest conversations, and a meeting has one. */
export async function bookableAgent(env: Env, slug: string): Promise<Agent> {
  const agent = await getAgentBySlug(env.DB, slug);
  if (!agent.licensed) throw new HttpError(409, 'agent_unavailable', `${agent.name} does not take meetings.`);
  return agent;
}

/** `YYYY-MM-DD` plus whole days, on the calendar (no zone involved). */
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The type a guest asks for (the default one without a slug), with the availability it books
 * in. A hidden type is not the guests' to book: 404, as for a type that does not exist.
 */
export async function guestType(env: Env, agent: Agent, slug: string | undefined) {
  return unwrap(await calendarActor(env, agent.id).guestType(ownerOf(agent), slug ?? null));
}

const publicType = (type: MeetingType, durations: number[]): z.input<typeof PublicMeetingType> => ({
  slug: type.slug,
  title: type.title,
  description: type.description,
  durations,
  location: { kind: type.location.kind },
  questions: type.questions,
});

export const publicTypesEndpoint = forGuests({
  summary: "The meeting types a guest can book with an agent, in the agent's order (no hidden ones)",
  params: z.object({ slug: Slug }),
  response: z.object({ types: z.array(PublicMeetingType) }),
  errors: [404, 409],
  handle: async ({ env, params }) => {
    const agent = await bookableAgent(env, params.slug);
    const calendar = calendarActor(env, agent.id);
    const { settings } = await calendar.settings(ownerOf(agent));
    const types = (await calendar.meetingTypes(ownerOf(agent))).filter((t) => !t.hidden);
    return { types: types.map((t) => publicType(t, typeAvailability(settings.availability, t).durations)) };
  },
});

export const Instant = z.iso.datetime({ offset: true }).transform((text) => Date.parse(text));

/** Whole days in the guest's zone, as a slots route is asked for them. */
const SlotDays = z.object({
  timeZone: TimeZone,
  from: z.iso.date().describe('First day, in the guest zone'),
  days: z.coerce.number().int().min(1).max(62).default(7).describe('Whole days in the guest zone: slots start before local midnight of from + days'),
});

/** Local midnights in the guest's zone, so the window holds whole days of 23, 24 or 25 hours. */
const dayWindow = (query: z.output<typeof SlotDays>) => ({
  from: zonedTimeToInstant(query.from, '00:00', query.timeZone),
  to: zonedTimeToInstant(addDays(query.from, query.days), '00:00', query.timeZone),
});

const SlotsAnswer = z.object({
  timeZone: z.string(),
  agentTimeZone: z.string().describe("The agent's zone, so a guest can see both"),
  durationMinutes: z.number().int(),
  durations: z.array(z.number().int()),
  bookableUntil: z.string().describe('The latest instant a slot may start (now + horizonDays), so a page knows how far ahead to offer'),
  slots: z.array(z.object({ start: z.string(), end: z.string(), date: z.string(), time: z.string(), offset: z.string() })),
});

const slotsAnswer = (timeZone: string, availability: AvailabilitySettings, durationMinutes: number, slots: Slot[]): z.input<typeof SlotsAnswer> => ({
  timeZone,
  agentTimeZone: availability.timeZone,
  durationMinutes,
  durations: availability.durations,
  bookableUntil: new Date(Date.now() + availability.horizonDays * 86_400_000).toISOString(),
  slots: slots.map((slot) => ({ start: new Date(slot.start).toISOString(), end: new Date(slot.end).toISOString(), ...formatSlotInZone(slot.start, timeZone) })),
});

export const slotsEndpoint = forGuests({
  summary: "Free slots of an agent's calendar, shown in the guest's time zone (M1)",
  params: z.object({ slug: Slug }),
  query: SlotDays.extend({
    duration: z.coerce.number().int().min(5).max(480).optional().describe('Minutes; by default the first duration the type offers'),
    type: TypeParams.shape.type.optional().describe('The meeting type; by default the first (the default type)'),
    page: PageId.optional().describe("A booking page's id (its slots socket's first frame): its own hold is shown free"),
  }),
  response: SlotsAnswer,
  errors: [404, 409],
  handle: async ({ env, params, query }) => {
    const agent = await bookableAgent(env, params.slug);
    const { from, to } = dayWindow(query);
    // A guest page does not know the offered durations before its first call.
    const { availability, durationMinutes, slots } = unwrap(
      await calendarActor(env, agent.id).guestSlots(ownerOf(agent), query.type ?? null, from, to, query.duration ?? null, query.page),
    );
    return slotsAnswer(query.timeZone, availability, durationMinutes, slots);
  },
});

const BookingBody = z.strictObject({
  start: Instant,
  durationMinutes: z.number().int().min(5).max(480),
  name: DisplayName,
  email: Email,
  timeZone: TimeZone,
  bookingKey: z.string().min(8).max(100).regex(/^[A-Za-z0-9._:-]+$/).optional(),
  type: TypeParams.shape.type.optional().describe('The meeting type; by default the first (the default type)'),
  answers: AnswersInput.default({}).describe("Answers to the type's questions, by question id: text, or true/false for a checkbox"),
  holdToken: HoldToken.optional().describe('The hold this page placed on the time (POST /api/agents/{slug}/holds): while valid, the booking cannot lose the slot'),
});

type BookingBody = z.output<typeof BookingBody>;

/** The answers as the meeting keeps them, or 400 invalid_answers naming each question that needs a change. */
export function checkedAnswers(type: MeetingType, given: z.output<typeof AnswersInput>) {
  const checked = checkAnswers(type.questions, given);
  if (!checked.ok) {
    throw new HttpError(400, 'invalid_answers', `Some answers need a change: ${Object.entries(checked.problems).map(([id, problem]) => `${id} ${problem}`).join('; ')}.`, { answers: checked.problems });
  }
  return checked.answers;
}

/**
 * A key belongs to the first agent it was sent to: the same key at another agent is another
 * request and is refused. (Replays at the same agent are judged by its calendar.)
 */
async function claimBookingKey(env: Env, key: string, agentId: string): Promise<Outcome<true>> {
  const [, claimed] = await env.DB.batch<{ agent_id: string }>([
    env.DB.prepare('INSERT INTO booking_keys (key, agent_id) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').bind(key, agentId),
    env.DB.prepare('SELECT agent_id FROM booking_keys WHERE key = ?').bind(key),
  ]);
  return claimed!.results[0]?.agent_id === agentId ? accept(true) : bookingKeyReused();
}

/** Guests booking from the calendar link and agents booking for a guest (M6) follow one flow. */
async function bookFor(env: Env, agent: Agent, body: BookingBody, bookedBy: 'guest' | 'agent') {
  // Keys are per booker, so a guest's key can never match an agent's booking.
  const bookingKey = body.bookingKey ? `${bookedBy}:${body.bookingKey}` : null;
  // The agent books any of their types, hidden ones too.
  const type = bookedBy === 'guest' ? (await guestType(env, agent, body.type)).type : unwrap(await calendarActor(env, agent.id).meetingType(ownerOf(agent), body.type ?? null));
  const answers = checkedAnswers(type, body.answers);
  if (bookingKey) unwrap(await claimBookingKey(env, bookingKey, agent.id));
  const booked = unwrap(
    await calendarActor(env, agent.id).book(ownerOf(agent), {
      start: body.start,
      durationMinutes: body.durationMinutes,
      guest: { id: newId('gu'), name: body.name, email: body.email, timeZone: body.timeZone },
      bookingKey,
      bookedBy,
      type: type.slug,
      answers,
      holdToken: body.holdToken,
    }),
  );
  // Before the answer: its guest token names this record. Should the write fail, the booking
  // stands and a retry with the same key records the guest then.
  await recordBookingGuest(env.DB, booked.meeting.guest);
  return booked;
}

export const bookEndpoint = forGuests({
  summary: 'A guest books a slot (M2); 409 slot_taken when someone else got it first, slot_held while another page holds it; 400 invalid_answers naming each question; idempotent on bookingKey',
  params: z.object({ slug: Slug }),
  body: BookingBody,
  response: z.object({ meeting: MeetingView, created: z.boolean(), guestLink: z.string(), guestToken: z.string() }),
  status: 201,
  errors: [400, 403, 404, 409, 429],
  handle: async ({ request, env, params, body }) => {
    // Booking is an agent's personal link: other sites need the organisation-wide list.
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    // Each booking emails an invite to whatever address it names: unlimited, it is a mail relay.
    await enforceRateLimit(env, 'bookings_per_address', clientAddress(request));
    const result = await bookFor(env, await bookableAgent(env, params.slug), body, 'guest');
    return { meeting: meetingView(result.meeting), created: result.created, guestLink: result.guestLink, guestToken: await issueGuestToken(result.meeting.guest.id, env) };
  },
});

const LinkParams = z.object({ token: z.string().min(20).max(2048) });

/** The calendar of the meeting a signed link names: 401 or 410 for a bad or outdated link, 404 once its agent is gone. */
export async function linkedCalendar(env: Env, token: string) {
  const claims = await verifyMeetingLink(env, token);
  const agent = await findAgentById(env.DB, claims.agentId);
  if (!agent) throw notFound('Meeting');
  return { meetingId: claims.meetingId, agent, owner: ownerOf(agent), calendar: calendarActor(env, agent.id) };
}

/**
 * What a guest does behind the signed link from their emails: the link names the meeting,
 * its calendar runs one action, and the answer is the meeting as the guest sees it.
 */
function meetingLink<B extends z.ZodType | undefined = undefined>(definition: {
  summary: string;
  body?: B;
  /** Besides a bad (401), unknown (404) or outdated (410) link. */
  errors?: number[];
  act: (calendar: ReturnType<typeof calendarActor>, owner: CalendarOwner, meetingId: string, body: Input<'public', typeof LinkParams, undefined, B>['body']) => Promise<Outcome<Meeting>>;
}) {
  const { summary, body, errors = [], act } = definition;
  return forGuests({
    summary,
    params: LinkParams,
    body,
    response: GuestMeetingView,
    errors: [401, 404, ...errors, 410],
    handle: async ({ env, params, body }) => {
      const { meetingId, agent, owner, calendar } = await linkedCalendar(env, params.token);
      const meeting = meetingView(unwrap(await act(calendar, owner, meetingId, body)));
      const { settings } = await calendar.settings(owner);
      return { meeting, agent: { ...agent, timeZone: settings.availability.timeZone } };
    },
  });
}

export const guestMeetingEndpoint = meetingLink({
  summary: "The guest's meeting, behind the signed link from their emails",
  act: (calendar, owner, id) => calendar.meeting(owner, id),
});

export const guestRescheduleEndpoint = meetingLink({
  summary: 'The guest moves their meeting (signed link); checked against availability',
  body: z.strictObject({ start: Instant, durationMinutes: z.number().int().min(5).max(480).optional() }),
  errors: [409],
  act: (calendar, owner, id, body) => calendar.change(owner, id, body),
});

export const guestSlotsEndpoint = forGuests({
  summary:
    "Free times the guest's meeting can move to (signed link): at its own length, in its own type's availability even when the type is hidden or was deleted; its own time counts as free",
  params: LinkParams,
  query: SlotDays,
  response: SlotsAnswer,
  errors: [401, 404, 410],
  handle: async ({ env, params, query }) => {
    const { meetingId, owner, calendar } = await linkedCalendar(env, params.token);
    const { from, to } = dayWindow(query);
    const { availability, durationMinutes, slots } = unwrap(await calendar.meetingSlots(owner, meetingId, from, to));
    return slotsAnswer(query.timeZone, availability, durationMinutes, slots);
  },
});

export const guestCancelEndpoint = meetingLink({
  summary: 'The guest cancels their meeting (signed link)',
  act: (calendar, owner, id) => calendar.cancel(owner, id),
});

export const guestIcsEndpoint = forGuests({
  summary: "The guest's meeting as an .ics file to add to any calendar (the signed link's meeting, as the guest's invite shows it)",
  params: LinkParams,
  errors: [401, 404, 410],
  handle: async ({ env, params }) => {
    const { meetingId, agent, owner, calendar } = await linkedCalendar(env, params.token);
    const meeting = unwrap(await calendar.meeting(owner, meetingId));
    const event = inviteEvent(owner, meeting, senderAddress(env), 'guest', meetingPageUrl(env, params.token));
    return new Response(buildFeed(`${agent.name} — Doorbell`, [event]), {
      headers: { 'content-type': 'text/calendar; charset=utf-8', 'content-disposition': 'attachment; filename="meeting.ics"', 'cache-control': 'private, no-store' },
    });
  },
});

const feedUrl = (env: Env, agent: Agent, secret: string) => `${env.PUBLIC_BASE_URL}/api/feeds/${agent.slug}/${secret}`;

export const myCalendarEndpoint = forAgents({
  summary: "The agent's calendar: settings, the busy feed's state, secret feed URL and meetings",
  response: z.object({ settings: CalendarSettings, busyFeed: BusyFeedView, feedUrl: z.string(), meetings: z.array(MeetingView) }),
  handle: async ({ env, principal }) => {
    const calendar = calendarActor(env, principal.agent.id);
    const owner = ownerOf(principal.agent);
    const { settings, feedSecret } = await calendar.settings(owner);
    const busy = await calendar.busyFeed(owner);
    const busyFeed = busy && {
      url: busy.url,
      events: busy.intervals.length,
      lastSuccessAt: iso(busy.lastSuccessAt),
      lastError: busy.lastError,
      lastErrorAt: iso(busy.lastErrorAt),
      failures: busy.failures,
      nextAttemptAt: iso(busy.nextAttemptAt),
    };
    return { settings, busyFeed, feedUrl: feedUrl(env, principal.agent, feedSecret), meetings: (await calendar.meetings(owner)).map(meetingView) };
  },
});

export const updateSettingsEndpoint = forAgents({
  summary: 'Change availability, confirmation mode (auto|invite), reminders or the busy feed URL (400 url_not_allowed for a non-public host)',
  body: CalendarSettingsPatch,
  response: CalendarSettings,
  audit: {
    entity: 'calendar_settings',
    id: ({ principal }) => principal.agent.id,
    before: async ({ env, principal }) => (await calendarActor(env, principal.agent.id).settings(ownerOf(principal.agent))).settings,
  },
  handle: async ({ env, principal, body }) => {
    requireOutboundUrl(env, 'busyFeedUrl', body.busyFeedUrl);
    return calendarActor(env, principal.agent.id).updateSettings(ownerOf(principal.agent), body);
  },
});

export const rotateFeedEndpoint = forAgents({
  summary: 'A new secret feed URL (M7); the old one stops working',
  response: z.object({ feedUrl: z.string() }),
  audit: { entity: 'calendar_feed', action: 'rotate', id: ({ principal }) => principal.agent.id },
  handle: async ({ env, principal }) => ({
    feedUrl: feedUrl(env, principal.agent, await calendarActor(env, principal.agent.id).rotateFeedSecret(ownerOf(principal.agent))),
  }),
});

export const feedEndpoint = forGuests({
  summary: "An agent's meetings as an iCalendar feed, behind its secret (M7)",
  params: z.object({ slug: Slug, secret: z.string().max(100) }),
  errors: [404],
  handle: async ({ env, params }) => {
    const agent = await getAgentBySlug(env.DB, params.slug);
    const ics = await calendarActor(env, agent.id).feed(ownerOf(agent), params.secret);
    if (ics === null) throw notFound('Feed');
    return new Response(ics, { headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, max-age=300' } });
  },
});

export const agentBookEndpoint = forAgents({
  summary: 'The agent books a meeting on their own calendar for a guest (M6)',
  body: BookingBody,
  response: z.object({ meeting: MeetingView, created: z.boolean() }),
  status: 201,
  errors: [409],
  handle: async ({ env, principal, body }) => {
    if (!principal.agent.licensed) throw new HttpError(409, 'agent_unavailable', 'Only standard or premium agents take meetings.');
    const result = await bookFor(env, principal.agent, body, 'agent');
    return { meeting: meetingView(result.meeting), created: result.created };
  },
});

const MeetingParams = z.object({ id: z.string().regex(/^mt_[A-Za-z0-9]{10,40}$/, 'must be a meeting id') });

export const agentChangeEndpoint = forAgents({
  summary: 'The agent reschedules a meeting or changes its duration (M4)',
  params: MeetingParams,
  body: z
    .strictObject({ start: Instant.optional(), durationMinutes: z.number().int().min(5).max(480).optional() })
    .refine((v) => v.start !== undefined || v.durationMinutes !== undefined, 'name start, durationMinutes or both'),
  response: MeetingView,
  errors: [404, 409],
  handle: async ({ env, principal, params, body }) =>
    meetingView(unwrap(await calendarActor(env, principal.agent.id).change(ownerOf(principal.agent), params.id, body))),
});

export const agentCancelEndpoint = forAgents({
  summary: 'The agent deletes a meeting (M4): both get a cancellation',
  params: MeetingParams,
  response: MeetingView,
  errors: [404],
  handle: async ({ env, principal, params }) => meetingView(unwrap(await calendarActor(env, principal.agent.id).cancel(ownerOf(principal.agent), params.id))),
});

export const agentRespondEndpoint = forAgents({
  summary: 'The agent accepts or declines a pending invite (M3, the API way)',
  params: MeetingParams,
  body: z.strictObject({ answer: z.enum(['accept', 'decline']) }),
  response: MeetingView,
  errors: [404, 409],
  handle: async ({ env, principal, params, body }) =>
    meetingView(
      unwrap(
        await calendarActor(env, principal.agent.id).respond(ownerOf(principal.agent), params.id, body.answer === 'accept' ? 'ACCEPTED' : 'DECLINED'),
      ),
    ),
});

export const calendarSocketEndpoint = forAgents({
  summary: "The agent's calendar as a WebSocket: a snapshot, then meeting and settings frames",
  query: z.object({ token: z.string().optional() }),
  errors: [426],
  handle: async ({ request, env, principal }) => {
    requireUpgrade(request);
    return calendarActor(env, principal.agent.id).fetch(forwardReportUpgrade(request, tokenExpiry(bearerToken(request))));
  },
});

export const calendarRoutes: Routes = (api) =>
  api
    .get('/api/agents/:slug/meeting-types', publicTypesEndpoint)
    .get('/api/agents/:slug/slots', slotsEndpoint)
    .post('/api/agents/:slug/bookings', bookEndpoint)
    .get('/api/meetings/:token', guestMeetingEndpoint)
    .get('/api/meetings/:token/meeting.ics', guestIcsEndpoint)
    .get('/api/meetings/:token/slots', guestSlotsEndpoint)
    .post('/api/meetings/:token/reschedule', guestRescheduleEndpoint)
    .post('/api/meetings/:token/cancel', guestCancelEndpoint)
    .get('/api/calendar', myCalendarEndpoint)
    .patch('/api/calendar/settings', updateSettingsEndpoint)
    .post('/api/calendar/feed/rotate', rotateFeedEndpoint)
    .get('/api/calendar/socket', calendarSocketEndpoint)
    .post('/api/calendar/meetings', agentBookEndpoint)
    .patch('/api/calendar/meetings/:id', agentChangeEndpoint)
    .delete('/api/calendar/meetings/:id', agentCancelEndpoint)
    .post('/api/calendar/meetings/:id/respond', agentRespondEndpoint)
    .get('/api/feeds/:slug/:secret', feedEndpoint);
