import { z } from 'zod';

/**
 * The inbox views (docs/rules.md "Inbox views"), as one pure rule: which views a conversation
 * is in for one agent. The conversation actor uses it to decide whose consoles to tell of a
 * change; the D1 queries of summaries.ts say the same in SQL (test/api/views.test.ts
 * checks that they agree).
 */
export const VIEWS = ['mine', 'unassigned', 'all', 'mentions', 'resolved'] as const;
export const View = z.enum(VIEWS);
export type View = z.infer<typeof View>;

/** What the rule needs of a conversation. */
export interface ViewFacts {
  readonly status: 'open' | 'snoozed' | 'resolved';
  readonly visibility: 'public' | 'private';
  readonly serviceId: string | null;
  readonly assigneeId: string | null;
  /** The agent participants. */
  readonly agentIds: readonly string[];
  /** Agents a note @mentioned (they may open it: see canAgentOpen). */
  readonly mentionedIds: readonly string[];
}

/** The agent, with the services they are a member of. */
export interface Viewer {
  readonly agentId: string;
  readonly serviceIds: ReadonlySet<string>;
}

export function viewsOf(facts: ViewFacts, viewer: Viewer): Set<View> {
  const views = new Set<View>();
  const participant = facts.agentIds.includes(viewer.agentId);
  // C8: a private conversation exists only for its participants.
  if (facts.visibility === 'private' && !participant) return views;
  const done = facts.status === 'resolved';
  if (participant) views.add('mine');
  if (facts.mentionedIds.includes(viewer.agentId)) views.add('mentions');
  if (done) views.add('resolved');
  else {
    views.add('all');
    if (facts.serviceId !== null && facts.assigneeId === null && viewer.serviceIds.has(facts.serviceId)) views.add('unassigned');
  }
  return views;
}
