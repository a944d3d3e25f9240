import { z } from 'zod';
import { getAgentBySlug } from '../directory/agents';
import { getGuest } from '../directory/guests';
import { DisplayName, Slug } from '../directory/schemas';
import { getServiceBySlug } from '../directory/services';
import type { Env } from '../env';
import { forwardReportUpgrade } from '../actor/sockets';
import { bearerToken, issueInvite, tokenExpiry, verifyInvite } from '../http/auth';
import { endpoint, type Principal } from '../http/endpoint';
import { conversationScope, foreignOrigin, requireEmbedOrigin } from '../http/embed';
import { HttpError, requireUpgrade } from '../http/errors';
import { clientAddress, enforceRateLimit, rateLimitsOn } from '../http/limits';
import { InboxItem } from '../inbox/item';
import { unwrap } from '../actor/outcome';
import type { Caller } from './actor';
import { agentParticipant, conversationIdFor, guestConversationKey, type AgentParticipant, type Origin } from './model';
import { ClientId, ConversationView, Entry, LIMITS, MessageText } from './protocol';

const tag = 'Conversations';

const ConversationId = z.string().regex(/^cv_[a-f0-9]{32}$/, 'must be a conversation id');
const IdParams = z.object({ id: ConversationId });

/** The Worker, not the browser, decides who the caller is: from the verified token and the directory. */
async function callerOf(principal: Principal<'person'>, env: Env): Promise<Caller> {
  if (principal.kind === 'agent') return { kind: 'agent', agent: agentParticipant(principal.agent) };
  const guest = await getGuest(env.DB, principal.guestId);
  return { kind: 'guest', guest: { id: guest.id, name: guest.name, avatarUrl: null } };
}

const actor = (env: Env, id: string) => env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));

/**
 * A guest's page on another site reaches a conversation only if that site may embed whom the
 * conversation was started with (src/http/embed.ts), so a token carried to a site that is not
 * allowed for that service is refused. Pages of this server and non-browser clients pass.
 */
async function checkGuestSite(request: Request, env: Env, principal: Principal<'person'>, id: string): Promise<void> {
  if (principal.kind !== 'guest' || !foreignOrigin(request, env)) return;
  const view = unwrap(await actor(env, id).view(await callerOf(principal, env)));
  await requireEmbedOrigin(request, env, conversationScope(view.origin));
}


const Target = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('agent'), slug: Slug }),
  z.strictObject({ kind: z.literal('service'), slug: Slug, widget: z.boolean().default(false) }),
]);

export const startConversationEndpoint = endpoint({
  summary: 'A guest writes to an agent or a service: creates the conversation the first time, reuses it after (C1, C2)',
  tag,
  access: 'guest',
  body: z.strictObject({ target: Target, clientId: ClientId, text: MessageText }),
  response: z.object({ created: z.boolean(), seq: z.number().int(), duplicate: z.boolean(), conversation: ConversationView }),
  errors: [404, 409, 429],
  handle: async ({ request, env, principal, body }) => {
    await requireEmbedOrigin(request, env, body.target.kind === 'service' ? { kind: 'service', slug: body.target.slug } : { kind: 'agent' });
    await enforceRateLimit(env, 'conversations_per_address', clientAddress(request));
    await enforceRateLimit(env, 'conversations_per_guest', principal.guestId);
    const guest = await getGuest(env.DB, principal.guestId);
    let origin: Origin;
    let agents: AgentParticipant[];
    if (body.target.kind === 'agent') {
      const agent = await getAgentBySlug(env.DB, body.target.slug);
      if (!agent.licensed) throw new HttpError(409, 'agent_unavailable', `${agent.name} cannot take conversations.`);
      origin = { kind: 'agent', agent: agentParticipant(agent) };
      agents = [agentParticipant(agent)];
    } else {
      const service = await getServiceBySlug(env.DB, body.target.slug);
      if (!service.assignable) throw new HttpError(409, 'service_unavailable', `Nobody in ${service.name} can take conversations.`);
      origin = { kind: 'service', service: { id: service.id, slug: service.slug, name: service.name, avatarUrl: service.avatarUrl }, viaWidget: body.target.widget };
      agents = service.licensedMembers.map(agentParticipant);
    }
    // C2: the id comes from the guest and the target, so writing again reaches the same actor.
    const id = await conversationIdFor(guestConversationKey(guest.id, origin));
    return unwrap(
      await actor(env, id).start({
        id,
        origin,
        agents,
        guest: { id: guest.id, name: guest.name, avatarUrl: null },
        clientId: body.clientId,
        text: body.text,
      }),
    );
  },
});

