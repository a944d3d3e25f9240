import { z } from 'zod';
import { getAgentBySlug } from '../directory/agents';
import { ConversationId, ConversationParams, DisplayName, IdentityView, Slug, TimeZone } from '../directory/schemas';
import { conversationsStartedBy } from '../directory/conversations';
import { findContactByGuest } from '../directory/contacts';
import { findGuest, identityView } from '../directory/guests';
import { displayText } from '../http/validation';
import { getServiceBySlug } from '../directory/services';
import { checkAnswers, DEFAULT_PRECHAT, PrechatAnswersInput, PrechatAnswerView, type PrechatForm } from '../directory/prechat';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { bearerToken, issueInvite, tokenExpiry, verifyInvite } from '../http/auth';
import { endpointsFor, type Principal } from '../http/endpoint';
import { conversationScope, foreignOrigin, requireEmbedOrigin } from '../http/embed';
import { found, HttpError, requireUpgrade } from '../http/errors';
import { clientAddress, enforceRateLimit, rateLimitsOn } from '../http/limits';
import { InboxItem } from '../inbox/item';
import { unwrap } from '../actor/outcome';
import type { Caller } from './actor';
import { agentParticipant, conversationIdFor, guestChannel, guestConversationKey, type AgentParticipant, type ConversationStatus, type Origin } from './model';
import { InviteView, MaxUses } from './invites';
import { checkSend, ClientId, ConversationStatusValue, ConversationView, Entry, LIMITS, MessageText, SendFields } from './protocol';
import { knownScope, remember } from './embed-scopes';
import { conversationActor, existingConversationActor } from './stub';

const forGuests = endpointsFor('Conversations', 'guest');
const forAgents = endpointsFor('Conversations', 'agent');
const forPeople = endpointsFor('Conversations', 'person');


/** The Worker, not the browser, decides who the caller is: from the verified token and the directory. */
export async function callerOf(principal: Principal<'person'>, env: Env): Promise<Caller> {
  if (principal.kind === 'agent') return { kind: 'agent', agent: agentParticipant(principal.agent) };
  const guest = found(principal.guest, 'Guest');
  return { kind: 'guest', guest: { id: guest.id, name: guest.name, avatarUrl: null } };
}

/**
 * The caller of a request about conversation `id`, read from the directory once. A guest's
 * page on another site reaches a conversation only if that site may embed whom the
 * conversation was started with (src/http/embed.ts), so a token carried to a site that is not
 * allowed for that service is refused. Pages of this server and non-browser clients pass.
 * Whom it was started with never changes and is remembered per isolate (./embed-scopes.ts),
 * so only the first request asks the actor; whether the site may embed it is read each time,
 * so an admin's change to an allowlist holds from the next request on.
 */
export async function admit(request: Request, env: Env, principal: Principal<'person'>, id: string): Promise<Caller> {
  const caller = await callerOf(principal, env);
  if (caller.kind !== 'guest' || !foreignOrigin(request, env)) return caller;
  const known = knownScope(id);
  const scope = known ?? remember(id, conversationScope(unwrap(await (await existingConversationActor(env, id)).view(caller)).origin));
  try {
    await requireEmbedOrigin(request, env, scope);
  } catch (refusal) {
    // A guest not in the conversation gets the actor's answer (as if it did not exist), as
    // when the scope is not known yet: an origin refusal would tell them whom it is with.
    if (known) unwrap(await (await existingConversationActor(env, id)).view(caller));
    throw refusal;
  }
  return caller;
}

const Target = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('agent'), slug: Slug }),
  z.strictObject({ kind: z.literal('service'), slug: Slug, widget: z.boolean().default(false) }),
]);

