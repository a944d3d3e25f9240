import { z } from 'zod';
import { AGENT_HEADER, forwardReportUpgrade } from '../actor/sockets';
import type { Routes } from '../http/api';
import { bearerToken, tokenExpiry } from '../http/auth';
import { endpointsFor } from '../http/endpoint';
import { requireUpgrade } from '../http/errors';
import { ConversationStatusValue } from '../conversation/protocol';
import { chipsOf, labelCatalog, type LabelChip } from '../directory/labels';
import { Id, Slug } from '../directory/schemas';
import { countViews, listView, type ConversationSummary, type ViewFilters } from '../directory/summaries';
import { VIEWS, type View } from '../directory/views';
import type { Env } from '../env';
import { InboxItem } from './item';
import { PresenceUpdate, PresenceView } from './presence';
import { inboxSettingsEndpoint, updateInboxSettingsEndpoint } from './settings-endpoints';
import { inboxActor } from './stub';

const forAgents = endpointsFor('Inbox', 'agent');

/** Rows one view answers at most: the latest; a sharper filter finds older ones. */
const MAX_VIEW_ROWS = 200;

const ViewFilters = z.strictObject({
  status: ConversationStatusValue.optional().describe('Only the conversations with this status.'),
  service: Slug.optional().describe('Only the conversations of this service (its slug).'),
  label: Id.optional().describe('Only the conversations with this label.'),
  assignee: Slug.optional().describe('Only the conversations assigned to this agent (their slug).'),
});

const InboxQuery = ViewFilters.extend({
  view: z
    .enum(['inbox', ...VIEWS])
    .default('inbox')
    .describe(
      'inbox: every conversation you are in or a note mentioned you in; mine: those you are in; unassigned: open or snoozed ones of your services with no assignee; ' +
        'all: every open or snoozed one you may open; mentions: those a note @mentioned you in; resolved: the resolved ones you may open (docs/rules.md "Inbox views").',
    ),
  limit: z.coerce.number().int().min(1).max(MAX_VIEW_ROWS).default(MAX_VIEW_ROWS).describe('At most this many (unassigned, all and resolved only).'),
});

const ViewCounts = z.object(Object.fromEntries(VIEWS.map((v) => [v, z.number().int().min(0)])) as Record<View, z.ZodNumber>);

export const inboxEndpoint = forAgents({
  summary: "The agent's conversations in one view (C10; docs/rules.md \"Inbox views\"), latest activity first, with filters",
  query: InboxQuery,
  response: z.object({ items: z.array(InboxItem) }),
  handle: async ({ env, principal, query }) => {
    const { view, limit, ...filters } = query;
    const [own, catalog] = await Promise.all([ownItems(env, principal.agent.id), labelCatalog(env.DB)]);
    if (view === 'inbox' || view === 'mine' || view === 'mentions') return { items: own.filter((item) => inOwnView(item, view) && matches(item, filters)) };
    const byId = new Map(own.map((item) => [item.conversationId, item]));
    const rows = await listView(env.DB, view, principal.agent.id, filters, limit);
    return { items: rows.map((row) => fromSummary(row, principal.agent.id, catalog, byId.get(row.id))) };
  },
});

export const viewCountsEndpoint = forAgents({
  summary: 'How many conversations each inbox view holds for the calling agent, with the same filters as GET /api/inbox',
  query: ViewFilters,
  response: z.object({
    counts: ViewCounts,
    anything: z.boolean().describe('Whether you have or may open any conversation at all, whatever the filters: false only for an empty organisation (or a new agent of one).'),
  }),
  handle: async ({ env, principal, query }) => {
    const [own, counted] = await Promise.all([ownItems(env, principal.agent.id), countViews(env.DB, principal.agent.id, query)]);
    const count = (view: 'mine' | 'mentions') => own.filter((item) => inOwnView(item, view) && matches(item, query)).length;
    const { anything, ...summaryCounts } = counted;
    return { counts: { mine: count('mine'), mentions: count('mentions'), ...summaryCounts }, anything: anything || own.length > 0 };
  },
});
/** What the agent's inbox actor holds (their own conversations and mentions), with labels as they are now. */
async function ownItems(env: Env, agentId: string): Promise<InboxItem[]> {
  const [stored, catalog] = await Promise.all([inboxActor(env, agentId).list(), labelCatalog(env.DB)]);
  // A row keeps the labels it had when its conversation last changed: a label renamed or
  // deleted since shows as it is now, or not at all.
  return stored.map((item) => ({ ...item, labels: chipsOf(catalog, (item.labels ?? []).map((l) => l.id)) }));
}

