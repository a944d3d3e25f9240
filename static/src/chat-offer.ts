// A meeting offered in the chat (docs/meetings.md "Booking from the chat"), as a card in the
// timeline: the agent's picked times still free (or the next free ones), "More times" for any
// day, the type's questions, and Book; once a `meeting` entry names the offer, the meeting it
// became. The guest books from it; agents see the same card without the booking controls. Works
// in the widget's shadow root: classes only, no inline styles (docs/widget.md CSP).
import { joinUrl } from '../../src/calendar/add-to-calendar';
import type { OfferEvent, TimelineEvent } from '../../src/conversation/protocol';
import { ApiError, type ConversationClient, type Entry } from './chat-client';
import { fillNamed, h } from './chat-view';
import { span, timeOf, dayLabel } from './dates';
import { fill, type ChatStrings } from './i18n';
import { questionFields, type Question } from './questions';

type Slot = { start: string; end: string; date: string };
type MeetingEvent = Extract<TimelineEvent, { type: 'meeting' }>;
type Booked = { guestLink: string; location: { kind: string; text: string; url?: string } | null };
type PublicType = { slug: string; questions: Question[] };

/** How many free times the card shows before "More times". */
const SHOWN = 5;
/** How far ahead the card looks for the next free times, in days. */
const AHEAD = 14;

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
/** Today on the guest's calendar, as YYYY-MM-DD. */
const today = () => new Date().toLocaleDateString('en-CA');

/** What the guest's browser remembers of a booking it made: the meeting page link is the guest's alone, never in the timeline. */
const remembered = (offerId: string): Booked | null => {
  try {
    return JSON.parse(localStorage.getItem(`doorbell:offer:${offerId}`) ?? 'null') as Booked | null;
  } catch {
    return null;
  }
};
const remember = (offerId: string, booked: Booked) => {
  try {
    localStorage.setItem(`doorbell:offer:${offerId}`, JSON.stringify(booked));
  } catch {
    // Storage refused (private mode): the card still shows the time from the timeline.
  }
};

/** The renderer chat-view.ts calls for each `offer` entry; cards are kept so a re-render keeps what the guest chose. */
export function offerCards(chat: ConversationClient, t: ChatStrings): (entry: Entry) => HTMLElement {
  const cards = new Map<string, { el: HTMLElement; update: () => void }>();
  return (entry) => {
    const offer = entry.event as OfferEvent;
    let card = cards.get(offer.offerId);
    if (!card) {
      card = offerCard(chat, t, offer);
      cards.set(offer.offerId, card);
    }
    card.el.dataset.seq = String(entry.seq);
    card.update();
    return card.el;
  };
}

