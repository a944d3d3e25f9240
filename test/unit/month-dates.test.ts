import { afterEach, describe, expect, it } from 'vitest';
import { dayOfMonth, firstWeekday, fullDay, monthLabel, useLanguage, weekday } from '../../static/src/dates';

/** What the booking page's month grid writes (static/src/dates.ts, docs/meetings.md "The guest's pages"). */

const proto = Intl.Locale.prototype as unknown as Record<string, unknown>;
const saved = ['getWeekInfo', 'weekInfo'].map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)] as const);
afterEach(() => {
  for (const [key, descriptor] of saved) if (descriptor) Object.defineProperty(proto, key, descriptor);
});

/** The first weekday for each [language, browser languages]. */
const weekStarts = (cases: Array<[Parameters<typeof useLanguage>[0], string[]]>) =>
  cases.map(([lang, browser]) => (useLanguage(lang, browser), firstWeekday()));

describe('the month grid in the page’s locale', () => {
  it('starts the week on Sunday in en-US and on Monday in en-GB and German', () => {
    expect(weekStarts([['en', ['en-US']], ['en', ['en-GB']], ['de', []]])).toEqual([7, 1, 1]);
  });

  it('without week data in the engine: Sunday for the United States, Monday elsewhere (even Canada, which starts on Sunday)', () => {
    expect(weekStarts([['fr', ['fr-CA']]])).toEqual([7]);
    for (const [key] of saved) delete proto[key];
    expect(weekStarts([['en', ['en-US']], ['fr', ['fr-CA']], ['es', []]])).toEqual([7, 1, 1]);
  });

  it('names the month, the weekdays and the days as the locale does', () => {
    useLanguage('de', []);
    expect(monthLabel('2026-12-17')).toBe('Dezember 2026');
    expect(weekday(1)).toEqual({ short: 'Mo', long: 'Montag' });
    expect(weekday(7).long).toBe('Sonntag');
    expect(fullDay('2026-12-06')).toBe('Sonntag, 6. Dezember 2026');
    expect(dayOfMonth('2026-12-06')).toBe('6');
    useLanguage('en', ['en-US']);
    expect(monthLabel('2027-01-01')).toBe('January 2027');
    expect(fullDay('2027-01-01')).toBe('Friday, January 1, 2027');
  });
});
