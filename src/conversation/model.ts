import type { PrechatAnswer } from '../directory/prechat';
import type { License } from '../directory/schemas';

/** An agent as the conversation rules need it; `license` is read at the time a rule runs. */
export interface AgentParticipant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly avatarUrl: string | null;
  readonly license: License;
}

export interface GuestParticipant {
  readonly id: string;
  readonly name: string;
  readonly avatarUrl: string | null;
}

export interface ServiceRef {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly avatarUrl: string | null;
}

/**
 * Whom the guest first wrote to. It never changes: C6 brings back the agents of the
 * origin even after the conversation has been assigned elsewhere.
 */
export type Origin =
  | { readonly kind: 'agent'; readonly agent: AgentParticipant }
  | { readonly kind: 'service'; readonly service: ServiceRef; readonly viaWidget: boolean };

export type Visibility = 'public' | 'private';

/** A guest's rating of one resolution (docs/rules.md, "Transcript and rating"); `at` in ms. */
export interface Rating {
  readonly score: number;
  readonly comment: string | null;
  readonly at: number;
  readonly by: { readonly id: string; readonly name: string };
}

/**
 * Where the conversation stands for the team. `until` (ms) is when a snooze ends by
 * itself; null: only the guest's next message ends it. A resolution is known by the seq of
 * its `status` event, which is what the guest rates (absent in resolutions stored before
 * ratings existed: those cannot be rated).
 */
export type ConversationStatus =
  | { readonly value: 'open' }
  | { readonly value: 'resolved'; readonly resolution?: number; readonly rating?: Rating }
  | { readonly value: 'snoozed'; readonly until: number | null };

export const OPEN: ConversationStatus = { value: 'open' };

export interface Departure {
  readonly agentId: string;
  readonly atMs: number;
}

/**
 * A guest message was withheld by the 2-second rule (C6) for the departure at
 * `departureAtMs`; the guest's next message brings the agents back. Stored with the
 * conversation so the promise survives an actor restart.
 */
export interface RejoinWithheld {
  readonly departureAtMs: number;
  readonly messageAtMs: number;
}

/** How the conversation came to be: the widget, a service's page, an agent's personal link, or a meeting booked. */
export type Channel = 'widget' | 'service_page' | 'personal_link' | 'meeting';

/**
 * What the guest's browser said about where the conversation started, with the channel the
 * server decided; stored once, when the conversation is created (docs/rules.md).
 */
export interface StartContext {
  readonly channel: Channel;
  readonly url?: string;
  readonly title?: string;
  readonly referrer?: string;
  readonly language?: string;
  readonly timeZone?: string;
}

export interface ConversationState {
  readonly origin: Origin;
  /** The service the conversation belongs to now: the origin service, then whatever it was last assigned to; null for a personal-link conversation never assigned. */
  readonly service: ServiceRef | null;
  /** Current agent participants, in order of joining. */
  readonly agents: readonly AgentParticipant[];
  /** Guests, in order of joining; the first is the one who started the conversation. */
  readonly guests: readonly GuestParticipant[];
  /** Set by a rename; overrides every per-viewer title. */
  readonly customName: string | null;
  readonly visibility: Visibility;
  /**
   * Agents who left since agents were last brought in by a rejoin or an assignment, with
   * when they left. An open departure is what makes a guest message bring agents back.
   */
  readonly departures: readonly Departure[];
  readonly rejoinWithheld: RejoinWithheld | null;
  /** Absent in conversations stored before statuses existed: they are open (see statusOf). */
  readonly status?: ConversationStatus;
  /** The ids of the organisation's labels agents put on it; absent in conversations stored before labels existed. */
  readonly labels?: readonly string[];
  /** Absent in conversations stored before it existed: their channel follows from the origin (see channelOf). */
  readonly context?: StartContext;
  /** The first guest's answers to the service's pre-chat form, with the labels they read; absent: none given. */
  readonly answers?: readonly PrechatAnswer[];
  /** The member an assignment chose (C5); null: assigned to a whole service. Absent: never assigned (see assigneeOf). */
  readonly assignee?: AssigneeRef | null;
}

export interface AssigneeRef {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

/**
 * Who the conversation is assigned to: the member an assignment chose, or, until one is made,
 * the agent of a personal link (the guest chose them). Only while they are a participant: an
 * assignee who left leaves it unassigned (and is the assignee again if C6 brings them back).
 */
export const assigneeOf = (state: ConversationState): AssigneeRef | null => {
  const chosen = state.assignee !== undefined ? state.assignee : state.origin.kind === 'agent' ? state.origin.agent : null;
  return chosen && isAgentParticipant(state, chosen.id) ? { id: chosen.id, slug: chosen.slug, name: chosen.name } : null;
};

export const statusOf = (state: ConversationState): ConversationStatus => state.status ?? OPEN;

/** The channel a guest's own message comes through, when no meeting made the conversation. */
export const guestChannel = (origin: Origin, fromWidget: boolean): Channel =>
  fromWidget || (origin.kind === 'service' && origin.viaWidget) ? 'widget' : origin.kind === 'service' ? 'service_page' : 'personal_link';

export const contextOf = (state: ConversationState): StartContext => state.context ?? { channel: guestChannel(state.origin, false) };


/** Pre-chat answers are the organisation's and the answering guest's: a guest invited later never reads them (docs/widget.md). */
export const answersSeenBy = (kind: 'agent' | 'guest', id: string, state: ConversationState): boolean => kind === 'agent' || state.guests[0]?.id === id;

/**
 * The state with a guest erased (docs/privacy.md): their name replaced wherever it is kept,
 * their avatar and the pre-chat answers they gave gone. The same state when nothing names them.
 */
export function withGuestErased(state: ConversationState, guestId: string, name: string): ConversationState {
  if (!state.guests.some((g) => g.id === guestId && (g.name !== name || g.avatarUrl !== null))) return state;
  const status = state.status;
  const rated = status?.value === 'resolved' && status.rating?.by.id === guestId ? { ...status, rating: { ...status.rating, by: { id: guestId, name } } } : status;
  const { answers, ...rest } = state;
  return {
    ...rest,
    ...(answers && state.guests[0]?.id !== guestId ? { answers } : {}),
    ...(rated ? { status: rated } : {}),
    guests: state.guests.map((g) => (g.id === guestId ? { ...g, name, avatarUrl: null } : g)),
  };
}

export const isAgentParticipant = (state: ConversationState, agentId: string): boolean =>
  state.agents.some((agent) => agent.id === agentId);

/** The participant view of a directory agent (or anything carrying the same fields). */
export const agentParticipant = (a: AgentParticipant): AgentParticipant => ({
  id: a.id,
  slug: a.slug,
  name: a.name,
  avatarUrl: a.avatarUrl,
  license: a.license,
});

/** What identifies the conversation a guest reaches by writing to an agent or a service (C2). */
export const guestConversationKey = (guestId: string, origin: Origin): string =>
  `${guestId}|${origin.kind === 'agent' ? `agent:${origin.agent.id}` : `service:${origin.service.id}`}`;

/**
 * A conversation id derived from what the conversation is for (a guest and their target,
 * or a meeting), so the same key always reaches the same actor: reuse (C2) and concurrent
 * first messages need no lookup table.
 */
export async function conversationIdFor(key: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
  return `cv_${[...new Uint8Array(digest)].slice(0, 16).map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
