// Instants shown and entered in the agent's time zone, whatever zone the browser is in.
// `datetime-local` inputs hold a wall-clock time without a zone; these helpers say which zone.

const partsIn = (ms: number, zone: string) => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour'), mi: get('minute'), s: get('second') };
};

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, zone: string): number {
  const p = partsIn(ms, zone);
  return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The value for a datetime-local input showing an instant in a zone: "2026-12-01T10:00". */
export function toLocalInput(iso: string, zone: string): string {
  const p = partsIn(Date.parse(iso), zone);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}`;
}

/**
 * The instant a wall-clock time in a zone names. A time that happens twice (autumn) is its
 * first occurrence, as in the server's availability (docs/meetings.md); a time skipped by a
 * DST jump is read with the offset before the jump, as a clock would, so 02:30 becomes 03:30.
 */
export function fromLocalInput(value: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  // The offsets a day before and after cover both sides of any transition near this time.
  const before = wall - offsetAt(wall - 86_400_000, zone);
  const after = wall - offsetAt(wall + 86_400_000, zone);
  const shows = (ms: number) => toLocalInput(new Date(ms).toISOString(), zone) === value;
  const matching = [before, after].filter(shows).sort((a, b) => a - b);
  return new Date(matching[0] ?? before).toISOString();
}

/** "Tue 1 Dec 2026, 10:00" in the zone. */
export const formatDateTime = (iso: string, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
    Date.parse(iso),
  );

/** "10:30" in the zone. */
export const formatTime = (iso: string, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(Date.parse(iso));

/** Today's time, or the date for older instants (the inbox). */
export function formatWhen(iso: string): string {
  const at = new Date(iso);
  const today = new Date().toDateString() === at.toDateString();
  return today ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

export const timeZones = (): string[] => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
};
