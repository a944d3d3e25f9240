import { describe, expect, it } from 'vitest';
import { DIGEST, digestDueAt, digestFloor, digestRecipients, EMPTY_LEDGER, gatherPauseMs, planDigest } from '../../src/continuity/email-digest';
import type { Entry } from '../../src/conversation/protocol';

const T = Date.UTC(2026, 10, 24, 15, 0);
const MIN = 60_000;

const message = (seq: number, authorId: string, kind: Entry['author']['kind'] = 'agent'): Entry => ({
  seq,
  at: new Date(T + seq * 1000).toISOString(),
  kind: 'message',
  author: { id: authorId, kind, name: authorId },
  clientId: `c${seq}`,
  text: `text ${seq}`,
  event: null,
});
const event = (seq: number): Entry => ({ ...message(seq, 'system', 'system'), kind: 'event', clientId: null, text: null, event: { type: 'renamed', name: 'x' } });

describe('email digest rules (C12)', () => {
  it('a message is for every participant but its author who has no open socket', () => {
    const online = new Set(['ag_bob']);
    expect(digestRecipients('ag_alice', ['ag_alice', 'ag_bob', 'gu_ann', 'gu_ann', 'gu_bo'], (id) => online.has(id))).toEqual(['gu_ann', 'gu_bo']);
  });

  it('the first missed message starts a gathering pause; a recent email pushes the next one to the minimum interval', () => {
    expect(digestDueAt(T, EMPTY_LEDGER)).toBe(T + DIGEST.gatherMs);
    expect(DIGEST.gatherMs).toBe(2 * MIN);
    expect(DIGEST.minIntervalMs).toBe(10 * MIN);
    const sent = { emailedSeq: 7, seenSeq: 0, lastSentAt: T - 3 * MIN };
    expect(digestDueAt(T, sent)).toBe(T - 3 * MIN + 10 * MIN);
    const longAgo = { ...sent, lastSentAt: T - 60 * MIN };
    expect(digestDueAt(T, longAgo)).toBe(T + 2 * MIN);
  });

  it('DIGEST_GATHER_SECONDS shortens the gathering pause in development only, and only to whole seconds', () => {
    expect(gatherPauseMs({ ENVIRONMENT: 'development', DIGEST_GATHER_SECONDS: '5' })).toBe(5000);
    expect(digestDueAt(T, EMPTY_LEDGER, gatherPauseMs({ ENVIRONMENT: 'development', DIGEST_GATHER_SECONDS: '0' }))).toBe(T);
    expect(gatherPauseMs({ ENVIRONMENT: 'production', DIGEST_GATHER_SECONDS: '5' })).toBe(2 * MIN);
    expect(gatherPauseMs({ ENVIRONMENT: 'Development', DIGEST_GATHER_SECONDS: '5' })).toBe(2 * MIN);
    expect(gatherPauseMs({ ENVIRONMENT: 'development' })).toBe(2 * MIN);
    for (const odd of ['', '-5', '1.5', '5s', ' 5']) expect(gatherPauseMs({ ENVIRONMENT: 'development', DIGEST_GATHER_SECONDS: odd })).toBe(2 * MIN);
    // The minimum interval between two emails stays whatever the pause.
    const sent = { emailedSeq: 7, seenSeq: 0, lastSentAt: T - 3 * MIN };
    expect(digestDueAt(T, sent, 5000)).toBe(T - 3 * MIN + 10 * MIN);
  });

  it('news starts after whatever is furthest: read, seen live, or already emailed', () => {
    expect(digestFloor({ emailedSeq: 5, seenSeq: 9, lastSentAt: null }, 7)).toBe(9);
    expect(digestFloor({ emailedSeq: 12, seenSeq: 9, lastSentAt: null }, 7)).toBe(12);
    expect(digestFloor(EMPTY_LEDGER, 4)).toBe(4);
  });

  it('one email carries every message by others, not events, Doorbell notes or the recipient’s own', () => {
    const plan = planDigest([message(3, 'ag_alice'), event(4), message(5, 'gu_ann', 'guest'), message(6, 'system', 'system'), message(7, 'ag_alice')], 'gu_ann', EMPTY_LEDGER, T);
    expect(plan).toEqual({ kind: 'send', messages: [message(3, 'ag_alice'), message(7, 'ag_alice')], omitted: 0, throughSeq: 7 });
  });

  it('sends nothing when nothing is news, and waits out the minimum interval', () => {
    expect(planDigest([event(4), message(5, 'gu_ann', 'guest')], 'gu_ann', EMPTY_LEDGER, T)).toEqual({ kind: 'nothing' });
    const recent = { emailedSeq: 2, seenSeq: 0, lastSentAt: T - 4 * MIN };
    expect(planDigest([message(3, 'ag_alice')], 'gu_ann', recent, T)).toEqual({ kind: 'wait', until: T + 6 * MIN });
    expect(planDigest([message(3, 'ag_alice')], 'gu_ann', recent, T + 6 * MIN).kind).toBe('send');
  });

  it('quotes at most the latest 50 messages and counts the ones it leaves out', () => {
    const many = Array.from({ length: 60 }, (_, i) => message(i + 1, 'ag_alice'));
    const plan = planDigest(many, 'gu_ann', EMPTY_LEDGER, T, 15);
    expect(plan.kind).toBe('send');
    if (plan.kind !== 'send') return;
    expect(plan.messages.map((m) => m.seq)).toEqual(many.slice(10).map((m) => m.seq));
    expect(plan.omitted).toBe(25);
    expect(plan.throughSeq).toBe(60);
  });
});
