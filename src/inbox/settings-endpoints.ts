import { endpointsFor } from '../http/endpoint';
import { InboxSettings, InboxSettingsPatch } from './settings';
import { inboxActor } from './stub';

// The agent's own inbox settings: email continuity (C12) and how the console alerts them.
// They live in the agent's InboxActor, which also knows whether their console is open, so a
// conversation asks one place whether to email them, and the inbox socket tells every open
// console of a change.

const forAgents = endpointsFor('Inbox', 'agent');

export const inboxSettingsEndpoint = forAgents({
  summary: "The agent's inbox settings: email continuity opt-in (C12) and console notifications",
  response: InboxSettings,
  handle: async ({ env, principal }) => inboxActor(env, principal.agent.id).settings(),
});

export const updateInboxSettingsEndpoint = forAgents({
  summary: 'Change some of the calling agent’s inbox settings; what the body does not name stays as it is',
  body: InboxSettingsPatch,
  response: InboxSettings,
  audit: { entity: 'inbox_settings', id: ({ principal }) => principal.agent.id, before: ({ env, principal }) => inboxActor(env, principal.agent.id).settings() },
  handle: async ({ env, principal, body }) => inboxActor(env, principal.agent.id).updateSettings(body),
});
