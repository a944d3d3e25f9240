import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgetSubscribers, knownSubscriptions } from '../../src/integrations/webhook-registry';

/** A D1 answering the subscribers query with one endpoint for conversation.created, counting its reads. */
function fakeDb() {
  const db = {
    reads: 0,
    prepare: () => ({ all: async () => (db.reads++, { results: [{ id: 'wh_1', type: 'conversation.created' }] }) }),
  };
  return db;
}

describe('knownSubscriptions', () => {
  afterEach(() => {
    vi.useRealTimers();
    forgetSubscribers();
  });

  it('stays known in a busy isolate: the background read replaces the map before it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const db = fakeDb();
    const waits: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void waits.push(p) };
    const ask = async () => {
      const answer = knownSubscriptions(db as unknown as D1Database, ctx);
      await Promise.all(waits.splice(0));
      return answer;
    };
    expect(await ask()).toBeNull(); // nothing read yet: unknown, and read in the background
    // A message every half second for a minute: always known after the first.
    for (let t = 500; t <= 60_000; t += 500) {
      vi.setSystemTime(1_000_000 + t);
      expect((await ask())?.get('conversation.created')).toEqual(['wh_1']);
    }
    // About one read per refresh period, not one per message.
    expect(db.reads).toBeLessThanOrEqual(25);
  });

  it('keeps the map while a slow read replaces it, for up to 30 s; unknown after that', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(2_000_000);
    let answer: (() => void) | null = null;
    let slow = false;
    const db = {
      prepare: () => ({
        all: async () => {
          if (slow) await new Promise<void>((resolve) => (answer = resolve));
          return { results: [{ id: 'wh_1', type: 'message.created' }] };
        },
      }),
    };
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
    const ask = () => knownSubscriptions(db as unknown as D1Database, ctx);
    ask();
    await Promise.all(pending.splice(0));
    slow = true;
    // Past the refresh age: a read starts and does not answer.
    vi.setSystemTime(2_003_500);
    expect(ask()?.get('message.created')).toEqual(['wh_1']);
    // Past the 5 s life, the read still on its way: the map is still used, not "unknown".
    vi.setSystemTime(2_020_000);
    expect(ask()?.get('message.created')).toEqual(['wh_1']);
    // Past 30 s it is too old to trust.
    vi.setSystemTime(2_031_000);
    expect(ask()).toBeNull();
    answer!();
    await Promise.all(pending.splice(0));
    expect(ask()?.get('message.created')).toEqual(['wh_1']);
  });

  it('does not keep a read that began before an edit: the edit is seen at once, not after 5 s', async () => {
    let answer: (() => void) | null = null;
    let endpoints = [{ id: 'wh_1', type: 'message.created' }];
    const db = {
      prepare: () => ({
        all: async () => {
          const before = endpoints;
          await new Promise<void>((resolve) => (answer = resolve));
          return { results: before };
        },
      }),
    };
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
    expect(knownSubscriptions(db as unknown as D1Database, ctx)).toBeNull(); // a read starts
    // The endpoint is disabled meanwhile (through this isolate), and then the old read answers.
    endpoints = [];
    forgetSubscribers();
    answer!();
    await Promise.all(pending.splice(0));
    // Still unknown (so a webhook job is queued and reads D1), never the map from before the edit.
    expect(knownSubscriptions(db as unknown as D1Database, ctx)).toBeNull();
    answer!();
    await Promise.all(pending.splice(0));
    expect(knownSubscriptions(db as unknown as D1Database, ctx)).toEqual(new Map());
  });
});
