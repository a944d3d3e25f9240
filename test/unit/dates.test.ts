import { afterEach, describe, expect, it, vi } from 'vitest';
import { dateTime, span, stamp, timeOf, useLanguage } from '../../static/src/dates';

/** Dates on the guest screens (static/src/dates.ts, docs/widget.md "Languages"). */

afterEach(() => vi.useRealTimers());
const at = (iso: string) => Date.parse(iso);

describe('the locale of a page', () => {
  it('is the browser’s own when it is of the page’s language, else the language’s usual one', () => {
    expect(useLanguage('en', ['en-GB', 'de'])).toBe('en-GB');
    expect(useLanguage('en', ['de-DE'])).toBe('en-US');
    expect(useLanguage('de', ['en-US', 'de-AT'])).toBe('de-AT');
    expect(useLanguage('it', ['fr-FR'])).toBe('it-IT');
    expect(useLanguage('es', [])).toBe('es-ES');
  });

  it('writes times with a 12-hour clock in en-US and a 24-hour one in German, in the zone asked', () => {
    useLanguage('en', ['en-US']);
    expect(timeOf(at('2026-12-01T19:25:00Z'), 'UTC')).toMatch(/^07:25\sPM$/);
    useLanguage('de', []);
    expect(timeOf(at('2026-12-01T19:25:00Z'), 'Europe/Berlin')).toBe('20:25');
    expect(span('2026-12-01T08:00:00Z', '2026-12-01T08:30:00Z', 'Europe/Berlin')).toBe('Dienstag, 1. Dezember 2026, 09:00–09:30 (Europe/Berlin)');
    expect(dateTime(at('2026-12-04T16:00:00Z'), 'Europe/Berlin')).toBe('Fr., 4. Dez., 17:00');
  });

  it('stamps a message with its time today, "yesterday" and the time the day before, the day and time earlier', () => {
    vi.useFakeTimers();
    vi.setSystemTime(at('2026-12-02T12:00:00Z'));
    useLanguage('de', []);
    const offset = new Date().getTimezoneOffset() * 60_000;
    const local = (iso: string) => at(iso) + offset; // that wall-clock time where the test runs
    expect(stamp(local('2026-12-02T08:05:00Z'))).toBe('08:05');
    expect(stamp(local('2026-12-01T20:25:00Z'))).toBe('Gestern 20:25');
    useLanguage('en', ['en-US']);
    expect(stamp(local('2026-12-01T20:25:00Z'))).toMatch(/^Yesterday 08:25\sPM$/);
    expect(stamp(local('2026-11-28T09:00:00Z'))).toMatch(/^Sat, Nov 28, 09:00\sAM$/);
  });
});
