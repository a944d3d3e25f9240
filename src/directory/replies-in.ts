// Free of storage and bindings: the guest pages bundle it.

/** "Usually replies …" from the median first response: the rounding rule (docs/rules.md "First response"); the guest pages show it, keyed by their strings. */
export function repliesIn(seconds: number): { key: 'repliesUnder5' | 'repliesMinutes' | 'repliesHour' | 'repliesHours' | 'repliesDay' | 'repliesDays'; n: number } {
  const minutes = Math.round(seconds / 300) * 5;
  if (seconds < 300) return { key: 'repliesUnder5', n: 5 };
  if (minutes < 60) return { key: 'repliesMinutes', n: minutes };
  const hours = Math.round(seconds / 3600);
  if (hours < 2) return { key: 'repliesHour', n: 1 };
  if (hours < 12) return { key: 'repliesHours', n: hours };
  if (seconds < 86_400) return { key: 'repliesDay', n: 1 };
  return { key: 'repliesDays', n: Math.round(seconds / 86_400) };
}