const inOwnView = (item: InboxItem, view: 'inbox' | 'mine' | 'mentions'): boolean =>
  view === 'inbox' || (view === 'mine' ? item.participant : item.mentions !== null);

/** The filters of directory/summaries.ts, on a row of the agent's own inbox. */
const matches = (item: InboxItem, f: ViewFilters): boolean =>
  (f.status === undefined || item.status === f.status) &&
  (f.service === undefined || item.service?.slug === f.service) &&
  (f.label === undefined || (item.labels ?? []).some((l) => l.id === f.label)) &&
  (f.assignee === undefined || item.assignee?.slug === f.assignee);

/** A summary as an inbox row; the agent's own inbox knows their unread counts and mentions. */
const fromSummary = (s: ConversationSummary, agentId: string, catalog: ReadonlyMap<string, LabelChip>, own: InboxItem | undefined): InboxItem => ({
  conversationId: s.id,
  title: s.title,
  avatarUrl: s.avatarUrl,
  lastMessage: s.lastMessage,
  unread: own?.unread ?? 0,
  visibility: s.visibility,
  status: s.status,
  snoozedUntil: s.snoozedUntil,
  participant: s.agentIds.includes(agentId),
  mentions: own?.mentions ?? null,
  labels: chipsOf(catalog, s.labelIds),
  service: s.serviceSlug ? { slug: s.serviceSlug, name: s.serviceName ?? s.serviceSlug } : null,
  assignee: s.assigneeSlug ? { slug: s.assigneeSlug, name: s.assigneeName ?? s.assigneeSlug } : null,
});

export const inboxSocketEndpoint = forAgents({
  summary: "The agent's live inbox as a WebSocket: a snapshot, then item and removed frames",
  query: z.object({ token: z.string().optional() }),
  errors: [426],
  handle: async ({ request, env, principal }) => {
    requireUpgrade(request);
    const forwarded = forwardReportUpgrade(request, tokenExpiry(bearerToken(request)));
    forwarded.headers.set(AGENT_HEADER, principal.agent.id);
    return inboxActor(env, principal.agent.id).fetch(forwarded);
  },
});

export const presenceEndpoint = forAgents({
  summary: "The calling agent's availability: the state they chose and what guests see (offline while no console is open)",
  response: PresenceView,
  handle: async ({ env, principal }) => inboxActor(env, principal.agent.id).presence(),
});

export const updatePresenceEndpoint = forAgents({
  summary: 'Set the calling agent online or away; their consoles get a presence frame and the public cards follow',
  body: PresenceUpdate,
  response: PresenceView,
  handle: async ({ env, principal, body }) => inboxActor(env, principal.agent.id).setPresence(principal.agent.id, body.state),
});

export const inboxRoutes: Routes = (api) =>
  api
    .get('/api/inbox', inboxEndpoint)
    .get('/api/inbox/views', viewCountsEndpoint)
    .get('/api/inbox/socket', inboxSocketEndpoint)
    .get('/api/inbox/settings', inboxSettingsEndpoint)
    .patch('/api/inbox/settings', updateInboxSettingsEndpoint)
    .get('/api/inbox/presence', presenceEndpoint)
    .put('/api/inbox/presence', updatePresenceEndpoint);
