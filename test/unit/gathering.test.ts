import { afterEach, describe, expect, it, vi } from 'vitest';
import { Gatherer, gatherDelay } from '../../src/conversation/gathering';

const rule = { batchMs: 100, spacingMs: 1000 };

describe('gatherDelay', () => {
  it('waits the batch time for the first change of a quiet conversation', () => {
    expect(gatherDelay(50_000, null, rule)).toBe(100);
    // The last run was long ago: the conversation is quiet again.
    expect(gatherDelay(50_000, 40_000, rule)).toBe(100);
  });

  it('spaces runs a second apart while changes keep coming', () => {
    // The last run started 200 ms ago: the next one starts 1 s after it, not 100 ms from now.
    expect(gatherDelay(50_200, 50_000, rule)).toBe(800);
    expect(gatherDelay(50_950, 50_000, rule)).toBe(100);
  });
});

describe('Gatherer', () => {
  afterEach(() => vi.useRealTimers());

  it('runs once for a burst, and a second apart from the last run while asked again', () => {
    vi.useFakeTimers();
    let runs = 0;
    const gathering = new Gatherer(rule, () => void runs++);
    gathering.schedule();
    gathering.schedule();
    expect(gathering.waiting).toBe(true);
    vi.advanceTimersByTime(100);
    expect(runs).toBe(1);
    expect(gathering.waiting).toBe(false);
    vi.advanceTimersByTime(50);
    gathering.schedule();
    expect(gathering.delay()).toBe(950); // a second after the last run started, at 100 ms
    vi.advanceTimersByTime(949);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(2);
  });
});
