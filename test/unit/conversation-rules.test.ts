import { describe, expect, it } from 'vitest';
import { applyAssignment, planAssignment } from '../../src/conversation/assignment';
import type { AgentParticipant, ConversationState, GuestParticipant, ServiceRef } from '../../src/conversation/model';
import { canAgentOpen, planJoin } from '../../src/conversation/participants';
import {
  applyRejoinDecision,
  isRejoinPending,
  recordLeave,
  REJOIN_GRACE_MS,
  rejoinDecision,
  rejoinSource,
} from '../../src/conversation/rejoin';
import { avatarFor, titleFor } from '../../src/conversation/titles';

const agent = (slug: string, license: AgentParticipant['license'] = 'standard'): AgentParticipant => ({
  id: `agt_${slug}`,
  slug,
  name: slug.charAt(0).toUpperCase() + slug.slice(1),
  avatarUrl: `/avatars/${slug}.svg`,
  license,
});

const alice = agent('alice', 'premium');
const bob = agent('bob');
const basil = agent('basil', 'basic');
const carol = agent('carol');
const dave = agent('dave');

const sales: ServiceRef = { id: 'svc_sales', slug: 'sales', name: 'Sales', avatarUrl: '/avatars/sales.svg' };
const support: ServiceRef = { id: 'svc_support', slug: 'support', name: 'Support', avatarUrl: '/avatars/support.svg' };
const salesMembers = [alice, bob, basil];
const supportMembers = [carol, basil];

const ann: GuestParticipant = { id: 'gst_ann', name: 'Ann Lee', avatarUrl: '/avatars/ann.svg' };
const bo: GuestParticipant = { id: 'gst_bo', name: 'Bo Chen', avatarUrl: null };

const personal = (overrides: Partial<ConversationState> = {}): ConversationState => ({
  origin: { kind: 'agent', agent: alice },
  service: null,
  agents: [alice],
  guests: [ann],
  customName: null,
  visibility: 'public',
  departures: [],
  rejoinWithheld: null,
  ...overrides,
});

const group = (viaWidget = false, overrides: Partial<ConversationState> = {}): ConversationState => ({
  origin: { kind: 'service', service: sales, viaWidget },
  service: sales,
  agents: [alice, bob],
  guests: [ann],
  customName: null,
  visibility: 'public',
  departures: [],
  rejoinWithheld: null,
  ...overrides,
});

const t0 = 1_700_000_000_000;

const ids = (agents: readonly AgentParticipant[]) => agents.map((a) => a.id);

const assigned = (state: ConversationState, service: ServiceRef, members: AgentParticipant[], memberId?: string) => {
  const plan = planAssignment({ service: { ...service, members }, memberId });
  if (!plan.ok) throw new Error(plan.message);
  return applyAssignment(state, plan);
};

describe('titles and avatars (C3, C4)', () => {
  it('one-on-one: the agent sees the guest, the guest sees the agent', () => {
    const state = personal();
    expect(titleFor('agent', state)).toBe('Ann Lee');
    expect(avatarFor('agent', state)).toBe('/avatars/ann.svg');
    expect(titleFor('guest', state)).toBe('Alice');
    expect(avatarFor('guest', state)).toBe('/avatars/alice.svg');
  });

  it('group from a service link: the agent sees the guest, the guest sees the service', () => {
    const state = group();
    expect(titleFor('agent', state)).toBe('Ann Lee');
    expect(avatarFor('agent', state)).toBe('/avatars/ann.svg');
    expect(titleFor('guest', state)).toBe('Sales');
    expect(avatarFor('guest', state)).toBe('/avatars/sales.svg');
  });

  it('widget for a service: the guest sees the service even with a single agent', () => {
    const state = group(true, { agents: [bob] });
    expect(titleFor('guest', state)).toBe('Sales');
    expect(avatarFor('guest', state)).toBe('/avatars/sales.svg');
    expect(titleFor('agent', state)).toBe('Ann Lee');
  });

  it('a second guest joins the agents\' title in order of joining; avatar stays the first guest\'s', () => {
    const state = group(false, { guests: [ann, bo] });
    expect(titleFor('agent', state)).toBe('Ann Lee, Bo Chen');
    expect(avatarFor('agent', state)).toBe('/avatars/ann.svg');
    expect(titleFor('guest', state)).toBe('Sales');
    expect(titleFor('agent', personal({ guests: [bo, ann] }))).toBe('Bo Chen, Ann Lee');
  });

  it('agents see a null avatar when the first guest has none', () => {
    expect(avatarFor('agent', personal({ guests: [bo, ann] }))).toBeNull();
  });

  it('a rename is shown to agents and guests alike', () => {
    for (const state of [personal({ customName: 'Pricing question' }), group(true, { customName: 'Pricing question', guests: [ann, bo] })]) {
      expect(titleFor('agent', state)).toBe('Pricing question');
      expect(titleFor('guest', state)).toBe('Pricing question');
    }
    expect(avatarFor('guest', personal({ customName: 'Pricing question' }))).toBe('/avatars/alice.svg');
  });

  it('a personal-link conversation assigned to a service shows the guest the service', () => {
    const toSupport = assigned(personal(), support, supportMembers);
    expect(titleFor('guest', toSupport)).toBe('Support');
    expect(avatarFor('guest', toSupport)).toBe('/avatars/support.svg');
    expect(titleFor('agent', toSupport)).toBe('Ann Lee');
    const toOneMember = assigned(personal(), sales, salesMembers, bob.id);
    expect(titleFor('guest', toOneMember)).toBe('Sales');
  });

  it('a moved service conversation shows the guest the new service', () => {
    expect(titleFor('guest', assigned(group(), support, supportMembers))).toBe('Support');
  });

  it('a personal-link conversation a colleague joined names both agents; with none left, the link agent', () => {
    const joined = personal({ agents: [alice, bob] });
    expect(titleFor('guest', joined)).toBe('Alice, Bob');
    expect(avatarFor('guest', joined)).toBe('/avatars/alice.svg');
    const empty = personal({ agents: [] });
    expect(titleFor('guest', empty)).toBe('Alice');
    expect(avatarFor('guest', empty)).toBe('/avatars/alice.svg');
  });
});

