// Choosing a time with an agent, in the guest's zone: zone picker, durations, a month of days
// (a WAI-ARIA grid: one tab stop, arrows, Home/End, PageUp/PageDown) with previous/next month
// bounded by today and the booking horizon, then the free times of the chosen day. The server
// labels every slot in the zone asked (GET /api/agents/{slug}/slots), so a zone change asks
// again and the same instants come back labelled in the new zone. Used to book and to
// reschedule. What is drawn is a function of (slots, chosen day, chosen time) alone, so
// `update(slots)` can redraw it from slots learnt some other way.
import { h } from './chat-view';
import { fill } from './i18n';
import { dayOfMonth, firstWeekday, fullDay, monthLabel, timeOf, weekday } from './dates';
import { messageOf, request, t } from './page';
import { addDays, dateIn, offsetName, zonePicker } from './zones';

export type Slot = { start: string; end: string; date: string; time: string; offset: string };
type Answer = { timeZone: string; agentTimeZone: string; durationMinutes: number; durations: number[]; bookableUntil: string; slots: Slot[] };

export interface Choice {
  slot: Slot;
  zone: string;
  duration: number;
  agentTimeZone: string;
}

/** `byGuest` is true when the guest has just chosen this time (not when a reload keeps it). */
type OnPick = (choice: Choice | null, byGuest: boolean) => void;

const monthOf = (date: string) => `${date.slice(0, 8)}01`;
const daysIn = (month: string) => new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7), 0)).getUTCDate();
const isoWeekday = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
/** The same day of another month, or its last day when it has fewer. */
function shiftMonth(date: string, by: number): string {
  const d = new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1 + by, 1));
  const month = d.toISOString().slice(0, 10);
  return `${month.slice(0, 8)}${String(Math.min(+date.slice(8), daysIn(month))).padStart(2, '0')}`;
}

/**
 * `source`: the slots route to ask, by default the agent's public one for `type`; the meeting
 * page asks its own (GET /api/meetings/{token}/slots), which knows the meeting's type and length.
 */
