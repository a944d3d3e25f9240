// What a guest reads under a service's name (docs/widget.md "Business hours and away"): closed by
// its business hours (and when it opens again), nobody here, or how soon it usually replies;
// while closed or away the intro asks for the email (its field stays optional) the answer will go to.
import { repliesIn } from '../../src/directory/replies-in';
import type { Card, ConversationClient } from './chat-client';
import { openingTime } from './dates';
import { fill, type ChatStrings } from './i18n';

/** The public card's hours fields (a service's; an agent's card has none). */
type HoursCard = Pick<Card, 'hoursStatus' | 'opensAt' | 'closesAt' | 'firstResponseSeconds'>;

type Reach = 'open' | 'away' | 'closed';

// The longest a browser timer waits; a boundary further off is looked at again then.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Never read the card again sooner than this after a boundary (a client clock ahead of the server's).
const MIN_RECHECK_MS = 30_000;

/**
 * The reply line and the hint above the email field, following the card's hours (read again at each opening or
 * closing, not more often) and the client's live `availability`. Without hours fields (an
 * agent's card) it says what it always said: replies soon, or by email.
 */
export function hoursUi(t: ChatStrings, chat: ConversationClient, line: HTMLElement, hint?: HTMLElement) {
  // The card the client read (the widget reads it after drawing: until then, no hours), or a
  // fresher one read at a boundary.
  let fresh: HoursCard | null = null;
  const card = (): HoursCard => fresh ?? chat.card ?? {};
  const render = () => {
    const c = card();
    const availability = chat.availability;
    const state: Reach = c.hoursStatus === 'closed' ? 'closed' : availability === 'online' ? 'open' : 'away';
    line.hidden = !availability && !c.hoursStatus;
    line.dataset.availability = state === 'closed' ? 'offline' : (availability ?? 'offline');
    line.dataset.hours = state;
    if (!c.hoursStatus) line.textContent = availability === 'online' ? t.repliesSoon : t.repliesByEmail;
    else if (state === 'closed') line.textContent = c.opensAt ? fill(t.hoursClosed, { when: openingTime(Date.parse(c.opensAt)) }) : t.hoursClosedLong;
    else if (state === 'away') line.textContent = t.hoursAway;
    else if (c.firstResponseSeconds == null) line.textContent = t.repliesSoon;
    else {
      const { key, n } = repliesIn(c.firstResponseSeconds);
      line.textContent = fill(t[key], { n });
    }
    if (!hint) return;
    hint.hidden = state === 'open';
    hint.textContent = t.hoursEmailHint;
  };
  const watch = () => {
    const c = card();
    const next = c.hoursStatus === 'closed' ? c.opensAt : c.closesAt;
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(MIN_RECHECK_MS, Date.parse(next) - Date.now() + 1000));
    setTimeout(async () => {
      const got = await fetch(`${chat.base}/api/public/services/${encodeURIComponent(chat.target.slug)}`).then((r) => (r.ok ? (r.json() as Promise<HoursCard>) : null), () => null);
      if (got) fresh = got;
      render();
      watch();
    }, wait);
  };
  let watching = false;
  chat.on((what) => {
    if (what === 'availability' || what === 'card') render();
    if (what === 'card' && !watching) (watching = true), watch();
  });
  render();
  if (chat.card) (watching = true), watch();
}
