import { DAY, hoursByDay, parseDate, instantToZoned, rangeInstants, type TimeRange, type Weekday } from './zoned';

/**
 * A service's business hours (docs/rules.md "Business hours"): weekly ranges in its zone,
 * and holidays (local dates) on which it stays closed all day. A service without hours
 * (null) is always open; hours whose week has no range are never open.
 */
export interface BusinessHours {
  timeZone: string;
  weeklyHours: Partial<Record<Weekday, TimeRange[]>>;
  holidays: Array<{ date: string; name?: string | undefined }>;
}

/** Whether a service is open by its hours at an instant, and when that next changes (epoch ms; null: not within a year). */
export interface HoursState {
  open: boolean;
  opensAt: number | null;
  closesAt: number | null;
}

// Far enough to see past a year of holidays (they are at most a year ahead) and a week after them.
const HORIZON_DAYS = 366 + 7;

/** The open intervals from local day `firstDay` on, ascending, touching ones (Mon 22:00–24:00, Tue 00:00–06:00) merged. */
function* openIntervals(hours: BusinessHours, firstDay: number): Generator<{ start: number; end: number }> {
  const rangesOn = hoursByDay(hours.weeklyHours, hours.holidays.map((h) => ({ date: h.date, ranges: [] })));
  let current: { start: number; end: number } | null = null;
  for (let day = firstDay; day < firstDay + HORIZON_DAYS; day++) {
    const intervals = rangesOn(day)
      .map((range) => rangeInstants(day, range, hours.timeZone))
      // A range inside a skipped DST hour has no instants at all.
      .filter((i) => i.end > i.start)
      .sort((a, b) => a.start - b.start);
    for (const interval of intervals) {
      if (current && interval.start <= current.end) current.end = Math.max(current.end, interval.end);
      else {
        if (current) yield current;
        current = { ...interval };
      }
    }
  }
  if (current) yield current;
}

/** The business-hours rule: open at `now` or not, and the next opening or closing instant. */
export function hoursAt(hours: BusinessHours | null, now: number): HoursState {
  if (!hours) return { open: true, opensAt: null, closesAt: null };
  // Ranges never leave their local day, so an interval holding `now` starts today.
  const today = parseDate(instantToZoned(now, hours.timeZone).date);
  const limit = now + 366 * DAY;
  for (const interval of openIntervals(hours, today)) {
    if (interval.end <= now) continue;
    if (interval.start <= now) return { open: true, opensAt: null, closesAt: interval.end > limit ? null : interval.end };
    return { open: false, opensAt: interval.start > limit ? null : interval.start, closesAt: null };
  }
  return { open: false, opensAt: null, closesAt: null };
}