export const viewConversationEndpoint = endpoint({
  summary: 'The conversation as the caller sees it: title, avatar, participants, read positions',
  tag,
  access: 'person',
  params: IdParams,
  response: ConversationView,
  errors: [403, 404],
  handle: async ({ request, env, principal, params }) => {
    await checkGuestSite(request, env, principal, params.id);
    return unwrap(await actor(env, params.id).view(await callerOf(principal, env)));
  },
});

export const historyEndpoint = endpoint({
  summary: 'Timeline entries after a sequence number, oldest first (paginate with `after`)',
  tag,
  access: 'person',
  params: IdParams,
  query: z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(LIMITS.historyPage).default(50),
  }),
  response: z.object({ entries: z.array(Entry), lastSeq: z.number().int() }),
  errors: [403, 404],
  handle: async ({ request, env, principal, params, query }) => {
    await checkGuestSite(request, env, principal, params.id);
    return unwrap(await actor(env, params.id).history(await callerOf(principal, env), query.after, query.limit));
  },
});

export const postMessageEndpoint = endpoint({
  summary: 'Send a message; a repeated clientId stores nothing new and answers the same seq',
  tag,
  access: 'person',
  params: IdParams,
  body: z.strictObject({ clientId: ClientId, text: MessageText }),
  response: z.object({ seq: z.number().int(), duplicate: z.boolean() }),
  errors: [404, 403, 429],
  handle: async ({ request, env, principal, params, body }) => {
    await checkGuestSite(request, env, principal, params.id);
    return unwrap(await actor(env, params.id).post(await callerOf(principal, env), body.clientId, body.text, { limited: rateLimitsOn(env) }));
  },
});

export const socketEndpoint = endpoint({
  summary: 'Open the conversation WebSocket (docs/protocol.md); token in Authorization or ?token=, resume with ?since=',
  tag,
  access: 'person',
  params: IdParams,
  query: z.object({ since: z.coerce.number().int().min(0).optional(), token: z.string().optional() }),
  errors: [403, 404, 426, 429],
  handle: async ({ request, env, principal, params }) => {
    requireUpgrade(request);
    await checkGuestSite(request, env, principal, params.id);
    const caller = await callerOf(principal, env);
    const forwarded = new Request(request.url, { headers: request.headers });
    forwarded.headers.set('x-doorbell-socket', JSON.stringify({ caller, expiresAt: tokenExpiry(bearerToken(request)), limited: rateLimitsOn(env) }));
    return actor(env, params.id).fetch(forwarded);
  },
});

export const joinEndpoint = endpoint({
  summary: 'An agent joins a public conversation (licensed agents only)',
  tag,
  access: 'agent',
  params: IdParams,
  response: ConversationView,
  errors: [404],
  handle: async ({ env, principal, params }) => unwrap(await actor(env, params.id).join(await callerOf(principal, env))),
});

export const leaveEndpoint = endpoint({
  summary: 'An agent leaves (C6: the guest’s next message may bring the agents back)',
  tag,
  access: 'agent',
  params: IdParams,
  response: ConversationView,
  errors: [404, 409],
  handle: async ({ env, principal, params }) => unwrap(await actor(env, params.id).leave(await callerOf(principal, env))),
});

