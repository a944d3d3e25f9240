import { z } from 'zod';
import { unwrap } from '../actor/outcome';
import type { Caller } from '../conversation/actor';
import { agentParticipant } from '../conversation/model';
import type { Entry } from '../conversation/protocol';
import { findContactByGuest } from '../directory/contacts';
import { existingConversationActor } from '../conversation/stub';
import { getGuest } from '../directory/guests';
import { ConversationParams, Id, iso } from '../directory/schemas';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError, notFound } from '../http/errors';
import { CRM_PROVIDERS, PROVIDER_NAMES, type CrmPushRequest } from './crm';
import { missingConfiguration } from './crm-actor';
import { crmActor } from './stub';

const define = endpointsFor('CRM', 'agent');

/** Transcripts are capped below both providers' limits; the newest messages are kept. */
const TRANSCRIPT_CHARS = 30_000;
/** At most this many timeline entries are read for one transcript. */
const TRANSCRIPT_ENTRIES = 5_000;

const line = (entry: Entry): string => `[${entry.at.slice(0, 16).replace('T', ' ')} UTC] ${entry.author.name}: ${entry.text ?? ''}`;

/** The conversation's messages as plain text, oldest first, within the cap. */
export function transcriptOf(entries: Entry[]): string {
  const lines = entries.filter((e) => e.kind === 'message').map(line);
  let total = 0;
  let start = lines.length;
  while (start > 0 && total + lines[start - 1]!.length + 1 <= TRANSCRIPT_CHARS) total += lines[--start]!.length + 1;
  const omitted = start > 0 ? [`(${start} earlier message${start === 1 ? '' : 's'} omitted)`] : [];
  return [...omitted, ...lines.slice(start)].join('\n');
}

async function readTimeline(env: Env, id: string, caller: Caller): Promise<Entry[]> {
  const entries: Entry[] = [];
  let after = 0;
  const conversation = await existingConversationActor(env, id);
  while (entries.length < TRANSCRIPT_ENTRIES) {
    const page = unwrap(await conversation.history(caller, after, 200));
    entries.push(...page.entries);
    if (page.entries.length === 0 || after >= page.lastSeq) break;
    after = page.entries[page.entries.length - 1]!.seq;
    if (after >= page.lastSeq) break;
  }
  return entries;
}

const PushView = z.object({
  id: z.string(),
  provider: z.enum(CRM_PROVIDERS),
  status: z.enum(['queued', 'succeeded', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  recordUrl: z.string().nullable(),
  error: z.string().nullable().describe('The last error: why it is being retried, or why it failed.'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const pushToCrmEndpoint = define({
  summary: "Queue a push of the conversation's guest and transcript to HubSpot or Salesforce (C11); the result appears in the conversation for agents",
  params: ConversationParams,
  body: z.strictObject({
    provider: z.enum(CRM_PROVIDERS),
    guestId: Id.optional().describe('Which guest of the conversation; the first guest by default.'),
  }),
  response: z.object({ push: PushView }),
  status: 202,
  errors: [403, 404, 409, 422],
  handle: async ({ env, principal, params, body }) => {
    const agent = agentParticipant(principal.agent);
    const caller: Caller = { kind: 'agent', agent };
    const view = unwrap(await (await existingConversationActor(env, params.id)).view(caller));
    if (!view.you.participant) throw new HttpError(403, 'not_a_participant', 'Only agents in the conversation push it to a CRM; join it first.');
    if (agent.license === 'basic') {
      throw new HttpError(403, 'agent_not_licensed', `${agent.name} has a basic license; only standard or premium agents push conversations to a CRM.`);
    }
    const missing = missingConfiguration(env, body.provider);
    if (missing.length > 0) {
      throw new HttpError(409, 'crm_not_configured', `${PROVIDER_NAMES[body.provider]} is not configured on this server: set ${missing.join(', ')}.`, { missing });
    }
    const guests = view.participants.filter((p) => p.kind === 'guest');
    const chosen = body.guestId === undefined ? guests[0] : guests.find((g) => g.id === body.guestId);
    if (!chosen) throw notFound(body.guestId === undefined ? 'A guest in this conversation' : 'This guest in this conversation');
    const guest = await getGuest(env.DB, chosen.id);
    const contact = await findContactByGuest(env.DB, guest.id);
    const email = contact?.email ?? guest.email;
    if (!email) {
      throw new HttpError(422, 'guest_email_required', `${guest.name} has no email address; CRM records are matched by email. Add the guest to the phonebook with an email first.`);
    }
    const request: CrmPushRequest = {
      conversationId: params.id,
      person: { name: contact?.name ?? guest.name, email, phone: contact?.phone ?? null, company: contact?.company ?? null },
      transcript: transcriptOf(await readTimeline(env, params.id, caller)),
      requestedBy: { id: agent.id, name: agent.name },
      requestedAt: Date.now(),
    };
    const { id } = await crmActor(env, body.provider).enqueuePush(body.provider, request);
    const now = new Date().toISOString();
    return { push: { id, provider: body.provider, status: 'queued' as const, attempts: 0, nextAttemptAt: now, recordUrl: null, error: null, createdAt: now, finishedAt: null } };
  },
});

export const listCrmPushesEndpoint = define({
  summary: "The conversation's CRM pushes and where each stands, newest first (agents who can open the conversation)",
  params: ConversationParams,
  response: z.object({ pushes: z.array(PushView) }),
  errors: [404],
  handle: async ({ env, principal, params }) => {
    unwrap(await (await existingConversationActor(env, params.id)).view({ kind: 'agent', agent: agentParticipant(principal.agent) }));
    const lists = await Promise.all(CRM_PROVIDERS.map((provider) => crmActor(env, provider).pushes(params.id)));
    const pushes = lists
      .flat()
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((p) => ({
        id: p.id,
        provider: p.provider,
        status: p.status,
        attempts: p.attempts,
        nextAttemptAt: p.status === 'queued' ? iso(p.dueAt) : null,
        recordUrl: p.recordUrl,
        error: p.error,
        createdAt: iso(p.createdAt),
        finishedAt: iso(p.finishedAt),
      }));
    return { pushes };
  },
});

export const crmRoutes: Routes = (api) =>
  api.post('/api/conversations/:id/crm', pushToCrmEndpoint).get('/api/conversations/:id/crm', listCrmPushesEndpoint);