describe('assign (C5)', () => {
  it('to a service only: its licensed members become the agents, no assignee', () => {
    const plan = planAssignment({ service: { ...sales, members: salesMembers } });
    expect(plan).toMatchObject({ ok: true, assignee: null, service: sales });
    if (!plan.ok) return;
    expect(ids(plan.agents)).toEqual([alice.id, bob.id]);
    expect(plan.service).not.toHaveProperty('members');
  });

  it('to a service and a member: that member alone, as assignee', () => {
    const plan = planAssignment({ service: { ...sales, members: salesMembers }, memberId: bob.id });
    expect(plan).toMatchObject({ ok: true, assignee: { id: bob.id } });
    if (!plan.ok) return;
    expect(ids(plan.agents)).toEqual([bob.id]);
  });

  it('replaces the agent participants and the current service', () => {
    const state = assigned(group(), support, supportMembers);
    expect(ids(state.agents)).toEqual([carol.id]);
    expect(state.service).toEqual(support);
    expect(state.origin).toEqual(group().origin);
  });

  it('refuses a service without licensed members', () => {
    const plan = planAssignment({ service: { ...support, members: [basil] } });
    expect(plan).toMatchObject({ ok: false, code: 'service_unavailable' });
    expect(planAssignment({ service: { ...support, members: [] }, memberId: basil.id })).toMatchObject({
      ok: false,
      code: 'service_unavailable',
    });
  });

  it('refuses an unlicensed member', () => {
    expect(planAssignment({ service: { ...sales, members: salesMembers }, memberId: basil.id })).toMatchObject({
      ok: false,
      code: 'member_not_licensed',
    });
  });

  it('refuses a member of another service', () => {
    const plan = planAssignment({ service: { ...sales, members: salesMembers }, memberId: carol.id });
    expect(plan).toMatchObject({ ok: false, code: 'member_not_in_service' });
    if (plan.ok) return;
    expect(plan.message).toContain(carol.id);
  });
});