/** A link the console shows and opens: only http(s), so no `javascript:` ever reaches a click. */
const WebAddress = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((text) => {
    try {
      return ['http:', 'https:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/** What the guest's browser tells agents about where the conversation starts (docs/rules.md); each field optional. */
const StartContextInput = z.strictObject({
  url: WebAddress.optional().describe('The page the guest wrote from (`location.href`).'),
  title: displayText(200).optional().describe("That page's title."),
  referrer: WebAddress.optional().describe('`document.referrer`, when there is one.'),
  language: z
    .string()
    .max(35, 'must be at most 35 characters')
    .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, 'must be a language tag such as en-GB')
    .optional()
    .describe('`navigator.language`.'),
  timeZone: TimeZone.optional().describe('`Intl.DateTimeFormat().resolvedOptions().timeZone`.'),
  channel: z.enum(['widget', 'page']).optional().describe("'widget' from the embedded widget, 'page' from this server's pages."),
});

/** The answers to keep, or the request's 400 listing every field that is wrong, before anything is created. */
function prechatAnswers(form: PrechatForm, given: Record<string, string>, guestEmail: string | null) {
  const checked = checkAnswers(form, given);
  const found = 'problems' in checked ? checked.problems : [];
  if (form.email === 'required' && !guestEmail) found.unshift({ path: 'email', message: "is required by this service's pre-chat form: the guest gave none (POST /api/guests with an email)" });
  if (!found.length) return 'answers' in checked ? checked.answers : [];
  throw new HttpError(400, 'invalid_request', `The pre-chat answers are not valid: ${found[0]!.path}: ${found[0]!.message}.`, { where: 'body', problems: found });
}

export const startConversationEndpoint = forGuests({
  summary: 'A guest writes to an agent or a service: creates the conversation the first time, reuses it after (C1, C2)',
  body: z.strictObject({
    target: Target,
    clientId: ClientId,
    text: MessageText,
    context: StartContextInput.optional().describe('Kept only when this creates the conversation; agents see it (GET /api/conversations/{id}/details).'),
    answers: PrechatAnswersInput.optional().describe("The guest's answers to the service's pre-chat form, by field key; checked against the form as it is now. Kept only when this creates the conversation."),
  }),
  response: z.object({ created: z.boolean(), seq: z.number().int(), duplicate: z.boolean(), conversation: ConversationView }),
  errors: [404, 409, 429],
  handle: async ({ request, env, principal, body }) => {
    await requireEmbedOrigin(request, env, body.target.kind === 'service' ? { kind: 'service', slug: body.target.slug } : { kind: 'agent' });
    await enforceRateLimit(env, 'conversations_per_address', clientAddress(request));
    await enforceRateLimit(env, 'conversations_per_guest', principal.guestId);
    const guest = found(principal.guest, 'Guest');
    let origin: Origin;
    let agents: AgentParticipant[];
    // A personal link has no form of its own: the default one, with no fields, takes no answers.
    let form: PrechatForm = DEFAULT_PRECHAT;
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
      form = service.prechat;
    }
    const answers = prechatAnswers(form, body.answers ?? {}, guest.email);
    // C2: the id comes from the guest and the target, so writing again reaches the same actor.
    const id = await conversationIdFor(guestConversationKey(guest.id, origin));
    const { channel, ...told } = body.context ?? {};
    const started = unwrap(
      await conversationActor(env, id).start({
        id,
        origin,
        agents,
        guest: { id: guest.id, name: guest.name, avatarUrl: null },
        clientId: body.clientId,
        text: body.text,
        context: { ...told, channel: guestChannel(origin, channel === 'widget') },
        answers,
      }),
    );
    remember(id, conversationScope(started.conversation.origin));
    return started;
  },
});

export const viewConversationEndpoint = forPeople({
  summary: 'The conversation as the caller sees it: title, avatar, participants, read positions',
  params: ConversationParams,
  response: ConversationView,
  errors: [403, 404],
  handle: async ({ request, env, principal, params }) => {
    const caller = await admit(request, env, principal, params.id);
    return unwrap(await (await existingConversationActor(env, params.id)).view(caller));
  },
});

/** At most this many of a guest's other conversations are listed, newest first. */
const PREVIOUS_MAX = 20;

const GuestDetails = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable().describe('From their phonebook contact, else what the guest gave.'),
  phone: z.string().nullable().describe('From their phonebook contact.'),
  contactId: z.string().nullable(),
  identity: IdentityView.optional().describe('Only for a guest who came with a verified user token (docs/widget.md "Identified visitors").'),
  previous: z
    .array(z.object({ id: z.string(), title: z.string(), with: z.string().describe('The service or agent it was started with.'), lastActivityAt: z.string() }))
    .describe(`Other conversations this guest started that the caller may open, newest first (at most ${PREVIOUS_MAX}).`),
});

