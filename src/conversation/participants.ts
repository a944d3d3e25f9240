import { isLicensed } from '../directory/licensing';
import type { AgentParticipant, ConversationState } from './model';
import { isAgentParticipant } from './model';

/**
 * C8: a public conversation can be opened by any agent of the organisation (the caller has
 * already authenticated the agent as one); a private one only by its agent participants,
 * so an agent who left a private conversation cannot reopen it.
 */
export const canAgentOpen = (state: ConversationState, agentId: string): boolean =>
  state.visibility === 'public' || isAgentParticipant(state, agentId);

export type JoinPlan =
  | { readonly ok: true; readonly agents: readonly AgentParticipant[] }
  | { readonly ok: false; readonly code: 'conversation_private' | 'agent_not_licensed'; readonly message: string };

/**
 * An agent joins a conversation they opened. Opening is open to every agent of a public
 * conversation, but joining adds a participant, and only licensed agents are ever added.
 * Joining again is accepted and changes nothing.
 */
export const planJoin = (state: ConversationState, agent: AgentParticipant): JoinPlan => {
  if (isAgentParticipant(state, agent.id)) return { ok: true, agents: state.agents };
  if (!canAgentOpen(state, agent.id)) {
    return { ok: false, code: 'conversation_private', message: 'This conversation is private: only its participants can open it.' };
  }
  if (!isLicensed(agent.license)) {
    return {
      ok: false,
      code: 'agent_not_licensed',
      message: `${agent.name} has a ${agent.license} license; only standard or premium agents can join guest conversations.`,
    };
  }
  return { ok: true, agents: [...state.agents, agent] };
};
