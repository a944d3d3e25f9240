import { isAssignable, isLicensed } from '../directory/licensing';
import type { AgentParticipant, ConversationState, ServiceRef } from './model';

export interface AssignmentRequest {
  /** The service as the directory has it now, with every member (licensed or not). */
  readonly service: ServiceRef & { readonly members: readonly AgentParticipant[] };
  readonly memberId?: string | undefined;
}

export type AssignmentRefusalCode = 'service_unavailable' | 'member_not_in_service' | 'member_not_licensed';

export type AssignmentPlan =
  | {
      readonly ok: true;
      readonly service: ServiceRef;
      /** The agent participants after the assignment: they replace the current ones. */
      readonly agents: readonly AgentParticipant[];
      /** The chosen member, or null when assigned to the service as a whole. */
      readonly assignee: AgentParticipant | null;
    }
  | { readonly ok: false; readonly code: AssignmentRefusalCode; readonly message: string };

/** C5: who the agent participants become when a conversation is assigned. */
export const planAssignment = ({ service, memberId }: AssignmentRequest): AssignmentPlan => {
  const { members, ...serviceRef } = service;
  if (!isAssignable(members)) {
    return {
      ok: false,
      code: 'service_unavailable',
      message: `Service "${service.name}" has no licensed member, so conversations cannot be assigned to it.`,
    };
  }
  if (memberId === undefined) {
    return { ok: true, service: serviceRef, agents: members.filter((member) => isLicensed(member.license)), assignee: null };
  }
  const member = members.find((candidate) => candidate.id === memberId);
  if (member === undefined) {
    return { ok: false, code: 'member_not_in_service', message: `Agent ${memberId} is not a member of service "${service.name}".` };
  }
  if (!isLicensed(member.license)) {
    return {
      ok: false,
      code: 'member_not_licensed',
      message: `${member.name} has a ${member.license} license; only standard or premium agents can be assignees.`,
    };
  }
  return { ok: true, service: serviceRef, agents: [member], assignee: member };
};

/**
 * The state after an accepted assignment. Departures are cleared because the assignment
 * chose who answers now: a guest message must not undo it by bringing back agents who
 * left before it (C6 applies to departures after the assignment).
 */
export const applyAssignment = (
  state: ConversationState,
  plan: Extract<AssignmentPlan, { ok: true }>,
): ConversationState => ({
  ...state,
  service: plan.service,
  agents: plan.agents,
  assignee: plan.assignee ? { id: plan.assignee.id, slug: plan.assignee.slug, name: plan.assignee.name } : null,
  departures: [],
  rejoinWithheld: null,
});