function offerCard(chat: ConversationClient, t: ChatStrings, offer: OfferEvent) {
  const guest = () => chat.view?.you.kind === 'guest';
  // The latest note of the meeting this offer became (booked, moved, cancelled).
  const meeting = (): MeetingEvent | null => {
    const notes = chat.entries.filter((e) => e.event?.type === 'meeting' && e.event.offerId === offer.offerId);
    return (notes.at(-1)?.event as MeetingEvent | undefined) ?? null;
  };
  let chosen: string | null = null;
  let loaded = false;

  const times = h('ul', { class: 'db-offer-times', 'aria-label': t.offerChoose });
  const day = h('input', { type: 'date', class: 'db-offer-day', 'aria-label': t.offerDay, min: today(), hidden: true });
  const more = h('button', { type: 'button', class: 'db-offer-more' }, t.offerMore);
  const email = h('input', { type: 'email', class: 'db-offer-email', autocomplete: 'email', placeholder: t.offerEmail, 'aria-label': t.offerEmail, hidden: true });
  const book = h('button', { type: 'button', class: 'db-offer-book', disabled: true }, t.offerBook);
  const alert = h('p', { class: 'db-offer-alert', role: 'alert' });
  // The type's questions, as the booking page asks them; filled in once the type is read.
  const asked = h('div', { class: 'db-offer-questions' });
  let questions = questionFields([], t, 'db-offer-field');
  const controls = h('div', { class: 'db-offer-controls' }, h('p', { class: 'db-offer-choose' }, t.offerChoose), times, h('div', { class: 'db-offer-row' }, more, day), asked, email, book, alert);
  const result = h('div', { class: 'db-offer-result', 'aria-live': 'polite' });
  const el = h(
    'li',
    { class: 'db-offer', 'data-offer': offer.offerId },
    h('p', { class: 'db-offer-title' }, ...fillNamed(t.offerTitle, { agent: offer.agent.name })),
    h('p', { class: 'db-offer-meta' }, fill(t.offerMeta, { type: offer.meetingType.title, minutes: offer.durationMinutes })),
    controls,
    result,
  );

  const slots = async (from: string, days: number): Promise<Slot[]> => {
    const query = new URLSearchParams({ timeZone: zone(), from, days: String(days), duration: String(offer.durationMinutes), type: offer.meetingType.slug });
    return (await chat.api<{ slots: Slot[] }>('GET', `/api/agents/${offer.agent.slug}/slots?${query}`)).slots;
  };
  const show = (list: Slot[]) => {
    chosen = null;
    book.disabled = true;
    times.replaceChildren(
      ...(list.length
        ? list.map((s) =>
            h('li', {}, h('button', { type: 'button', class: 'db-offer-time', 'aria-pressed': 'false', 'data-start': s.start, onclick: (e: Event) => pick(s.start, e.currentTarget as HTMLButtonElement) }, `${dayLabel(s.date)} ${timeOf(Date.parse(s.start), zone())}`)),
          )
        : [h('li', { class: 'db-offer-none' }, t.offerNone)]),
    );
  };
  const pick = (start: string, button: HTMLButtonElement) => {
    chosen = start;
    for (const b of times.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
    book.disabled = false;
  };
  const load = async () => {
    loaded = true;
    try {
      // The agent's picks that are still free, else the next free times.
      const [free, types] = await Promise.all([slots(today(), AHEAD), chat.api<{ types: PublicType[] }>('GET', `/api/agents/${offer.agent.slug}/meeting-types`)]);
      const picked = free.filter((s) => offer.times.includes(s.start));
      show((picked.length ? picked : free).slice(0, SHOWN));
      questions = questionFields(types.types.find((type) => type.slug === offer.meetingType.slug)?.questions ?? [], t, 'db-offer-field');
      asked.replaceChildren(...questions.wraps);
    } catch (e) {
      alert.textContent = e instanceof Error ? e.message : String(e);
    }
  };
  more.addEventListener('click', () => {
    day.hidden = false;
    day.focus();
  });
  day.addEventListener('change', () => {
    if (day.value) slots(day.value, 1).then(show, (e: unknown) => (alert.textContent = e instanceof Error ? e.message : String(e)));
  });
  book.addEventListener('click', async () => {
    if (!chosen) return;
    alert.textContent = '';
    if (!questions.check()) return;
    book.disabled = true;
    book.textContent = t.offerBooking;
    try {
      const answer = await chat.api<{ meeting: { location: Booked['location'] }; guestLink: string }>('POST', `/api/conversations/${chat.conversationId}/offers/${offer.offerId}/booking`, {
        start: chosen,
        timeZone: zone(),
        answers: questions.answers(),
        ...(email.value.trim() ? { email: email.value.trim() } : {}),
      });
      remember(offer.offerId, { guestLink: answer.guestLink, location: answer.meeting.location });
      update();
    } catch (e) {
      // A guest with no email yet is asked for one here, then books again.
      if (e instanceof ApiError && e.problems.some((p) => p.path === 'email')) {
        email.hidden = false;
        email.required = true;
        email.focus();
      }
      alert.textContent = e instanceof ApiError && e.code === 'offer_booked' ? t.offerTaken : e instanceof Error ? e.message : String(e);
      book.disabled = false;
    } finally {
      book.textContent = t.offerBook;
    }
  });

  const update = () => {
    const m = meeting();
    el.classList.toggle('db-offer-done', !!m);
    controls.hidden = !!m || !guest();
    if (!m) {
      result.replaceChildren();
      if (guest() && !loaded) void load();
      return;
    }
    const when = span(m.start, m.end, zone());
    const cancelled = m.action === 'cancelled' || m.action === 'declined';
    const booked = guest() ? remembered(offer.offerId) : null;
    const room = cancelled ? undefined : joinUrl(booked?.location ?? null);
    const join = room ? [h('a', { class: 'db-offer-join', href: room, target: '_blank', rel: 'noopener' }, t.mtJoin)] : [];
    const where = booked?.location && !cancelled ? [h('p', { class: 'db-offer-where' }, `${t.mtWhere}: `, booked.location.text)] : [];
    const page = booked ? [h('a', { class: 'db-offer-page', href: booked.guestLink, target: '_blank', rel: 'noopener' }, t.offerMeetingPage)] : [];
    result.replaceChildren(h('p', { class: 'db-offer-when' }, fill(cancelled ? t.offerCancelled : t.offerBooked, { when })), ...where, ...join, ...page);
  };
  return { el, update };
}

