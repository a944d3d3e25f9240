import { describe, expect, it } from 'vitest';
import { gatherDelay } from '../../src/conversation/gathering';

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