export function slotPicker(slug: string, o: { type?: string; source?: string; zone: string; duration?: number; fixedDuration?: boolean; onPick: OnPick; page?: () => string | null }) {
  let zone = o.zone;
  let duration = o.duration;
  let answer: Answer | null = null;
  let month = monthOf(dateIn(Date.now(), zone));
  let day: string | null = null; // the chosen day
  let cursor = month; // the grid's one tab stop
  let chosen: string | null = null;
  let asked = 0;
  let looking = true; // until the first month with a free time is shown

  const durations = h('fieldset', { class: 'durations', hidden: true }, h('legend', {}, t.duration));
  const title = h('h3', { class: 'range', id: `month-${slug}`, 'aria-live': 'polite' });
  const previous = h('button', { type: 'button', class: 'button secondary small', 'aria-label': t.mvPrevMonth }, '‹');
  const next = h('button', { type: 'button', class: 'button secondary small', 'aria-label': t.mvNextMonth }, '›');
  const grid = h('table', { class: 'days', role: 'grid', 'aria-labelledby': title.id });
  const dayTitle = h('h3', { class: 'day-title' });
  const caption = h('p', { class: 'caption', id: `times-${slug}` });
  const times = h('ul', { class: 'times', 'aria-label': t.times, 'aria-describedby': `times-${slug}` });
  const status = h('p', { class: 'status', role: 'status' });
  const el = h(
    'section',
    { class: 'picker' },
    h('div', { class: 'picker-top' }, zonePicker(t, zone, (z) => ((zone = z), (month = month < monthOf(today()) ? monthOf(today()) : month), load())), durations),
    h('div', { class: 'month' }, previous, title, next),
    grid,
    dayTitle,
    caption,
    times,
    status,
  );

  const today = () => dateIn(Date.now(), zone);
  const lastDay = () => (answer ? dateIn(Date.parse(answer.bookableUntil), zone) : today());
  const free = (date: string) => answer?.slots.filter((s) => s.date === date) ?? [];
  previous.addEventListener('click', () => showMonth(shiftMonth(month, -1)));
  next.addEventListener('click', () => showMonth(shiftMonth(month, 1)));

  function choose(slot: Slot | null, byGuest = false) {
    chosen = slot?.start ?? null;
    renderTimes();
    o.onPick(slot && answer ? { slot, zone, duration: answer.durationMinutes, agentTimeZone: answer.agentTimeZone } : null, byGuest);
  }

  /** Moves the grid to the month of `date` (within today's month and the horizon's) and asks for its slots. */
  function showMonth(date: string, focus = false) {
    const bounded = date < today() ? today() : date > lastDay() ? lastDay() : date;
    cursor = bounded;
    if (monthOf(bounded) === month) return renderDays(focus);
    month = monthOf(bounded);
    renderDays(focus);
    void load();
  }

  function renderDurations() {
    if (!answer || o.fixedDuration || answer.durations.length < 2) return void (durations.hidden = true);
    durations.hidden = false;
    // Redrawn only when the offer changes, so a radio the guest is on keeps the keyboard focus.
    const radios = [...durations.querySelectorAll('input')];
    if (radios.map((r) => r.value).join() === answer.durations.join()) return radios.forEach((r) => (r.checked = r.value === String(answer!.durationMinutes)));
    durations.replaceChildren(
      durations.firstChild!,
      ...answer.durations.map((n) => {
        const radio = h('input', { type: 'radio', name: `duration-${slug}`, value: String(n), checked: n === answer!.durationMinutes });
        radio.addEventListener('change', () => ((duration = n), choose(null), load()));
        return h('label', { class: 'chip' }, radio, fill(t.minutes, { n }));
      }),
    );
  }

  function renderDays(focus = grid.contains(document.activeElement)) {
    title.textContent = monthLabel(month);
    previous.disabled = month <= monthOf(today());
    next.disabled = month >= monthOf(lastDay());
    const first = firstWeekday();
    const order = Array.from({ length: 7 }, (_, i) => ((first - 1 + i) % 7) + 1);
    const lead = (isoWeekday(month) - first + 7) % 7;
    const dates = Array.from({ length: daysIn(month) }, (_, i) => addDays(month, i));
    const cells: (string | null)[] = [...Array<null>(lead).fill(null), ...dates];
    while (cells.length % 7) cells.push(null);
    const rows = Array.from({ length: cells.length / 7 }, (_, r) =>
      h('tr', {}, ...cells.slice(r * 7, r * 7 + 7).map((date) => (date ? dayCell(date) : h('td', { role: 'gridcell' })))),
    );
    grid.replaceChildren(
      h('thead', {}, h('tr', {}, ...order.map((d) => h('th', { scope: 'col', abbr: weekday(d).long }, weekday(d).short)))),
      h('tbody', {}, ...rows),
    );
    if (focus) grid.querySelector<HTMLElement>(`[data-date="${cursor}"]`)?.focus();
  }

  function dayCell(date: string) {
    const open = free(date).length > 0;
    const button = h('button', {
      type: 'button',
      class: 'day',
      tabindex: date === cursor ? '0' : '-1',
      'data-date': date,
      'aria-label': open ? fullDay(date) : fill(t.mvNoTimes, { day: fullDay(date) }),
      ...(open ? {} : { 'aria-disabled': 'true' }),
      ...(date === today() ? { 'aria-current': 'date' } : {}),
    }, dayOfMonth(date));
    button.addEventListener('click', () => {
      cursor = date;
      if (!open) return renderDays(true);
      day = date;
      renderDays(false);
      renderTimes();
      times.querySelector('button')?.focus();
    });
    return h('td', { role: 'gridcell', 'aria-selected': String(date === day) }, button);
  }

  const KEYS: Record<string, (date: string) => string> = {
    ArrowLeft: (d) => addDays(d, -1),
    ArrowRight: (d) => addDays(d, 1),
    ArrowUp: (d) => addDays(d, -7),
    ArrowDown: (d) => addDays(d, 7),
    Home: (d) => addDays(d, -((isoWeekday(d) - firstWeekday() + 7) % 7)),
    End: (d) => addDays(d, 6 - ((isoWeekday(d) - firstWeekday() + 7) % 7)),
    PageUp: (d) => shiftMonth(d, -1),
    PageDown: (d) => shiftMonth(d, 1),
  };
  grid.addEventListener('keydown', (e) => {
    const move = KEYS[e.key];
    if (!move || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    showMonth(move(cursor), true);
  });

  function renderTimes() {
    const list = day ? free(day) : [];
    const focused = times.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.start : undefined;
    dayTitle.textContent = day ? fullDay(day) : '';
    dayTitle.hidden = !day;
    caption.textContent = fill(t.timesIn, { zone, offset: offsetName(list[0] ? Date.parse(list[0].start) : Date.now(), zone) });
    times.replaceChildren(
      ...list.map((slot) => {
        const button = h('button', { type: 'button', class: 'time', 'aria-pressed': String(slot.start === chosen), 'data-start': slot.start }, timeOf(Date.parse(slot.start), zone));
        button.addEventListener('click', () => choose(slot, true));
        return h('li', {}, button);
      }),
    );
    if (focused) times.querySelector<HTMLElement>(`[data-start="${focused}"]`)?.focus();
    if (!answer) return;
    status.textContent = !answer.slots.length ? t.mvNoTimesMonth : !list.length ? t.noTimesDay : '';
  }

  /**
   * Draws `slots` (those of the month shown, e.g. after a live change): a chosen time that is
   * gone is unchosen, the chosen day stays chosen when it still has a time.
   */
  function update(slots: Slot[]) {
    if (!answer) return;
    answer = { ...answer, slots };
    const kept = slots.find((s) => s.start === chosen);
    if (!kept && chosen) choose(null);
    if (!day || !free(day).length) day = kept?.date ?? slots[0]?.date ?? null;
    // The grid's tab stop is the chosen day, unless the guest is moving through the grid.
    if (day && !grid.contains(document.activeElement)) cursor = day;
    renderDurations();
    renderDays();
    renderTimes();
  }

  /** Asks the server for the month shown (after a zone, duration or month change, or a slot taken meanwhile). */
  async function load() {
    const mine = ++asked;
    el.setAttribute('aria-busy', 'true');
    status.textContent = t.loading;
    // A booking page's own hold (live-slots.ts) is its chosen time, still shown to it.
    const page = o.page?.();
    // The month's days from today on: at most 31, within the API's 62.
    const from = month < today() ? today() : month;
    const days = daysIn(month) - (+from.slice(8) - 1);
    const query = new URLSearchParams({ ...(o.type ? { type: o.type } : {}), timeZone: zone, from, days: String(days), ...(duration ? { duration: String(duration) } : {}), ...(page ? { page } : {}) });
    try {
      const got = await request<Answer>('GET', `${o.source ?? `/api/agents/${encodeURIComponent(slug)}/slots`}?${query}`);
      if (mine !== asked) return; // a newer question was asked meanwhile
      answer = got;
      duration = got.durationMinutes;
      status.textContent = '';
      // A first visit late in a month with nothing left opens on the next month with a free time.
      if (looking && !got.slots.length && month < monthOf(lastDay())) return showMonth(shiftMonth(month, 1));
      looking = false;
      // The same instant stays chosen across a zone change, now labelled in the new zone.
      const kept = got.slots.find((s) => s.start === chosen);
      if (kept) day = kept.date;
      if (!cursor.startsWith(month.slice(0, 8))) cursor = got.slots[0]?.date ?? from;
      update(got.slots);
      if (kept) choose(kept);
    } catch (e) {
      if (mine === asked) status.textContent = messageOf(e);
    } finally {
      if (mine === asked) el.removeAttribute('aria-busy');
    }
  }

  /** Puts the keyboard back on the chosen time (or the day's first), e.g. when the guest leaves the form. */
  function focusTime() {
    const target = times.querySelector<HTMLElement>(`[data-start="${chosen}"]`) ?? times.querySelector('button');
    target?.scrollIntoView({ block: 'center' });
    target?.focus();
  }

  return { el, load, update, focusTime };
}
