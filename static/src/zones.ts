// Time zones on the guest pages: the guest's own zone (from the browser), the list to pick
// from, and the offset shown with a zone's times (dates.ts writes the times themselves).
import { h } from './chat-view';
import type { Strings } from './i18n';
import { field } from './page';

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

let zones: string[] | null = null;
/** Every IANA zone the browser knows, plus UTC and the browser's own (older engines list fewer). */
export function zoneList(): string[] {
  zones ??= [...new Set([...(Intl.supportedValuesOf?.('timeZone') ?? []), 'UTC', browserZone()])].sort();
  return zones;
}

/** YYYY-MM-DD of an instant as a wall calendar in `zone` shows it. */
export const dateIn = (at: number, zone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** A YYYY-MM-DD date moved by whole days (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "GMT-8" at that instant: the offset a zone has then (it changes with DST). */
export const offsetName = (at: number, zone: string): string =>
  new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';

/**
 * A searchable zone picker: a text field with the zone list as suggestions (a native
 * combobox, usable with the keyboard and screen readers). Only a zone from the list is taken.
 */
export function zonePicker(t: Strings, zone: string, onChange: (zone: string) => void): HTMLElement {
  const input = h('input', { type: 'text', value: zone, autocomplete: 'off', spellcheck: 'false' });
  const list = h('datalist', { id: `${Math.random().toString(36).slice(2, 9)}-zones` }, ...zoneList().map((z) => h('option', { value: z })));
  input.setAttribute('list', list.id);
  const { wrap, invalid } = field(t.timeZone, input, list);
  let current = zone;
  const take = () => {
    const match = zoneList().find((z) => z.toLowerCase() === input.value.trim().toLowerCase());
    if (!invalid(match ? '' : t.zoneUnknown) || !match) return;
    input.value = match;
    if (match !== current) onChange((current = match));
  };
  input.addEventListener('change', take);
  input.addEventListener('keydown', (e) => e.key === 'Enter' && (e.preventDefault(), take()));
  input.addEventListener('focus', () => input.select());
  wrap.classList.add('zone');
  return wrap;
}