export const assignEndpoint = endpoint({
  summary: 'Assign to a service (must be assignable) and optionally one licensed member of it (C5)',
  tag,
  access: 'agent',
  params: IdParams,
  body: z.strictObject({ service: Slug, member: Slug.optional() }),
  response: ConversationView,
  errors: [403, 404, 409, 422],
  handle: async ({ env, principal, params, body }) => {
    const service = await getServiceBySlug(env.DB, body.service);
    const member = body.member === undefined ? undefined : service.members.find((m) => m.slug === body.member);
    if (body.member !== undefined && !member) {
      throw new HttpError(422, 'member_not_in_service', `"${body.member}" is not a member of ${service.name}.`);
    }
    const request = {
      service: { id: service.id, slug: service.slug, name: service.name, avatarUrl: service.avatarUrl, members: service.members.map(agentParticipant) },
      memberId: member?.id,
    };
    return unwrap(await actor(env, params.id).assign(await callerOf(principal, env), request));
  },
});

export const updateConversationEndpoint = endpoint({
  summary: 'Rename (anyone in it) or make private/public (agents)',
  tag,
  access: 'person',
  params: IdParams,
  body: z
    .strictObject({
      name: DisplayName.optional(),
      visibility: z.enum(['public', 'private']).optional(),
    })
    .refine((v) => v.name !== undefined || v.visibility !== undefined, 'name at least one of name, visibility'),
  response: ConversationView,
  errors: [404, 403],
  handle: async ({ request, env, principal, params, body }) => {
    await checkGuestSite(request, env, principal, params.id);
    return unwrap(await actor(env, params.id).update(await callerOf(principal, env), body));
  },
});

export const inviteEndpoint = endpoint({
  summary: 'An invite link for one more guest (C7); valid 7 days',
  tag,
  access: 'agent',
  params: IdParams,
  response: z.object({ invite: z.string(), url: z.string() }),
  status: 201,
  errors: [404, 403, 429],
  handle: async ({ env, principal, params }) => {
    if (!principal.agent.licensed) throw new HttpError(403, 'agent_not_licensed', 'Only standard or premium agents can invite guests.');
    await enforceRateLimit(env, 'invites_per_agent', principal.agent.id);
    unwrap(await actor(env, params.id).view(await callerOf(principal, env)));
    const invite = await issueInvite(params.id, env);
    return { invite, url: `${env.PUBLIC_BASE_URL}/invite#${invite}` };
  },
});

export const acceptInviteEndpoint = endpoint({
  summary: 'A guest accepts an invite link and joins the conversation',
  tag,
  access: 'guest',
  body: z.strictObject({ invite: z.string().min(1).max(2048) }),
  response: ConversationView,
  errors: [403, 404, 429],
  handle: async ({ request, env, principal, body }) => {
    // Invite links open this server's /invite page; other sites need the organisation-wide list.
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    await enforceRateLimit(env, 'invite_accepts_per_address', clientAddress(request));
    await enforceRateLimit(env, 'invite_accepts_per_guest', principal.guestId);
    const conversationId = await verifyInvite(body.invite, env);
    const guest = await getGuest(env.DB, principal.guestId);
    return unwrap(await actor(env, conversationId).addGuest({ id: guest.id, name: guest.name, avatarUrl: null }));
  },
});

const inbox = (env: Env, agentId: string) => env.INBOXES.get(env.INBOXES.idFromName(agentId));

export const inboxEndpoint = endpoint({
  summary: "The agent's conversations, most recent first (C10)",
  tag: 'Inbox',
  access: 'agent',
  response: z.object({ items: z.array(InboxItem) }),
  handle: async ({ env, principal }) => ({ items: await inbox(env, principal.agent.id).list() }),
});

export const inboxSocketEndpoint = endpoint({
  summary: "The agent's live inbox as a WebSocket: a snapshot, then item and removed frames",
  tag: 'Inbox',
  access: 'agent',
  query: z.object({ token: z.string().optional() }),
  errors: [426],
  handle: async ({ request, env, principal }) => {
    requireUpgrade(request);
    return inbox(env, principal.agent.id).fetch(forwardReportUpgrade(request, tokenExpiry(bearerToken(request))));
  },
});
