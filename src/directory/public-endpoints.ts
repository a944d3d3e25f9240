import { z } from 'zod';
import type { Routes } from '../http/api';
import { issueGuestToken } from '../http/auth';
import { requireEmbedOrigin } from '../http/embed';
import { endpoint } from '../http/endpoint';
import { clientAddress, enforceRateLimit } from '../http/limits';
import { getAgentBySlug } from './agents';
import { createGuest, getGuest } from './guests';
import { aggregateAvailability, Availability, availabilityMessage } from './availability';
import { availabilityOf } from './presence';
import { AgentCard, AgentView, GuestCreate, GuestView, MemberView, ServiceCard, ServiceView, SlugParams } from './schemas';
import { getServiceBySlug, listServices } from './services';

export const publicAgentEndpoint = endpoint({
  summary: "An agent's public card for their contact-me page (no private fields)",
  tag: 'Public directory',
  access: 'public',
  params: SlugParams,
  response: AgentCard,
  errors: [403, 404],
  handle: async ({ request, env, params }) => {
    // The widget's first call: a site not allowed to embed learns it here, clearly.
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    const agent = await getAgentBySlug(env.DB, params.slug);
    return { ...agent, ...card((await availabilityOf(env.DB, [agent.id])).get(agent.id)!) };
  },
});

export const publicServiceEndpoint = endpoint({
  summary: "A service's public card for its chat page (no private fields)",
  tag: 'Public directory',
  access: 'public',
  params: SlugParams,
  response: ServiceCard,
  errors: [403, 404],
  handle: async ({ request, env, params }) => {
    await requireEmbedOrigin(request, env, { kind: 'service', slug: params.slug });
    const service = await getServiceBySlug(env.DB, params.slug);
    const members = await availabilityOf(env.DB, service.licensedMembers.map((m) => m.id));
    return { ...service, ...card(aggregateAvailability(members.values())) };
  },
});

const card = (availability: Availability) => ({ availability, availabilityMessage: availabilityMessage(availability) });

export const createGuestEndpoint = endpoint({
  summary: 'Become a guest: returns the guest token that is the guest’s only key',
  tag: 'Guests',
  access: 'public',
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

export const currentGuestEndpoint = endpoint({
  summary: 'The guest the token belongs to',
  tag: 'Guests',
  access: 'guest',
  response: GuestView,
  errors: [404],
  handle: ({ env, principal }) => getGuest(env.DB, principal.guestId),
});

export const currentAgentEndpoint = endpoint({
  summary: 'The agent the token belongs to',
  tag: 'Agents',
  access: 'agent',
  response: AgentView,
  handle: async ({ principal }) => principal.agent,
});

export const agentServicesEndpoint = endpoint({
  summary: 'Services to assign a conversation to, with their assignable flag and licensed members',
  tag: 'Agents',
  access: 'agent',
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
    .get('/api/services', agentServicesEndpoint);
