// Choosing a time with an agent, in the guest's zone: zone picker, durations, a week of days
// with previous/next, and the free times of the chosen day. The server labels every slot in
// the zone asked (GET /api/agents/{slug}/slots), so a zone change asks again and the same
// instants come back labelled in the new zone. Used to book and to reschedule.
import { h } from './chat-view';
import { fill } from './i18n';
import { dayLabel, timeOf } from './dates';
import { messageOf, request, t } from './page';
import { addDays, dateIn, offsetName, zonePicker } from './zones';

export type Slot = { start: string; end: string; date: string; time: string; offset: string };
type Answer = { timeZone: string; agentTimeZone: string; durationMinutes: number; durations: number[]; slots: Slot[] };

export interface Choice {
  slot: Slot;
  zone: string;
  duration: number;
  agentTimeZone: string;
}

const WEEK = 7;

export function slotPicker(slug: string, o: { type: string; zone: string; duration?: number; fixedDuration?: boolean; onPick: (choice: Choice | null) => void; page?: () => string | null }) {
  let zone = o.zone;
  let duration = o.duration;
  let from = dateIn(Date.now(), zone);
  let answer: Answer | null = null;
  let day: string | null = null;
  let chosen: string | null = null;
  let asked = 0;

  const durations = h('fieldset', { class: 'durations', hidden: true }, h('legend', {}, t.duration));
  const earlier = h('button', { type: 'button', class: 'button secondary small' }, t.earlier);
  const later = h('button', { type: 'button', class: 'button secondary small' }, t.later);
  const range = h('h3', { class: 'range', 'aria-live': 'polite' });
  const days = h('div', { class: 'days', role: 'group', 'aria-label': t.days });
  const caption = h('p', { class: 'caption', id: `times-${slug}` });
  const times = h('ul', { class: 'times', 'aria-label': t.times, 'aria-describedby': `times-${slug}` });
  const status = h('p', { class: 'status', role: 'status' });
  const el = h(
    'section',
    { class: 'picker' },
    h('div', { class: 'picker-top' }, zonePicker(t, zone, (z) => ((zone = z), (from = clampFrom(from)), load())), durations),
    h('div', { class: 'week' }, earlier, range, later),
    days,
    caption,
    times,
    status,
  );

  const today = () => dateIn(Date.now(), zone);
  const clampFrom = (date: string) => (date < today() ? today() : date);
  earlier.addEventListener('click', () => ((from = clampFrom(addDays(from, -WEEK))), load()));
  later.addEventListener('click', () => ((from = addDays(from, WEEK)), load()));

  const choose = (slot: Slot | null) => {
    chosen = slot?.start ?? null;
    renderTimes();
    o.onPick(slot && answer ? { slot, zone, duration: answer.durationMinutes, agentTimeZone: answer.agentTimeZone } : null);
  };

  function renderDurations() {
    if (!answer || o.fixedDuration || answer.durations.length < 2) return void (durations.hidden = true);
    durations.hidden = false;
    durations.replaceChildren(
      durations.firstChild!,
      ...answer.durations.map((n) => {
        const radio = h('input', { type: 'radio', name: `duration-${slug}`, value: String(n), checked: n === answer!.durationMinutes });
        radio.addEventListener('change', () => ((duration = n), choose(null), load()));
        return h('label', { class: 'chip' }, radio, fill(t.minutes, { n }));
      }),
    );
  }

  function renderDays() {
    const dates = Array.from({ length: WEEK }, (_, i) => addDays(from, i));
    range.textContent = `${dayLabel(dates[0]!)} – ${dayLabel(dates[WEEK - 1]!)}`;
    earlier.disabled = from <= today();
    days.replaceChildren(
      ...dates.map((date) => {
        const count = answer?.slots.filter((s) => s.date === date).length ?? 0;
        const button = h('button', { type: 'button', class: 'day', 'aria-pressed': String(date === day), disabled: count === 0, 'data-date': date }, dayLabel(date));
        button.addEventListener('click', () => ((day = date), renderDays(), renderTimes(), times.querySelector('button')?.focus()));
        return button;
      }),
    );
  }

  function renderTimes() {
    const list = answer?.slots.filter((s) => s.date === day) ?? [];
    caption.textContent = fill(t.timesIn, { zone, offset: offsetName(list[0] ? Date.parse(list[0].start) : Date.now(), zone) });
    times.replaceChildren(
      ...list.map((slot) => {
        const button = h('button', { type: 'button', class: 'time', 'aria-pressed': String(slot.start === chosen), 'data-start': slot.start }, timeOf(Date.parse(slot.start), zone));
        button.addEventListener('click', () => choose(slot));
        return h('li', {}, button);
      }),
    );
    if (!answer) return;
    status.textContent = !answer.slots.length ? t.noTimesWeek : !list.length ? t.noTimesDay : '';
  }

  /** Asks the server again (after a zone, duration or week change, or a slot taken meanwhile). */
  async function load() {
    const mine = ++asked;
    el.setAttribute('aria-busy', 'true');
    status.textContent = t.loading;
    // A booking page's own hold (live-slots.ts) is its chosen time, still shown to it.
    const page = o.page?.();
    const query = new URLSearchParams({ type: o.type, timeZone: zone, from, days: String(WEEK), ...(duration ? { duration: String(duration) } : {}), ...(page ? { page } : {}) });
    try {
      const next = await request<Answer>('GET', `/api/agents/${encodeURIComponent(slug)}/slots?${query}`);
      if (mine !== asked) return; // a newer question was asked meanwhile
      answer = next;
      duration = next.durationMinutes;
      status.textContent = '';
      // The same instant stays chosen across a zone change, now labelled in the new zone.
      choose(next.slots.find((s) => s.start === chosen) ?? null);
      if (!day || !next.slots.some((s) => s.date === day)) day = next.slots[0]?.date ?? from;
      renderDurations();
      renderDays();
      renderTimes();
    } catch (e) {
      if (mine === asked) status.textContent = messageOf(e);
    } finally {
      if (mine === asked) el.removeAttribute('aria-busy');
    }
  }

  return { el, load };
}
