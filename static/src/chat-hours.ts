// What a guest reads under a service's name (docs/widget.md "Business hours and away"): closed by
// its business hours (and when it opens again), nobody here, or how soon it usually replies;
// while closed or away the intro asks for the email (its field stays optional) the answer will go to.
import { repliesIn } from '../../src/directory/replies-in';
import type { ConversationClient } from './chat-client';
import { fill, type Strings } from './i18n';

/** The public card's hours fields (a service's; an agent's card has none). */
export type HoursCard = {
  hoursStatus?: 'open' | 'away' | 'closed';
  opensAt?: string | null;
  closesAt?: string | null;
  firstResponseSeconds?: number | null;
};

type Reach = 'open' | 'away' | 'closed';

// The longest a browser timer waits; a boundary further off is looked at again then.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Never read the card again sooner than this after a boundary (a client clock ahead of the server's).
const MIN_RECHECK_MS = 30_000;

/** "Monday 09:00", with the date too when it is a week or more away, in the guest's zone and language. */
function openingTime(t: Strings, at: string): string {
  const ms = Date.parse(at);
  // The browser's own variant (en-US vs en-GB clocks) when it speaks the page's language.
  const lang = navigator.language?.toLowerCase().startsWith(t.hoursLocale) ? navigator.language : t.hoursLocale;
  const far = ms - Date.now() > 6 * 86_400_000;
  return new Intl.DateTimeFormat(lang, { weekday: 'long', ...(far ? { day: 'numeric', month: 'long' } : {}), hour: 'numeric', minute: '2-digit' }).format(ms);
}

/**
 * The reply line and the hint above the email field, following the card's hours (read again at each opening or
 * closing, not more often) and the client's live `availability`. Without hours fields (an
 * agent's card) it says what it always said: replies soon, or by email.
 */
export function hoursUi(t: Strings, chat: ConversationClient, card: HoursCard, line: HTMLElement, hint?: HTMLElement) {
  let current = card;
  const reach = (): Reach => (current.hoursStatus === 'closed' ? 'closed' : chat.availability === 'online' ? 'open' : 'away');
  const render = () => {
    const availability = chat.availability;
    line.hidden = !availability && !current.hoursStatus;
    const state = reach();
    line.dataset.availability = state === 'closed' ? 'offline' : (availability ?? 'offline');
    line.dataset.hours = state;
    if (!current.hoursStatus) line.textContent = availability === 'online' ? t.repliesSoon : t.repliesByEmail;
    else if (state === 'closed') line.textContent = current.opensAt ? fill(t.hoursClosed, { when: openingTime(t, current.opensAt) }) : t.hoursClosedLong;
    else if (state === 'away') line.textContent = t.hoursAway;
    else if (current.firstResponseSeconds == null) line.textContent = t.repliesSoon;
    else {
      const { key, n } = repliesIn(current.firstResponseSeconds);
      line.textContent = fill(t[key], { n });
    }
    if (!hint) return;
    hint.hidden = state === 'open';
    hint.textContent = t.hoursEmailHint;
  };
  const watch = () => {
    const next = current.hoursStatus === 'closed' ? current.opensAt : current.closesAt;
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(MIN_RECHECK_MS, Date.parse(next) - Date.now() + 1000));
    setTimeout(async () => {
      const fresh = await fetch(`${chat.base}/api/public/services/${encodeURIComponent(chat.target.slug)}`).then((r) => (r.ok ? (r.json() as Promise<HoursCard>) : null), () => null);
      if (fresh) current = fresh;
      render();
      watch();
    }, wait);
  };
  chat.on((what) => what === 'availability' && render());
  render();
  watch();
}
