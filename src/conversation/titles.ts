import type { ConversationState } from './model';

export type Viewer = 'agent' | 'guest';

interface Display {
  readonly name: string;
  readonly avatarUrl: string | null;
}

/**
 * What the guest is talking to (C3, C4).
 *
 * Once the conversation belongs to a service (service link, widget for a service, or any
 * assignment) the guest sees the service, even when a personal-link conversation was
 * assigned to a service with several agents, or to a single assignee: it is a group
 * conversation now, and the service is who answers, so the title does not flicker as
 * members join, leave or are reassigned.
 *
 * Without a service it is a personal-link conversation: the guest sees the agent. If
 * colleagues joined it, their names follow in order of joining, mirroring how agents see
 * several guests; when every agent has left, the personal-link agent is shown, since the
 * guest's next message brings them back (C6).
 */
const counterpart = (state: ConversationState): Display => {
  if (state.service !== null) return state.service;
  if (state.origin.kind === 'service') return state.origin.service;
  const [first, ...others] = state.agents;
  if (first === undefined) return state.origin.agent;
  return { name: [first, ...others].map((agent) => agent.name).join(', '), avatarUrl: first.avatarUrl };
};

/**
 * What agents see: the guests' names in order of joining, avatar of the first guest.
 * A conversation always starts with a guest; should none remain, agents see what the
 * guest would, so the title is never empty.
 */
const guestsDisplay = (state: ConversationState): Display => {
  const [first] = state.guests;
  if (first === undefined) return counterpart(state);
  return { name: state.guests.map((guest) => guest.name).join(', '), avatarUrl: first.avatarUrl };
};

const displayFor = (viewer: Viewer, state: ConversationState): Display =>
  viewer === 'agent' ? guestsDisplay(state) : counterpart(state);

/** The conversation's title as `viewer` sees it; a rename wins for everyone. */
export const titleFor = (viewer: Viewer, state: ConversationState): string =>
  state.customName ?? displayFor(viewer, state).name;

/**
 * The avatar beside the title. A rename names no one, so it keeps the per-viewer avatar
 * rather than dropping to none.
 */
export const avatarFor = (viewer: Viewer, state: ConversationState): string | null => displayFor(viewer, state).avatarUrl;
