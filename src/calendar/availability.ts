/**
 * Bookable slots for one agent (SPEC M1), plus the wall-clock <-> instant conversions
 * needed to compute them in the agent's zone and to show them in the guest's zone.
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

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** Wall-clock range in the agent's zone; `end` may be `24:00` to mean "until midnight". */
export interface TimeRange {
  start: string;
  end: string;
}

/** Replaces the weekly hours on one local date; empty `ranges` means a day off. */
export interface DateOverride {
  date: string;
  ranges: TimeRange[];
}

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

export interface ZonedDateTime {
  /** `YYYY-MM-DD` local date. */
  date: string;
  /** `HH:MM` local time (seconds are truncated, never rounded, so a slot never moves). */
  time: string;
  /** Offset from UTC in minutes at that instant, e.g. 60 for `+01:00`. */
  offsetMinutes: number;
}

export interface ZonedSlotLabel {
  date: string;
  time: string;
  /** `+01:00` style, as in RFC 3339. */
  offset: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

// Index 0 is Sunday to match the arithmetic in `weekdayOfDay`.
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

// Constructing a DateTimeFormat costs far more than using one, and availability calls
// are hot, so instances live for the isolate's lifetime (there are few distinct zones).
const formatters = new Map<string, Intl.DateTimeFormat>();

// Offsets are looked up for the same instants over and over (each day's probe one day
// ahead is the next day's probe one day back), so memoise per zone. Bounded because an
// isolate can live long and see arbitrary instants.
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 20_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let dtf = formatters.get(timeZone);
  if (!dtf) {
    // en-US with h23 gives plain ASCII digits and a 00-23 hour on every engine. An
    // unknown zone throws a RangeError here, which is the error policy we want anyway.
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, dtf);
  }
  return dtf;
}

interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localFields(ms: number, timeZone: string): LocalFields {
  const fields: LocalFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type in fields) fields[part.type as keyof LocalFields] = Number(part.value);
  }
  // Some older ICU builds still print 24 at midnight despite h23.
  fields.hour %= 24;
  return fields;
}

