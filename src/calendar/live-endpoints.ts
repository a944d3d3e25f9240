import { z } from 'zod';
import { Slug } from '../directory/schemas';
import { forwardReportUpgrade } from '../actor/sockets';
import { unwrap } from '../actor/outcome';
import type { Routes } from '../http/api';
import { tokenExpiry } from '../http/auth';
import { requireEmbedOrigin } from '../http/embed';
import { endpointsFor } from '../http/endpoint';
import { requireUpgrade } from '../http/errors';
import { clientAddress, enforceRateLimit, rateLimitsOn } from '../http/limits';
import { PUBLIC_SOCKET_HEADER, type PublicSocket } from './actor';
import { bookableAgent, guestType, Instant, linkedCalendar, ownerOf } from './endpoints';
import { HoldToken, PageId } from './meeting';
import { TypeParams } from './meeting-types';
import { calendarActor } from './stub';

// Live slots, holds and the live meeting page (docs/meetings.md, "Live slots and holds";
// frames in docs/protocol.md). Everything here is public: it shows times, never who booked them.
const forGuests = endpointsFor('Meetings', 'public');

/** Forwards a socket upgrade to the calendar, saying which public socket it is. */
function forwardPublic(request: Request, socket: PublicSocket, expiresAt = Number.POSITIVE_INFINITY): Request {
  const forwarded = forwardReportUpgrade(request, expiresAt);
  forwarded.headers.set(PUBLIC_SOCKET_HEADER, JSON.stringify(socket));
  return forwarded;
}

export const slotsSocketEndpoint = forGuests({
  summary: "A booking page's live slots: its page id, then each time booked, held or freed (docs/protocol.md); 429 beyond 10 per address or 500 per calendar",
  params: z.object({ slug: Slug }),
  errors: [404, 409, 426, 429],
  handle: async ({ request, env, params }) => {
    requireUpgrade(request);
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    const agent = await bookableAgent(env, params.slug);
    return calendarActor(env, agent.id).fetch(forwardPublic(request, { kind: 'slots', address: clientAddress(request), limited: rateLimitsOn(env) }));
  },
});

export const placeHoldEndpoint = forGuests({
  summary: 'A booking page holds the time its guest chose (releasing its previous hold); 409 slot_held, slot_taken or slot_unavailable as a booking would be',
  params: z.object({ slug: Slug }),
  body: z.strictObject({
    start: Instant,
    durationMinutes: z.number().int().min(5).max(480),
    type: TypeParams.shape.type.optional().describe('The meeting type; by default the first (the default type)'),
    page: PageId.describe("The page id from the slots socket's first frame: the page's hold goes when its socket closes"),
  }),
  response: z.object({ holdId: z.string(), holdToken: z.string(), expiresAt: z.string() }),
  status: 201,
  errors: [400, 403, 404, 409, 429],
  handle: async ({ request, env, params, body }) => {
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    await enforceRateLimit(env, 'holds_per_address', clientAddress(request));
    const agent = await bookableAgent(env, params.slug);
    const { type } = await guestType(env, agent, body.type);
    const hold = unwrap(await calendarActor(env, agent.id).placeHold(ownerOf(agent), { start: body.start, durationMinutes: body.durationMinutes, type: type.slug, page: body.page }));
    return { holdId: hold.id, holdToken: hold.token, expiresAt: new Date(hold.expiresAt).toISOString() };
  },
});

export const releaseHoldEndpoint = forGuests({
  summary: 'A booking page lets go of its hold (its guest chose another time or left)',
  params: z.object({ slug: Slug, token: HoldToken }),
  response: z.object({ released: z.literal(true) }),
  errors: [404],
  handle: async ({ env, params }) => {
    const agent = await bookableAgent(env, params.slug);
    return { released: unwrap(await calendarActor(env, agent.id).releaseHold(ownerOf(agent), params.token)) };
  },
});

export const meetingSocketEndpoint = forGuests({
  summary: "The guest's meeting page, live: the meeting on connect and after each change (signed link)",
  params: z.object({ token: z.string().min(20).max(2048) }),
  errors: [401, 404, 410, 426, 429],
  handle: async ({ request, env, params }) => {
    requireUpgrade(request);
    const { meetingId, calendar } = await linkedCalendar(env, params.token);
    return calendar.fetch(forwardPublic(request, { kind: 'meeting', meetingId }, tokenExpiry(params.token)));
  },
});

export const liveRoutes: Routes = (api) =>
  api
    .get('/api/agents/:slug/slots/socket', slotsSocketEndpoint)
    .post('/api/agents/:slug/holds', placeHoldEndpoint)
    .delete('/api/agents/:slug/holds/:token', releaseHoldEndpoint)
    .get('/api/meetings/:token/socket', meetingSocketEndpoint);