export const detailsEndpoint = forAgents({
  summary: 'What agents know about the guest: where the conversation started, the guests’ email and phone, their other conversations, their ratings',
  params: ConversationParams,
  response: z.object({
    context: z.object({
      channel: z.enum(['widget', 'service_page', 'personal_link', 'meeting']),
      url: z.string().optional(),
      title: z.string().optional(),
      referrer: z.string().optional(),
      language: z.string().optional(),
      timeZone: z.string().optional(),
    }),
    answers: PrechatAnswerView.describe("The first guest's answers to the pre-chat form, in the form's order, with the labels they read."),
    guests: z.array(GuestDetails),
    ratings: z
      .array(z.object({ resolution: z.number().int(), score: z.number().int().describe('1 to 5'), comment: z.string().nullable(), at: z.string(), by: z.object({ id: z.string(), name: z.string() }) }))
      .describe('What guests rated each resolution, newest first (the latest 20).'),
  }),
  errors: [403, 404],
  handle: async ({ env, principal, params }) => {
    const caller = await callerOf(principal, env);
    const { context, answers, guests, ratings } = unwrap(await (await existingConversationActor(env, params.id)).details(caller));
    return {
      context,
      answers,
      ratings: ratings.flatMap((e) => (e.event?.type === 'rating' ? [{ resolution: e.event.resolution, score: e.event.score, comment: e.event.comment, at: e.at, by: { id: e.author.id, name: e.author.name } }] : [])),
      guests: await Promise.all(
        guests.map(async (g) => {
          const [record, contact, ids] = await Promise.all([findGuest(env.DB, g.id), findContactByGuest(env.DB, g.id), conversationsStartedBy(env.DB, g.id, params.id, PREVIOUS_MAX)]);
          // Only what the caller may open is listed: a private one of someone else's is not there at all.
          const previous = (await Promise.all(ids.map(async (id) => (await existingConversationActor(env, id)).summary(caller)))).flatMap((o) => (o.ok ? [o.value] : []));
          const identity = record?.identity ? { identity: identityView(record.identity) } : {};
          return { id: g.id, name: g.name, email: contact?.email ?? record?.email ?? null, phone: contact?.phone ?? null, contactId: contact?.id ?? null, ...identity, previous };
        }),
      ),
    };
  },
});

export const historyEndpoint = forPeople({
  summary: 'Timeline entries after a sequence number, oldest first (paginate with `after`)',
  params: ConversationParams,
  query: z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(LIMITS.historyPage).default(50),
  }),
  response: z.object({ entries: z.array(Entry), lastSeq: z.number().int() }),
  errors: [403, 404],
  handle: async ({ request, env, principal, params, query }) => {
    const caller = await admit(request, env, principal, params.id);
    return unwrap(await (await existingConversationActor(env, params.id)).history(caller, query.after, query.limit));
  },
});

export const postMessageEndpoint = forPeople({
  summary: 'Send a message, or with note: true a private note only agents see; a repeated clientId stores nothing new and answers the same seq',
  params: ConversationParams,
  body: z
    .strictObject({
      ...SendFields,
      note: SendFields.note.describe('A private note (licensed agents only; docs/protocol.md, "Private notes").'),
      attachments: SendFields.attachments.describe('Files uploaded for this clientId (docs/attachments.md); with them `text` may be empty.'),
    })
    .superRefine(checkSend),
  response: z.object({ seq: z.number().int(), duplicate: z.boolean() }),
  errors: [400, 404, 403, 429],
  handle: async ({ request, env, principal, params, body }) => {
    const caller = await admit(request, env, principal, params.id);
    const conversation = await existingConversationActor(env, params.id);
    const limited = rateLimitsOn(env);
    return unwrap(await (body.note ? conversation.postNote(caller, body.clientId, body.text, { limited }) : conversation.post(caller, body.clientId, body.text, { limited, attachments: body.attachments })));
  },
});

