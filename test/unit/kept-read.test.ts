import { afterEach, describe, expect, it, vi } from 'vitest';
import { keptRead } from '../../src/directory/kept-read';

const db = {} as D1Database;

describe('keptRead', () => {
  afterEach(() => vi.useRealTimers());

  it('reads once for every caller within its life, then again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    let reads = 0;
    const kept = keptRead(1000, async () => ++reads);
    expect(await kept.get(db)).toBe(1);
    vi.setSystemTime(1_000_999);
    expect(await Promise.all([kept.get(db), kept.get(db)])).toEqual([1, 1]);
    vi.setSystemTime(1_001_001);
    expect(await kept.get(db)).toBe(2);
    expect(reads).toBe(2);
  });

  it('after forget() reads at once, and does not keep a read that began before the edit', async () => {
    let value = 'before';
    let answer: (() => void) | null = null;
    const kept = keptRead(60_000, async () => {
      const seen = value;
      await new Promise<void>((resolve) => (answer = resolve));
      return seen;
    });
    const early = kept.get(db);
    value = 'after';
    kept.forget();
    answer!();
    expect(await early).toBe('before'); // answered to the caller that asked before the edit
    const next = kept.get(db); // not kept: read again
    answer!();
    expect(await next).toBe('after');
    expect(await kept.get(db)).toBe('after'); // kept now, no read pending
  });

  it('peek() shows what is kept and its age without reading; reread() replaces it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(5_000_000);
    let reads = 0;
    const kept = keptRead(1000, async () => ++reads);
    expect(kept.peek()).toBeNull();
    await kept.get(db);
    vi.setSystemTime(5_004_000);
    expect(kept.peek()).toEqual({ value: 1, ageMs: 4000 }); // however old, and no read
    expect(await kept.reread(db)).toBe(2);
    expect(kept.peek()).toEqual({ value: 2, ageMs: 0 });
    kept.forget();
    expect(kept.peek()).toBeNull();
  });
});
