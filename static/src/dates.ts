// Dates and times as the guest reads them, in one locale for the whole page or widget: the
// browser's own locale when it is of the page's language (en-GB keeps 24 h, fr-CA its own
// order), else that language's usual one (en-US, fr-FR, de-DE, es-ES, it-IT). Every guest
// screen formats through here, so the chat, the booking strip and the meeting page agree.
import { primary, type Lang } from './i18n';

const USUAL: Record<Lang, string> = { en: 'en-US', fr: 'fr-FR', de: 'de-DE', es: 'es-ES', it: 'it-IT' };

// Until a page picks its language (the agent console never does), the browser's default.
let locale: string | undefined;

/** Sets the locale for `lang`; answers it. */
export function useLanguage(lang: Lang, browser: readonly string[] = navigator.languages): string {
  const own = browser.find((tag) => primary(tag) === lang);
  locale = own && Intl.DateTimeFormat.supportedLocalesOf(own).length ? own : USUAL[lang];
  return locale;
}

const format = (at: number, options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, options).format(at);

/** "08:25 PM" (en-US) or "20:25" (de-DE), on the wall clock of `zone` (the browser's without one). */
export const timeOf = (at: number, zone?: string) => format(at, { timeZone: zone, hour: '2-digit', minute: '2-digit' });

/** "Tue, Dec 1, 8:25 PM": an instant within the weeks around now (a snooze's end, an opening time). */
export const dateTime = (at: number, zone?: string) =>
  format(at, { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

const FULL_DAY: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
// A calendar date (YYYY-MM-DD) is formatted as its noon in UTC, so no zone moves it to another day.
const noon = (date: string) => Date.parse(`${date}T12:00:00Z`);

/** "Monday 9:00 AM", with the date too when it is more than six days away: when a service opens again. */
export const openingTime = (at: number) =>
  format(at, { weekday: 'long', ...(at - Date.now() > 6 * 86_400_000 ? { day: 'numeric', month: 'long' } : {}), hour: 'numeric', minute: '2-digit' });

/** "Tuesday, December 1, 2026, 9:00 AM–9:30 AM (America/Los_Angeles)", in the page's locale. */
export function span(start: string, end: string, zone: string): string {
  const [a, b] = [Date.parse(start), Date.parse(end)];
  return `${format(a, { timeZone: zone, ...FULL_DAY })}, ${timeOf(a, zone)}–${timeOf(b, zone)} (${zone})`;
}

/** "Tue, Dec 1" / "Di., 1. Dez." for a YYYY-MM-DD date. */
export const dayLabel = (date: string) => format(noon(date), { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });

/** "Tuesday, December 1, 2026" for a YYYY-MM-DD date. */
export const fullDay = (date: string) => format(noon(date), { timeZone: 'UTC', ...FULL_DAY });

/** "1" (or "1日" in Japanese): the day of the month as the locale writes it alone. */
export const dayOfMonth = (date: string) => format(noon(date), { timeZone: 'UTC', day: 'numeric' });

/** "December 2026" for any date of the month. */
export const monthLabel = (date: string) => format(noon(date), { timeZone: 'UTC', month: 'long', year: 'numeric' });

/** Short and long weekday names, Monday (1) to Sunday (7). */
export const weekday = (day: number) => {
  const at = noon(`2024-01-0${day}`); // 1 January 2024 was a Monday
  return { short: format(at, { timeZone: 'UTC', weekday: 'short' }), long: format(at, { timeZone: 'UTC', weekday: 'long' }) };
};

type WeekInfo = { firstDay: number };
/**
 * The day a week starts on in the page's locale, 1 (Monday) to 7 (Sunday): the engine's week
 * data when it has some (`getWeekInfo()`, once the `weekInfo` getter), else Sunday for the
 * United States and Monday elsewhere (ISO 8601).
 */
export function firstWeekday(): number {
  const tag = new Intl.Locale(locale ?? new Intl.DateTimeFormat().resolvedOptions().locale) as Intl.Locale & { getWeekInfo?: () => WeekInfo; weekInfo?: WeekInfo };
  const info = tag.getWeekInfo?.() ?? tag.weekInfo;
  if (info?.firstDay) return info.firstDay;
  return tag.maximize().region === 'US' ? 7 : 1;
}

/** Days from today to the day of `at`, on the browser's calendar. */
const daysAgo = (at: number) => {
  const day = (ms: number) => Math.floor((ms - new Date(ms).getTimezoneOffset() * 60_000) / 86_400_000);
  return day(Date.now()) - day(at);
};

/**
 * When a message was written: its time today, "Yesterday 8:25 PM" / "Gestern 20:25" the day
 * before, the day and time before that.
 */
export function stamp(at: number): string {
  const ago = daysAgo(at);
  if (ago === 0) return timeOf(at);
  if (ago === 1) {
    const yesterday = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-1, 'day');
    return `${yesterday.charAt(0).toLocaleUpperCase(locale) + yesterday.slice(1)} ${timeOf(at)}`;
  }
  return dateTime(at);
}
