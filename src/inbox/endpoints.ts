import { z } from 'zod';
import { AGENT_HEADER, forwardReportUpgrade } from '../actor/sockets';
import type { Routes } from '../http/api';
import { bearerToken, tokenExpiry } from '../http/auth';
import { endpoint } from '../http/endpoint';
import { requireUpgrade } from '../http/errors';
import { ConversationStatusValue } from '../conversation/protocol';
import { chipsOf, labelCatalog } from '../directory/labels';
import { Id } from '../directory/schemas';
import { InboxItem } from './item';
import { PresenceUpdate, PresenceView } from './presence';
import { inboxSettingsEndpoint, updateInboxSettingsEndpoint } from './settings-endpoints';
import { inboxActor } from './stub';

export const inboxEndpoint = endpoint({
  summary: "The agent's conversations, most recent first (C10); view=mentions: those where a note @mentioned them",
  tag: 'Inbox',
  access: 'agent',
  query: z.object({
    status: ConversationStatusValue.optional().describe('Only the conversations with this status.'),
    view: z.enum(['all', 'mentions']).default('all').describe('mentions: only those a note @mentioned you in.'),
    label: Id.optional().describe('Only the conversations with this label.'),
  }),
  response: z.object({ items: z.array(InboxItem) }),
  handle: async ({ env, principal, query }) => {
    const [stored, catalog] = await Promise.all([inboxActor(env, principal.agent.id).list(), labelCatalog(env.DB)]);
    // A row keeps the labels it had when its conversation last changed: a label renamed or
    // deleted since shows as it is now, or not at all.
    const items = stored.map((item) => ({ ...item, labels: chipsOf(catalog, (item.labels ?? []).map((l) => l.id)) }));
    return {
      items: items.filter(
        (item) =>
          (query.status === undefined || item.status === query.status) &&
          (query.view !== 'mentions' || item.mentions !== null) &&
          (query.label === undefined || item.labels.some((l) => l.id === query.label)),
      ),
    };
  },
});

export const inboxSocketEndpoint = endpoint({
  summary: "The agent's live inbox as a WebSocket: a snapshot, then item and removed frames",
  tag: 'Inbox',
  access: 'agent',
  query: z.object({ token: z.string().optional() }),
  errors: [426],
  handle: async ({ request, env, principal }) => {
    requireUpgrade(request);
    const forwarded = forwardReportUpgrade(request, tokenExpiry(bearerToken(request)));
    forwarded.headers.set(AGENT_HEADER, principal.agent.id);
    return inboxActor(env, principal.agent.id).fetch(forwarded);
  },
});

export const presenceEndpoint = endpoint({
  summary: "The calling agent's availability: the state they chose and what guests see (offline while no console is open)",
  tag: 'Inbox',
  access: 'agent',
  response: PresenceView,
  handle: async ({ env, principal }) => inboxActor(env, principal.agent.id).presence(),
});

export const updatePresenceEndpoint = endpoint({
  summary: 'Set the calling agent online or away; their consoles get a presence frame and the public cards follow',
  tag: 'Inbox',
  access: 'agent',
  body: PresenceUpdate,
  response: PresenceView,
  handle: async ({ env, principal, body }) => inboxActor(env, principal.agent.id).setPresence(principal.agent.id, body.state),
});

export const inboxRoutes: Routes = (api) =>
  api
    .get('/api/inbox', inboxEndpoint)
    .get('/api/inbox/socket', inboxSocketEndpoint)
    .get('/api/inbox/settings', inboxSettingsEndpoint)
    .patch('/api/inbox/settings', updateInboxSettingsEndpoint)
    .get('/api/inbox/presence', presenceEndpoint)
    .put('/api/inbox/presence', updatePresenceEndpoint);
