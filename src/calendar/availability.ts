import { DAY, formatterFor, hoursByDay, instantToZoned, MINUTE, parseDate, rangeInstants, type DateOverride, type TimeRange, type Weekday } from '../time/zoned';

/**
 * Bookable slots for one agent (SPEC M1), computed in the agent's zone with the zone math
 * of time/zoned.ts.
 *
 * Pure and dependency-free on purpose: it runs inside the calendar Durable Object on
 * every availability request, so it must be cheap, deterministic (`now` is an input)
 * and testable without bindings. Only `Intl.DateTimeFormat` is used for zone rules,
 * because Workers ship full ICU data and no tz library is needed.
 *
 * Error policy: invalid input (a duration the agent does not offer, a malformed
 * `HH:MM`, a non-positive step, an unknown time zone) throws a `RangeError`. These are
 * caller bugs or stale client state, not "no availability"; the HTTP layer maps a
 * `RangeError` to a 400 so the guest UI can refresh its list of durations.
 */

export interface AvailabilitySettings {
  timeZone: string;
  weeklyHours: Partial<Record<Weekday, TimeRange[]>>;
  overrides: DateOverride[];
  durations: number[];
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  horizonDays: number;
  slotStepMinutes: number;
}

export interface AvailabilityQuery {
  /** Epoch ms, inclusive: earliest slot start wanted. */
  from: number;
  /** Epoch ms, exclusive: slot starts must be before this. */
  to: number;
  durationMinutes: number;
  /** Epoch ms; an input rather than `Date.now()` so results are reproducible. */
  now: number;
}

/** Half-open `[start, end)` in epoch ms. */
export interface BusyInterval {
  start: number;
  end: number;
  /**
   * A meeting of this calendar: it keeps its own buffers, so a new meeting's buffers may not
   * overlap them either. Other busy time (the agent's busy feed) has none of its own.
   */
  meeting?: boolean;
}

/** Half-open `[start, end)` in epoch ms; `end - start` is the requested duration. */
export interface Slot {
  start: number;
  end: number;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0`);
  return value;
}

/** The time a busy interval keeps from a new meeting's window: a meeting keeps its buffers too. */
function blockedBy(b: BusyInterval, bufferBefore: number, bufferAfter: number): BusyInterval {
  return b.meeting ? { start: b.start - bufferBefore, end: b.end + bufferAfter } : b;
}

/**
 * Whether a meeting at `[start, end)` would clash with busy time: its window (the meeting
 * and its buffers) overlaps what a busy interval blocks. Tells "taken" from "not bookable".
 */
export function clashes(settings: Pick<AvailabilitySettings, 'bufferBeforeMinutes' | 'bufferAfterMinutes'>, slot: Slot, busy: readonly BusyInterval[]): boolean {
  const before = settings.bufferBeforeMinutes * MINUTE;
  const after = settings.bufferAfterMinutes * MINUTE;
  return busy.some((b) => {
    const blocked = blockedBy(b, before, after);
    return blocked.start < slot.end + after && blocked.end > slot.start - before;
  });
}

/**
 * Overlapping and touching intervals collapsed into a sorted disjoint list, so the
 * slot sweep can advance one pointer and never look back.
 */
function mergeBusy(busy: readonly BusyInterval[]): BusyInterval[] {
  const sorted = busy.filter((b) => b.end > b.start).sort((a, b) => a.start - b.start);
  const merged: BusyInterval[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && b.start <= last.end) {
      if (b.end > last.end) last.end = b.end;
    } else {
      merged.push({ start: b.start, end: b.end });
    }
  }
  return merged;
}

/**
 * Bookable slots in `[query.from, query.to)`, ascending by start.
 *
 * Slots step in elapsed time from each range's start instant, not in wall-clock time:
 * across a DST change inside a range this keeps every slot a real instant, never
 * yields the same instant twice, and still offers the whole repeated hour in autumn
 * (the agent really is available for it). A range like 09:00-17:00 that does not
 * contain the change is simply 09:00-17:00 local on the new offset.
 *
 * The horizon is `now + horizonDays * 24 h` and inclusive; minimum notice is inclusive
 * too (a slot exactly at `now + notice` is offered).
 */
export function computeSlots(
  settings: AvailabilitySettings,
  query: AvailabilityQuery,
  busy: readonly BusyInterval[],
): Slot[] {
  const { timeZone } = settings;
  formatterFor(timeZone); // fail fast on an unknown zone, even if the window is empty

  const durationMinutes = query.durationMinutes;
  if (!settings.durations.includes(durationMinutes)) {
    throw new RangeError(
      `duration ${durationMinutes} min is not offered (offered: ${settings.durations.join(', ')})`,
    );
  }
  if (!Number.isFinite(durationMinutes) || durationMinutes <= 0) {
    throw new RangeError('duration must be > 0');
  }
  if (!Number.isFinite(settings.slotStepMinutes) || settings.slotStepMinutes <= 0) {
    throw new RangeError('slotStepMinutes must be > 0');
  }
  const duration = durationMinutes * MINUTE;
  const step = settings.slotStepMinutes * MINUTE;
  const bufferBefore = nonNegative('bufferBeforeMinutes', settings.bufferBeforeMinutes) * MINUTE;
  const bufferAfter = nonNegative('bufferAfterMinutes', settings.bufferAfterMinutes) * MINUTE;
  const notice = nonNegative('minimumNoticeMinutes', settings.minimumNoticeMinutes) * MINUTE;
  const horizon = nonNegative('horizonDays', settings.horizonDays) * DAY;

  // Slot starts must lie in [lo, hi); the +1 makes the horizon instant itself bookable.
  const lo = Math.max(query.from, query.now + notice);
  const hi = Math.min(query.to, query.now + horizon + 1);
  if (!(hi > lo)) return [];

  const rangesOn = hoursByDay(settings.weeklyHours, settings.overrides);

  const merged = mergeBusy(busy.map((b) => blockedBy(b, bufferBefore, bufferAfter)));
  let busyIndex = 0;

  // A range on local date D only produces instants within D's local day, so the local
  // dates of the window's ends bound the days worth visiting.
  const firstDay = parseDate(instantToZoned(lo, timeZone).date);
  const lastDay = parseDate(instantToZoned(hi - 1, timeZone).date);

  const slots: Slot[] = [];
  const starts: number[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const ranges = rangesOn(day);
    if (ranges.length === 0) continue;

    starts.length = 0;
    for (const range of ranges) {
      const { start: rangeStart, end: rangeEnd } = rangeInstants(day, range, timeZone);
      // Jump straight to the first grid point >= lo rather than walking from the start.
      let s = rangeStart < lo ? rangeStart + Math.ceil((lo - rangeStart) / step) * step : rangeStart;
      for (; s + duration <= rangeEnd && s < hi; s += step) starts.push(s);
    }
    // Several ranges may be listed out of order or overlap; slots must come out
    // ascending (the busy sweep relies on it) and unique.
    if (ranges.length > 1) starts.sort((a, b) => a - b);

    let previous = Number.NaN;
    for (const s of starts) {
      if (s === previous) continue;
      previous = s;
      const windowStart = s - bufferBefore;
      const windowEnd = s + duration + bufferAfter;
      // Window starts only grow, so busy intervals that end before it are done for good.
      while (busyIndex < merged.length && (merged[busyIndex]?.end ?? 0) <= windowStart) busyIndex++;
      const next = merged[busyIndex];
      if (next && next.start < windowEnd) continue;
      slots.push({ start: s, end: s + duration });
    }
  }
  return slots;
}