/** UTC offset in ms in force at instant `ms`. */
function offsetAt(ms: number, timeZone: string): number {
  // Zone offsets only change on whole seconds, so the second is a sound cache key.
  const second = Math.floor(ms / SECOND);
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const cached = cache.get(second);
  if (cached !== undefined) return cached;
  const f = localFields(ms, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  const offset = asUtc - second * SECOND;
  if (cache.size >= OFFSET_CACHE_LIMIT) cache.clear();
  cache.set(second, offset);
  return offset;
}

/**
 * Instant at which the zone's wall clock first reaches or passes `wall` (a wall-clock
 * reading encoded as if it were UTC ms).
 *
 * That single rule settles both DST anomalies the way a working day needs:
 * - a repeated reading (autumn) maps to its first occurrence, so a range starting or
 *   ending then starts/ends as soon as the clock shows that time;
 * - a skipped reading (spring) maps to the transition instant itself, so a range
 *   boundary inside the gap neither invents nonexistent time nor loses real time.
 */
function wallToInstant(wall: number, timeZone: string): number {
  // Offsets a day either side: zones never change offset twice within two days, so
  // these are the only candidates for this reading.
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const early = wall - Math.max(before, after);
  const late = wall - Math.min(before, after);
  const earlyValid = early + offsetAt(early, timeZone) === wall;
  if (earlyValid) return early;
  if (late !== early && late + offsetAt(late, timeZone) === wall) return late;

  // Skipped reading: the clock jumps over `wall` somewhere in (early, late]. Binary
  // search for the first instant whose reading is >= wall; only runs on gap times.
  let lo = early;
  let hi = late;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (mid + offsetAt(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

/** Days since 1970-01-01 for a `YYYY-MM-DD` calendar date (no zone involved). */
function parseDate(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`invalid date ${JSON.stringify(date)}, expected YYYY-MM-DD`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC silently rolls 2026-02-30 into March; refuse instead of booking a wrong day.
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`invalid date ${JSON.stringify(date)}`);
  }
  return ms / DAY;
}

/** Minutes since local midnight; `24:00` is accepted so a range can run to midnight. */
function parseTime(time: string): number {
  const m = TIME_RE.exec(time);
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (!m || minute > 59 || hour > 24 || (hour === 24 && minute !== 0)) {
    throw new RangeError(`invalid time ${JSON.stringify(time)}, expected HH:MM`);
  }
  return hour * 60 + minute;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatDay(day: number): string {
  const d = new Date(day * DAY);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function weekdayOfDay(day: number): Weekday {
  // 1970-01-01 was a Thursday (index 4).
  return WEEKDAYS[(((day + 4) % 7) + 7) % 7] ?? 'sun';
}

/**
 * Instant (epoch ms) of a wall-clock time on a local date in `timeZone`.
 * A time skipped by a DST jump maps to the jump itself (e.g. Paris 2026-03-29 02:30 ->
 * the instant the clock shows 03:00); a repeated time maps to its first occurrence.
 */
export function zonedTimeToInstant(date: string, time: string, timeZone: string): number {
  const wall = parseDate(date) * DAY + parseTime(time) * MINUTE;
  return wallToInstant(wall, timeZone);
}

/** Local date, time and offset of an instant in `timeZone`. */
export function instantToZoned(ms: number, timeZone: string): ZonedDateTime {
  if (!Number.isFinite(ms)) throw new RangeError('invalid instant');
  const offset = offsetAt(ms, timeZone);
  const local = new Date(ms + offset);
  const date = `${String(local.getUTCFullYear()).padStart(4, '0')}-${pad2(local.getUTCMonth() + 1)}-${pad2(local.getUTCDate())}`;
  const time = `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}`;
  // Historical LMT offsets have seconds; presentation works in whole minutes.
  return { date, time, offsetMinutes: Math.trunc(offset / MINUTE) };
}

/** How a slot reads for someone in `timeZone` (typically the guest's). */
export function formatSlotInZone(ms: number, timeZone: string): ZonedSlotLabel {
  const zoned = instantToZoned(ms, timeZone);
  const sign = zoned.offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(zoned.offsetMinutes);
  return {
    date: zoned.date,
    time: zoned.time,
    offset: `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`,
  };
}

interface ParsedRange {
  startMinute: number;
  endMinute: number;
}

function parseRanges(ranges: readonly TimeRange[]): ParsedRange[] {
  return ranges.map((r) => {
    const startMinute = parseTime(r.start);
    const endMinute = parseTime(r.end);
    if (endMinute <= startMinute) {
      throw new RangeError(`range ${r.start}-${r.end} ends before it starts`);
    }
    return { startMinute, endMinute };
  });
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

  const weekly = new Map<Weekday, ParsedRange[]>();
  for (const day of WEEKDAYS) weekly.set(day, parseRanges(settings.weeklyHours[day] ?? []));
  const overrides = new Map<number, ParsedRange[]>();
  for (const o of settings.overrides) overrides.set(parseDate(o.date), parseRanges(o.ranges));

  const merged = mergeBusy(busy.map((b) => blockedBy(b, bufferBefore, bufferAfter)));
  let busyIndex = 0;

  // A range on local date D only produces instants within D's local day, so the local
  // dates of the window's ends bound the days worth visiting.
  const firstDay = parseDate(instantToZoned(lo, timeZone).date);
  const lastDay = parseDate(instantToZoned(hi - 1, timeZone).date);

  const slots: Slot[] = [];
  const starts: number[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const ranges = overrides.get(day) ?? weekly.get(weekdayOfDay(day)) ?? [];
    if (ranges.length === 0) continue;

    starts.length = 0;
    for (const range of ranges) {
      const rangeStart = wallToInstant(day * DAY + range.startMinute * MINUTE, timeZone);
      const rangeEnd = wallToInstant(day * DAY + range.endMinute * MINUTE, timeZone);
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
