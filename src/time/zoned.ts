/**
 * Wall-clock <-> instant conversions in an IANA zone, and weekly hours with date overrides
 * (the shape both an agent's calendar and a service's business hours use).
 *
 * Pure and dependency-free on purpose: it runs on hot paths (availability requests, public
 * cards), so it must be cheap, deterministic (instants are inputs) and testable without
 * bindings. Only `Intl.DateTimeFormat` is used for zone rules, because Workers ship full ICU
 * data and no tz library is needed. Invalid input (a malformed `HH:MM` or date, an unknown
 * zone) throws a `RangeError`.
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
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 60 * MINUTE;

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

export function formatterFor(timeZone: string): Intl.DateTimeFormat {
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
export function parseDate(date: string): number {
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

/** A range as minutes since local midnight. */
export interface ParsedRange {
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


/** The ranges in force on each local day (days since 1970-01-01): the date's override if it has one, else its weekday's hours. */
export function hoursByDay(weeklyHours: Partial<Record<Weekday, readonly TimeRange[]>>, overrides: readonly DateOverride[]): (day: number) => ParsedRange[] {
  const weekly = new Map<Weekday, ParsedRange[]>();
  for (const day of WEEKDAYS) weekly.set(day, parseRanges(weeklyHours[day] ?? []));
  const byDate = new Map<number, ParsedRange[]>();
  for (const o of overrides) byDate.set(parseDate(o.date), parseRanges(o.ranges));
  return (day) => byDate.get(day) ?? weekly.get(weekdayOfDay(day)) ?? [];
}

/** The instants a range on a local day starts and ends at (DST gaps and repeats as wallToInstant settles them). */
export const rangeInstants = (day: number, range: ParsedRange, timeZone: string): { start: number; end: number } => ({
  start: wallToInstant(day * DAY + range.startMinute * MINUTE, timeZone),
  end: wallToInstant(day * DAY + range.endMinute * MINUTE, timeZone),
});
