import { describe, expect, it } from 'vitest';
import { viewsOf, type ViewFacts, type Viewer } from '../../src/directory/views';

const facts = (over: Partial<ViewFacts> = {}): ViewFacts => ({
  status: 'open',
  visibility: 'public',
  serviceId: 'sv_sales',
  assigneeId: null,
  agentIds: [],
  mentionedIds: [],
  ...over,
});
const member: Viewer = { agentId: 'ag_me', serviceIds: new Set(['sv_sales']) };
const outsider: Viewer = { agentId: 'ag_me', serviceIds: new Set(['sv_support']) };
const of = (f: ViewFacts, v: Viewer) => [...viewsOf(f, v)].sort();

describe('which inbox views a conversation is in for an agent', () => {
  it('a public unassigned conversation of my service: Unassigned and All open; of another service: All open only', () => {
    expect(of(facts(), member)).toEqual(['all', 'unassigned']);
    expect(of(facts(), outsider)).toEqual(['all']);
  });

  it('an assignee takes it out of Unassigned; so does having no service', () => {
    expect(of(facts({ assigneeId: 'ag_other' }), member)).toEqual(['all']);
    expect(of(facts({ serviceId: null }), member)).toEqual(['all']);
  });

  it('Mine when I am a participant, whatever the status; Mentions when a note mentioned me', () => {
    expect(of(facts({ agentIds: ['ag_me'], assigneeId: 'ag_me' }), member)).toEqual(['all', 'mine']);
    expect(of(facts({ agentIds: ['ag_me'], status: 'resolved' }), member)).toEqual(['mine', 'resolved']);
    expect(of(facts({ mentionedIds: ['ag_me'], status: 'snoozed' }), outsider)).toEqual(['all', 'mentions']);
  });

  it('resolved: Resolved instead of Unassigned and All open', () => {
    expect(of(facts({ status: 'resolved' }), member)).toEqual(['resolved']);
    expect(of(facts({ status: 'snoozed' }), member)).toEqual(['all', 'unassigned']);
  });

  it('a private conversation is in no view of a non-participant, even one mentioned or a member of its service', () => {
    expect(of(facts({ visibility: 'private', agentIds: ['ag_other'], mentionedIds: ['ag_me'] }), member)).toEqual([]);
    expect(of(facts({ visibility: 'private', agentIds: ['ag_me'] }), member)).toEqual(['all', 'mine', 'unassigned']);
  });
});