export const socketEndpoint = forPeople({
  summary: 'Open the conversation WebSocket (docs/protocol.md); token in Authorization or ?token=, resume with ?since=',
  params: ConversationParams,
  query: z.object({ since: z.coerce.number().int().min(0).optional(), token: z.string().optional() }),
  errors: [403, 404, 426, 429],
  handle: async ({ request, env, principal, params }) => {
    requireUpgrade(request);
    const caller = await admit(request, env, principal, params.id);
    const forwarded = new Request(request.url, { headers: request.headers });
    forwarded.headers.set('x-doorbell-socket', JSON.stringify({ caller, expiresAt: tokenExpiry(bearerToken(request)), limited: rateLimitsOn(env) }));
    return (await existingConversationActor(env, params.id)).fetch(forwarded);
  },
});

export const joinEndpoint = forAgents({
  summary: 'An agent joins a public conversation (licensed agents only)',
  params: ConversationParams,
  response: ConversationView,
  errors: [404],
  handle: async ({ env, principal, params }) => unwrap(await (await existingConversationActor(env, params.id)).join(await callerOf(principal, env))),
});

export const leaveEndpoint = forAgents({
  summary: 'An agent leaves (C6: the guest’s next message may bring the agents back)',
  params: ConversationParams,
  response: ConversationView,
  errors: [404, 409],
  handle: async ({ env, principal, params }) => unwrap(await (await existingConversationActor(env, params.id)).leave(await callerOf(principal, env))),
});

export const assignEndpoint = forAgents({
  summary: 'Assign to a service (must be assignable) and optionally one licensed member of it (C5)',
  params: ConversationParams,
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
    return unwrap(await (await existingConversationActor(env, params.id)).assign(await callerOf(principal, env), request));
  },
});

/** How far ahead a snooze may end: far enough for "next quarter", near enough to stay a snooze. */
export const MAX_SNOOZE_DAYS = 90;

