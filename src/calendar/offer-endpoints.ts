import { z } from 'zod';
import { findAgentById } from '../directory/agents';
import { getGuest } from '../directory/guests';
import { newId } from '../directory/ids';
import { ConversationId, Email, TimeZone } from '../directory/schemas';
import { unwrap } from '../actor/outcome';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError, notFound } from '../http/errors';
import { clientAddress, enforceRateLimit } from '../http/limits';
import { admit } from '../conversation/endpoints';
import { ClientId, Entry, type OfferEvent } from '../conversation/protocol';
import { existingConversationActor } from '../conversation/stub';
import { bookableAgent, checkedAnswers, guestType, Instant, ownerOf } from './endpoints';
import { meetingView } from './meeting-view';
import { MeetingView } from './meeting';
import { AnswersInput, TypeParams } from './meeting-types';
import { calendarActor } from './stub';

// Booking from the chat (docs/meetings.md "Booking from the chat"): an agent of a conversation
// offers a meeting there, and the conversation's guest books it without leaving; the meeting
// then belongs to that conversation instead of one of its own.

const tag = 'Meetings';
const forAgents = endpointsFor(tag, 'agent');
const forGuests = endpointsFor(tag, 'guest');

/** How many times an agent may pick for an offer: a card shows them all at once. */
export const MAX_OFFERED_TIMES = 5;

const OfferParams = z.object({ id: ConversationId });

export const offerEndpoint = forAgents({
  summary: 'An agent of the conversation offers a meeting in it: one of their meeting types, a duration, optionally times picked from their free slots',
  params: OfferParams,
  body: z.strictObject({
    clientId: ClientId.describe('Sending the same id again returns the first offer'),
    type: TypeParams.shape.type.optional().describe("One of the agent's meeting types (not a hidden one); by default the first"),
    durationMinutes: z.number().int().min(5).max(480).optional().describe('One the type offers; by default its first'),
    times: z
      .array(Instant)
      .max(MAX_OFFERED_TIMES)
      .default([])
      .describe('Start times the guest sees first, each a free slot of the type now; none: the guest sees the next free ones'),
  }),
  response: z.object({ entry: Entry }),
  status: 201,
  errors: [400, 403, 404, 409],
  handle: async ({ request, env, principal, params, body }) => {
    const caller = await admit(request, env, principal, params.id);
    const conversation = await existingConversationActor(env, params.id);
    // Who may offer is said before what is offered: a stranger learns nothing of the agent's types.
    if (!unwrap(await conversation.view(caller)).you.participant) throw new HttpError(403, 'not_a_participant', 'Join the conversation before offering a meeting in it.');
    const agent = await bookableAgent(env, principal.agent.slug);
    const { type, availability } = await guestType(env, agent, body.type);
    const duration = body.durationMinutes ?? availability.durations[0]!;
    if (!availability.durations.includes(duration)) {
      throw new HttpError(400, 'invalid_request', `The request body is not valid: durationMinutes: ${type.title} lasts ${availability.durations.join(', ')} minutes.`, {
        where: 'body',
        problems: [{ path: 'durationMinutes', message: `must be one of ${availability.durations.join(', ')}` }],
      });
    }
    const times = [...new Set(body.times)].sort((a, b) => a - b);
    if (times.length > 0) {
      const { slots } = unwrap(await calendarActor(env, agent.id).guestSlots(ownerOf(agent), type.slug, times[0]!, times.at(-1)! + duration * 60_000, duration));
      const taken = times.filter((t) => !slots.some((slot) => slot.start === t));
      if (taken.length > 0) {
        throw new HttpError(409, 'slot_unavailable', 'Some of these times are not free slots of this meeting type: pick them from the free slots.', {
          times: taken.map((t) => new Date(t).toISOString()),
        });
      }
    }
    const event: OfferEvent = {
      type: 'offer',
      offerId: newId('of'),
      agent: { id: agent.id, slug: agent.slug, name: agent.name },
      meetingType: { slug: type.slug, title: type.title },
      durationMinutes: duration,
      times: times.map((t) => new Date(t).toISOString()),
    };
    // The text is what transcripts, search and clients without an offer card show.
    const text = `${agent.name} offers a meeting: ${type.title}, ${duration} min`;
    return { entry: unwrap(await conversation.offer(caller, body.clientId, text, event)) };
  },
});

export const bookOfferEndpoint = forGuests({
  summary: "The conversation's guest books a meeting offered in it; the meeting joins the conversation. An offer is booked once (409 offer_booked)",
  params: OfferParams.extend({ offerId: z.string().regex(/^of_[A-Za-z0-9]{1,40}$/, 'must be an offer id') }),
  body: z.strictObject({
    start: Instant.describe("A free slot of the offer's type and duration"),
    timeZone: TimeZone.describe("The guest's zone: their emails and invite show it"),
    email: Email.optional().describe('Needed only when the guest has no email yet; the name is always the guest’s'),
    answers: AnswersInput.default({}).describe("Answers to the type's questions, by question id"),
  }),
  response: z.object({ meeting: MeetingView, created: z.boolean().describe('false: this guest had booked this time from this offer already'), guestLink: z.string() }),
  status: 201,
  errors: [400, 403, 404, 409, 429],
  handle: async ({ request, env, principal, params, body }) => {
    const caller = await admit(request, env, principal, params.id);
    const conversation = await existingConversationActor(env, params.id);
    const offer = unwrap(await conversation.offered(caller, params.offerId));
    await enforceRateLimit(env, 'bookings_per_address', clientAddress(request));
    const guest = await getGuest(env.DB, principal.guestId);
    const email = guest.email ?? body.email;
    if (!email) {
      throw new HttpError(400, 'invalid_request', 'The request body is not valid: email: the guest has no email yet, and the invite needs one.', {
        where: 'body',
        problems: [{ path: 'email', message: 'is required: the guest has none' }],
      });
    }
    const found = await findAgentById(env.DB, offer.agent.id);
    if (!found) throw notFound('Offer');
    const agent = await bookableAgent(env, found.slug);
    // The type as it is now: a type hidden or deleted since the offer is not booked.
    const { type } = await guestType(env, agent, offer.meetingType.slug);
    const result = unwrap(
      await calendarActor(env, agent.id).book(ownerOf(agent), {
        start: body.start,
        durationMinutes: offer.durationMinutes,
        guest: { id: guest.id, name: guest.name, email, timeZone: body.timeZone },
        bookingKey: null,
        bookedBy: 'guest',
        type: type.slug,
        answers: checkedAnswers(type, body.answers),
        offer: { conversationId: params.id, offerId: offer.offerId },
      }),
    );
    return { meeting: meetingView(result.meeting), created: result.created, guestLink: result.guestLink };
  },
});

export const offerRoutes: Routes = (api) =>
  api.post('/api/conversations/:id/offers', offerEndpoint).post('/api/conversations/:id/offers/:offerId/booking', bookOfferEndpoint);
