import { z } from 'zod';
import { endpoint } from '../http/endpoint';
import { inboxActor } from './stub';

/**
 * The agent's own inbox settings. Today one: email continuity (C12), off until the agent
 * turns it on. It lives in the agent's InboxActor, which also knows whether their console
 * is open, so a conversation asks one place whether to email them.
 */
const InboxSettings = z.object({
  emailWhenOffline: z.boolean().describe('Email me the messages I miss in my conversations while I am offline (no console or conversation open).'),
});

export const inboxSettingsEndpoint = endpoint({
  summary: "The agent's inbox settings: email continuity opt-in (C12)",
  tag: 'Inbox',
  access: 'agent',
  response: InboxSettings,
  handle: async ({ env, principal }) => {
    const { emailWhenOffline } = await inboxActor(env, principal.agent.id).emailContinuity();
    return { emailWhenOffline };
  },
});

export const updateInboxSettingsEndpoint = endpoint({
  summary: 'Turn email continuity on or off for the calling agent (C12)',
  tag: 'Inbox',
  access: 'agent',
  body: z.strictObject({ emailWhenOffline: z.boolean() }),
  response: InboxSettings,
  handle: async ({ env, principal, body }) => inboxActor(env, principal.agent.id).updateSettings(body),
});