export const updateConversationEndpoint = forPeople({
  summary: 'Rename (anyone in it), make private/public, or resolve, snooze and reopen (agents)',
  params: ConversationParams,
  body: z
    .strictObject({
      name: DisplayName.optional(),
      visibility: z.enum(['public', 'private']).optional(),
      status: ConversationStatusValue.optional().describe('Agents who may write in it; a guest message reopens a snoozed or resolved conversation.'),
      until: z.iso
        .datetime({ offset: true })
        .optional()
        .describe(`With status "snoozed": when it opens again by itself, in the future and at most ${MAX_SNOOZE_DAYS} days ahead; without it the snooze lasts until the guest writes.`),
    })
    .refine((v) => v.name !== undefined || v.visibility !== undefined || v.status !== undefined, 'name at least one of name, visibility, status')
    .superRefine((v, ctx) => {
      if (v.until === undefined) return;
      if (v.status !== 'snoozed') return void ctx.addIssue({ code: 'custom', path: ['until'], message: 'only goes with status "snoozed"' });
      const until = Date.parse(v.until);
      if (until <= Date.now()) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be in the future' });
      else if (until > Date.now() + MAX_SNOOZE_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', path: ['until'], message: `must be at most ${MAX_SNOOZE_DAYS} days ahead` });
    }),
  response: ConversationView,
  errors: [404, 403],
  handle: async ({ request, env, principal, params, body }) => {
    const caller = await admit(request, env, principal, params.id);
    const { status, until, ...change } = body;
    const actor = await existingConversationActor(env, params.id);
    const next: ConversationStatus | null =
      status === undefined ? null : status === 'snoozed' ? { value: 'snoozed', until: until === undefined ? null : Date.parse(until) } : { value: status };
    // The actor refuses a guest's status change (403, or 404 to a stranger) before anything
    // else changes: a guest asking for a rename and a status gets neither.
    if (next && caller.kind === 'guest') unwrap(await actor.setStatus(caller, next));
    let view = change.name !== undefined || change.visibility !== undefined ? unwrap(await actor.update(caller, change)) : null;
    if (next) view = unwrap(await actor.setStatus(caller, next));
    return view!;
  },
});

const InviteParams = z.object({ id: ConversationId, inviteId: z.string().regex(/^iv_[A-Za-z0-9]{20}$/, 'must be an invite id') });

export const inviteEndpoint = forAgents({
  summary: 'An invite link for more guests (C7): single-use unless `maxUses` (1–20) says more; valid 7 days',
  params: ConversationParams,
  body: z.strictObject({ maxUses: MaxUses.default(1).describe('How many new guests may join with it.') }),
  bodyOptional: true,
  response: InviteView.extend({ invite: z.string().describe('The signed token the link carries.'), url: z.string() }),
  status: 201,
  errors: [404, 403, 429],
  handle: async ({ env, principal, params, body }) => {
    await enforceRateLimit(env, 'invites_per_agent', principal.agent.id);
    const view = unwrap(await (await existingConversationActor(env, params.id)).createInvite(await callerOf(principal, env), body.maxUses));
    const invite = await issueInvite(params.id, view, env);
    return { ...view, invite, url: `${env.PUBLIC_BASE_URL}/invite#${invite}` };
  },
});

export const listInvitesEndpoint = forAgents({
  summary: "The conversation's invite links, newest first (at most 100), with what became of each",
  params: ConversationParams,
  response: z.object({ invites: z.array(InviteView) }),
  errors: [404],
  handle: async ({ env, principal, params }) => ({
    invites: unwrap(await (await existingConversationActor(env, params.id)).listInvites(await callerOf(principal, env))),
  }),
});

export const revokeInviteEndpoint = forAgents({
  summary: 'Withdraw an invite link: nobody new joins with it (revoking twice changes nothing)',
  params: InviteParams,
  response: InviteView,
  errors: [403, 404],
  handle: async ({ env, principal, params }) =>
    unwrap(await (await existingConversationActor(env, params.id)).revokeInvite(await callerOf(principal, env), params.inviteId)),
});

const InviteBody = z.strictObject({ invite: z.string().min(1).max(2048).describe('The signed token the invite link carries (after `#`).') });

export const previewInviteEndpoint = endpointsFor('Conversations', 'public')({
  summary: 'What an invite link leads to, before the guest gives a name: who invites them and the conversation title a guest sees; the token is the right to ask',
  body: InviteBody,
  response: z.object({
    invitedBy: z.object({ name: z.string() }).describe('The agent who made the link.'),
    title: z.string().describe('The conversation as a guest sees it (the service, the agent, or its new name).'),
  }),
  errors: [403, 404, 410],
  handle: async ({ request, env, body }) => {
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    const { conversationId, inviteId } = await verifyInvite(body.invite, env);
    return unwrap(await conversationActor(env, conversationId).previewInvite(inviteId));
  },
});

export const acceptInviteEndpoint = forGuests({
  summary: 'A guest accepts an invite link and joins the conversation; a used-up or withdrawn link answers 410',
  body: InviteBody,
  response: ConversationView,
  errors: [403, 404, 410, 429],
  handle: async ({ request, env, principal, body }) => {
    // Invite links open this server's /invite page; other sites need the organisation-wide list.
    await requireEmbedOrigin(request, env, { kind: 'agent' });
    await enforceRateLimit(env, 'invite_accepts_per_address', clientAddress(request));
    await enforceRateLimit(env, 'invite_accepts_per_guest', principal.guestId);
    const { conversationId, inviteId } = await verifyInvite(body.invite, env);
    const guest = found(principal.guest, 'Guest');
    return unwrap(await conversationActor(env, conversationId).addGuest({ id: guest.id, name: guest.name, avatarUrl: null }, inviteId));
  },
});

export const conversationRoutes: Routes = (api) =>
  api
    .post('/api/conversations', startConversationEndpoint)
    .get('/api/conversations/:id', viewConversationEndpoint)
    .patch('/api/conversations/:id', updateConversationEndpoint)
    .get('/api/conversations/:id/details', detailsEndpoint)
    .get('/api/conversations/:id/messages', historyEndpoint)
    .post('/api/conversations/:id/messages', postMessageEndpoint)
    .get('/api/conversations/:id/socket', socketEndpoint)
    .post('/api/conversations/:id/join', joinEndpoint)
    .post('/api/conversations/:id/leave', leaveEndpoint)
    .post('/api/conversations/:id/assign', assignEndpoint)
    .post('/api/conversations/:id/invites', inviteEndpoint)
    .get('/api/conversations/:id/invites', listInvitesEndpoint)
    .delete('/api/conversations/:id/invites/:inviteId', revokeInviteEndpoint)
    .post('/api/invites/preview', previewInviteEndpoint)
    .post('/api/invites/accept', acceptInviteEndpoint);