describe('leave and rejoin (C6)', () => {
  const leftAlone = (state: ConversationState) => recordLeave(state, alice.id, t0);

  const guestWrites = (state: ConversationState, at: number, originAgents: AgentParticipant[]) =>
    applyRejoinDecision(state, rejoinDecision(state, at, originAgents));

  it('leaving removes the agent and records when', () => {
    const state = recordLeave(group(), alice.id, t0);
    expect(ids(state.agents)).toEqual([bob.id]);
    expect(state.departures).toEqual([{ agentId: alice.id, atMs: t0 }]);
    expect(recordLeave(state, alice.id, t0 + 5)).toBe(state);
  });

  it('a guest message 1.9 s after the leave does not bring agents back', () => {
    const state = leftAlone(personal());
    const decision = rejoinDecision(state, t0 + 1900, [alice]);
    expect(decision).toEqual({ kind: 'withhold', withheld: { departureAtMs: t0, messageAtMs: t0 + 1900 } });
    expect(applyRejoinDecision(state, decision).agents).toEqual([]);
    expect(REJOIN_GRACE_MS).toBe(2000);
  });

  it('a guest message 2.0 s or more after the leave brings the agent back', () => {
    const state = leftAlone(personal());
    for (const at of [t0 + 2000, t0 + 60_000]) {
      const after = guestWrites(state, at, [alice]);
      expect(ids(after.agents)).toEqual([alice.id]);
      expect(after.departures).toEqual([]);
    }
  });

  it('after a withheld message, the guest\'s next message brings agents back, even within 2 s', () => {
    const withheld = guestWrites(leftAlone(personal()), t0 + 500, [alice]);
    expect(withheld.agents).toEqual([]);
    expect(isRejoinPending(withheld)).toBe(true);
    const next = guestWrites(withheld, t0 + 900, [alice]);
    expect(ids(next.agents)).toEqual([alice.id]);
    expect(next.rejoinWithheld).toBeNull();
    expect(isRejoinPending(next)).toBe(false);
  });

  it('a departure after the withheld message restarts the 2-second rule', () => {
    const withheld = guestWrites(recordLeave(group(), alice.id, t0), t0 + 500, salesMembers);
    const bobLeft = recordLeave(withheld, bob.id, t0 + 10_000);
    expect(isRejoinPending(bobLeft)).toBe(false);
    expect(rejoinDecision(bobLeft, t0 + 11_000, salesMembers)).toMatchObject({ kind: 'withhold' });
    expect(rejoinDecision(bobLeft, t0 + 12_000, salesMembers)).toMatchObject({ kind: 'rejoin' });
  });

  it('brings back every licensed member of the origin service, not only the one who left', () => {
    const state = recordLeave(group(false, { agents: [alice] }), alice.id, t0);
    const after = guestWrites(state, t0 + 3000, salesMembers);
    expect(ids(after.agents)).toEqual([alice.id, bob.id]);
  });

  it('after a move from service A to B, a leave and a guest message bring A\'s licensed agents back', () => {
    const moved = assigned(group(), support, supportMembers);
    const left = recordLeave(moved, carol.id, t0);
    expect(rejoinSource(left)).toEqual({ kind: 'service', serviceId: sales.id });
    const after = guestWrites(left, t0 + 2500, salesMembers);
    expect(ids(after.agents)).toEqual([alice.id, bob.id]);
  });

  it('the personal-link agent comes back, and is the source to load', () => {
    const state = leftAlone(personal());
    expect(rejoinSource(state)).toEqual({ kind: 'agent', agentId: alice.id });
    expect(rejoinDecision(state, t0 + 2000, [alice])).toEqual({ kind: 'rejoin', agents: [alice] });
  });

  it('a personal-link agent downgraded to basic does not come back', () => {
    const state = leftAlone(personal());
    expect(rejoinDecision(state, t0 + 5000, [{ ...alice, license: 'basic' }])).toEqual({ kind: 'none' });
  });

  it('never re-adds an agent who is still a participant', () => {
    const state = recordLeave(group(), alice.id, t0);
    const decision = rejoinDecision(state, t0 + 5000, [...salesMembers, alice]);
    expect(decision).toEqual({ kind: 'rejoin', agents: [alice] });
  });

  it('does nothing when nobody has left', () => {
    const state = group(false, { agents: [alice] });
    expect(rejoinDecision(state, t0, salesMembers)).toEqual({ kind: 'none' });
    const oneMember = assigned(group(), sales, salesMembers, bob.id);
    expect(rejoinDecision(oneMember, t0, salesMembers)).toEqual({ kind: 'none' });
  });

  it('does nothing when everyone eligible is already back', () => {
    const state = recordLeave(group(false, { agents: [alice, bob, dave] }), dave.id, t0);
    expect(rejoinDecision(state, t0 + 5000, salesMembers)).toEqual({ kind: 'none' });
  });

  it('an assignment settles earlier departures', () => {
    const state = assigned(recordLeave(group(), alice.id, t0), sales, salesMembers, bob.id);
    expect(state.departures).toEqual([]);
    expect(rejoinDecision(state, t0 + 5000, salesMembers)).toEqual({ kind: 'none' });
  });
});

describe('a basic-license agent is never added', () => {
  it('by assignment to the service', () => {
    const plan = planAssignment({ service: { ...sales, members: salesMembers } });
    expect(plan.ok ? ids(plan.agents) : null).toEqual([alice.id, bob.id]);
  });

  it('by rejoin, from the origin service', () => {
    const state = recordLeave(group(false, { agents: [alice] }), alice.id, t0);
    const decision = rejoinDecision(state, t0 + 5000, salesMembers);
    expect(decision.kind === 'rejoin' ? ids(decision.agents) : null).toEqual([alice.id, bob.id]);
  });

  it('by joining a public conversation', () => {
    expect(planJoin(group(), basil)).toMatchObject({ ok: false, code: 'agent_not_licensed' });
    const joined = planJoin(group(), dave);
    expect(joined.ok ? ids(joined.agents) : null).toEqual([alice.id, bob.id, dave.id]);
  });
});

describe('visibility (C8)', () => {
  it('public: any agent of the organisation can open and join', () => {
    expect(canAgentOpen(group(), dave.id)).toBe(true);
    expect(planJoin(group(), dave)).toMatchObject({ ok: true });
  });

  it('private: participants only', () => {
    const state = group(false, { visibility: 'private' });
    expect(canAgentOpen(state, alice.id)).toBe(true);
    expect(canAgentOpen(state, dave.id)).toBe(false);
    expect(planJoin(state, dave)).toMatchObject({ ok: false, code: 'conversation_private' });
    expect(planJoin(state, alice)).toEqual({ ok: true, agents: state.agents });
  });

  it('private: an agent who left can no longer open it', () => {
    const state = recordLeave(group(false, { visibility: 'private' }), alice.id, 1);
    expect(canAgentOpen(state, alice.id)).toBe(false);
  });
});
