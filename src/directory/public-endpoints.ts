import { z } from 'zod';
import type { Routes } from '../http/api';
import { issueGuestToken } from '../http/auth';
import { requireEmbedOrigin, type EmbedScope } from '../http/embed';
import { endpointsFor, type Answer } from '../http/endpoint';
import type { Env } from '../env';
import { clientAddress, enforceRateLimit } from '../http/limits';
import { getAgentBySlug, updateAgent } from './agents';
import { createGuest } from './guests';
import { found } from '../http/errors';
import { aggregateAvailability, Availability, availabilityMessage } from './availability';
import { availabilityOf } from './presence';
import { firstResponseSeconds } from './first-response';
import { hoursAt } from '../time/hours';
import { AgentCard, AgentSelfUpdate, AgentView, GuestCreate, GuestView, iso, MemberView, ServiceCard, ServiceView, SlugParams } from './schemas';
import { getServiceBySlug, listServices } from './services';

/**
 * A card for a contact-me or chat page, without private fields. It is the widget's first
 * call: a site not allowed to embed learns it here, clearly.
 */
const publicCard = <R extends z.ZodType>(summary: string, response: R, scope: (slug: string) => EmbedScope, card: (env: Env, slug: string) => Promise<Answer<R>>) =>
  endpointsFor('Public directory', 'public')({
    summary,
    params: SlugParams,
    response,
    errors: [403, 404],
    handle: async ({ request, env, params }) => {
      await requireEmbedOrigin(request, env, scope(params.slug));
      return card(env, params.slug);
    },
  });

const availabilityCard = (availability: Availability) => ({ availability, availabilityMessage: availabilityMessage(availability) });

export const publicAgentEndpoint = publicCard(
  "An agent's public card for their contact-me page (no private fields)",
  AgentCard,
  () => ({ kind: 'agent' }),
  async (env, slug) => {
    const agent = await getAgentBySlug(env.DB, slug);
    return { ...agent, ...availabilityCard((await availabilityOf(env.DB, [agent.id])).get(agent.id)!) };
  },
);

export const publicServiceEndpoint = publicCard(
  "A service's public card for its chat page (no private fields)",
  ServiceCard,
  (slug) => ({ kind: 'service', slug }),
  async (env, slug) => {
    const now = Date.now();
    const service = await getServiceBySlug(env.DB, slug);
    const [members, firstResponse] = await Promise.all([
      availabilityOf(env.DB, service.licensedMembers.map((m) => m.id), now),
      firstResponseSeconds(env.DB, service.id, now),
    ]);
    const availability = aggregateAvailability(members.values());
    const hours = hoursAt(service.hours, now);
    return {
      ...service,
      ...availabilityCard(availability),
      // Hours first: outside them nobody is expected, whoever happens to be online.
      hoursStatus: !hours.open ? ('closed' as const) : availability === 'online' ? ('open' as const) : ('away' as const),
      opensAt: iso(hours.opensAt),
      closesAt: iso(hours.closesAt),
      firstResponseSeconds: firstResponse,
    };
  },
);

const guests = endpointsFor('Guests', 'public');

export const createGuestEndpoint = guests({
  summary: 'Become a guest: returns the guest token that is the guest’s only key',
  body: GuestCreate,
  response: z.object({ guest: GuestView, token: z.string() }),
  status: 201,
  errors: [429],
  handle: async ({ request, env, body }) => {
    await enforceRateLimit(env, 'guests_per_address', clientAddress(request));
    const guest = await createGuest(env.DB, body);
    return { guest, token: await issueGuestToken(guest.id, env) };
  },
});

export const currentGuestEndpoint = endpointsFor('Guests', 'guest')({
  summary: 'The guest the token belongs to',
  response: GuestView,
  errors: [404],
  handle: async ({ principal }) => found(principal.guest, 'Guest'),
});

const agents = endpointsFor('Agents', 'agent');

export const currentAgentEndpoint = agents({
  summary: 'The agent the token belongs to',
  response: AgentView,
  handle: async ({ principal }) => principal.agent,
});

export const updateCurrentAgentEndpoint = agents({
  summary: "The agent changes what they tell guests about themselves: the description their booking page shows",
  body: AgentSelfUpdate,
  response: AgentView,
  errors: [400],
  audit: { entity: 'agent', id: ({ principal }) => principal.agent.id, before: async ({ principal }) => principal.agent },
  handle: ({ env, principal, body }) => updateAgent(env.DB, principal.agent.slug, body),
});

export const agentServicesEndpoint = agents({
  summary: 'Services to assign a conversation to, with their assignable flag and licensed members',
  response: z.object({
    services: z.array(
      ServiceView.omit({ members: true, embedOrigins: true, createdAt: true, updatedAt: true }).extend({
        licensedMembers: z.array(MemberView.extend({ availability: Availability.describe('So the assigner sees who is at their console.') })),
      }),
    ),
  }),
  handle: async ({ env }) => {
    const services = await listServices(env.DB);
    const availability = await availabilityOf(env.DB, [...new Set(services.flatMap((s) => s.licensedMembers.map((m) => m.id)))]);
    return {
      services: services.map((s) => ({ ...s, licensedMembers: s.licensedMembers.map((m) => ({ ...m, availability: availability.get(m.id)! })) })),
    };
  },
});

export const publicDirectoryRoutes: Routes = (api) =>
  api
    .get('/api/public/agents/:slug', publicAgentEndpoint)
    .get('/api/public/services/:slug', publicServiceEndpoint)
    .post('/api/guests', createGuestEndpoint)
    .get('/api/guests/me', currentGuestEndpoint)
    .get('/api/agents/me', currentAgentEndpoint)
    .patch('/api/agents/me', updateCurrentAgentEndpoint)
    .get('/api/services', agentServicesEndpoint);
