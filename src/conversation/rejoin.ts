/**
 * C6, leave and rejoin.
 *
 * The rules are event-driven and need no timer. Every guest message asks
 * `rejoinDecision`, and the actor stores whatever `applyRejoinDecision` returns:
 * - `none`: nobody has left since agents were last brought in, or nobody is eligible.
 * - `withhold`: the message came less than REJOIN_GRACE_MS after the latest departure.
 *   The state records `rejoinWithheld`, and the guest's next message brings the agents
 *   back whenever it comes (the spec resolves this by that message, not by time). Since
 *   the record lives in the conversation's stored state, the promise survives a restart,
 *   and no alarm is needed.
 * - `rejoin`: the agents to add back.
 *
 * A departure after the withheld message starts a new race: the record names the
 * departure it was withheld for, and a newer departure makes it stale, so the 2-second
 * rule applies afresh to the newer one.
 */
import { isLicensed } from '../directory/licensing';
import type { AgentParticipant, ConversationState, Departure, RejoinWithheld } from './model';
import { isAgentParticipant } from './model';

/** A guest message less than this long after an agent left does not bring agents back. */
export const REJOIN_GRACE_MS = 2000;

/** Whose current directory record the actor must load to call `rejoinDecision`. */
export type RejoinSource = { readonly kind: 'service'; readonly serviceId: string } | { readonly kind: 'agent'; readonly agentId: string };

/** Always the origin, not the current service: after a move A→B, A's agents come back. */
export const rejoinSource = (state: ConversationState): RejoinSource =>
  state.origin.kind === 'service'
    ? { kind: 'service', serviceId: state.origin.service.id }
    : { kind: 'agent', agentId: state.origin.agent.id };

export type RejoinDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'withhold'; readonly withheld: RejoinWithheld }
  | { readonly kind: 'rejoin'; readonly agents: readonly AgentParticipant[] };

const latestDeparture = (state: ConversationState): Departure | undefined =>
  state.departures.reduce<Departure | undefined>((latest, d) => (latest === undefined || d.atMs > latest.atMs ? d : latest), undefined);

/**
 * True when an earlier guest message was withheld by the 2-second rule for the latest
 * departure, so the guest's next message brings the agents back regardless of timing.
 */
export const isRejoinPending = (state: ConversationState): boolean => {
  const latest = latestDeparture(state);
  return latest !== undefined && state.rejoinWithheld?.departureAtMs === latest.atMs;
};

/**
 * Who would come back: the licensed agents of the origin who are not participants now.
 * `originAgents` is the current directory record of `rejoinSource(state)`: the origin
 * service's members, or the personal-link agent; licenses are read from it, not from
 * the copy taken when the conversation started, so a downgraded agent stays out.
 */
export const rejoinCandidates = (state: ConversationState, originAgents: readonly AgentParticipant[]): AgentParticipant[] =>
  originAgents.filter(
    (agent, index) =>
      isLicensed(agent.license) &&
      !isAgentParticipant(state, agent.id) &&
      originAgents.findIndex((other) => other.id === agent.id) === index,
  );

/** What a guest message arriving at `nowMs` does to the agent participants. */
export const rejoinDecision = (
  state: ConversationState,
  nowMs: number,
  originAgents: readonly AgentParticipant[],
): RejoinDecision => {
  const latest = latestDeparture(state);
  if (latest === undefined) return { kind: 'none' };
  const agents = rejoinCandidates(state, originAgents);
  if (agents.length === 0) return { kind: 'none' };
  if (!isRejoinPending(state) && nowMs - latest.atMs < REJOIN_GRACE_MS) {
    return { kind: 'withhold', withheld: { departureAtMs: latest.atMs, messageAtMs: nowMs } };
  }
  return { kind: 'rejoin', agents };
};

export const applyRejoinDecision = (state: ConversationState, decision: RejoinDecision): ConversationState => {
  switch (decision.kind) {
    case 'none':
      return state;
    case 'withhold':
      return { ...state, rejoinWithheld: decision.withheld };
    case 'rejoin':
      return { ...state, agents: [...state.agents, ...decision.agents], departures: [], rejoinWithheld: null };
  }
};

/** An agent leaves at `nowMs`; leaving a conversation one is not in changes nothing. */
export const recordLeave = (state: ConversationState, agentId: string, nowMs: number): ConversationState => {
  if (!isAgentParticipant(state, agentId)) return state;
  return {
    ...state,
    agents: state.agents.filter((agent) => agent.id !== agentId),
    departures: [...state.departures.filter((d) => d.agentId !== agentId), { agentId, atMs: nowMs }],
  };
};
