import { afterEach, describe, expect, it } from 'vitest';
import { dayOfMonth, firstWeekday, fullDay, monthLabel, useLanguage, weekday } from '../../static/src/dates';

/** What the booking page's month grid writes (static/src/dates.ts, docs/meetings.md "The guest's pages"). */

const proto = Intl.Locale.prototype as unknown as Record<string, unknown>;
const saved = ['getWeekInfo', 'weekInfo'].map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)] as const);
afterEach(() => {
  for (const [key, descriptor] of saved) if (descriptor) Object.defineProperty(proto, key, descriptor);
});

describe('the month grid in the page’s locale', () => {
  it('starts the week on Sunday in en-US and on Monday in en-GB and German', () => {
    useLanguage('en', ['en-US']);
    expect(firstWeekday()).toBe(7);
    useLanguage('en', ['en-GB']);
    expect(firstWeekday()).toBe(1);
    useLanguage('de', []);
    expect(firstWeekday()).toBe(1);
  });

  it('without week data in the engine: Sunday for the United States, Monday elsewhere', () => {
    for (const [key] of saved) delete proto[key];
    useLanguage('en', ['en-US']);
    expect(firstWeekday()).toBe(7);
    useLanguage('fr', ['fr-CA']);
    expect(firstWeekday()).toBe(1);
    useLanguage('es', []);
    expect(firstWeekday()).toBe(1);
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
