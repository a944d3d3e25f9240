// Availability settings (M1, M3, M5) and the calendar feed URL (M7). Hours are written as
// people say them, "09:00-12:00, 13:00-17:00"; the server validates everything and its
// message is shown as is. Live updates from another tab do not overwrite unsaved edits.
// The settings type is the server's own: a field added there fails to compile here until the
// form reads it.
import type { BusyFeedView, CalendarSettings } from '../../src/calendar/settings';
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
import { zoneList } from './console-booking';
import { field } from './console-dialog';

export type { BusyFeedView, CalendarSettings };
type Range = { start: string; end: string };
const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']] as const;

const rangesText = (ranges: Range[] = []) => ranges.map((r) => `${r.start}-${r.end}`).join(', ');
const clock = (t: string) => t.padStart(5, '0');

const at = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** How fetching the busy calendar went, in a sentence; empty without one. */
function busyFeedText(feed: BusyFeedView): string {
  if (!feed) return '';
  const next = feed.nextAttemptAt ? ` Next attempt ${at(feed.nextAttemptAt)}.` : '';
  const copy = feed.lastSuccessAt ? ` Slots use the copy fetched ${at(feed.lastSuccessAt)} (${feed.events} busy).` : ' No copy yet: it blocks nothing.';
  if (feed.lastError) return `Last fetch failed ${feed.lastErrorAt ? at(feed.lastErrorAt) : ''}: ${feed.lastError}${copy}${next}`;
  if (feed.lastSuccessAt) return `Fetched ${at(feed.lastSuccessAt)}: ${feed.events} busy ${feed.events === 1 ? 'time' : 'times'}.${next}`;
  return `Not fetched yet.${next}`;
}

/** "09:00-12:00, 13:00-17:00" → ranges; empty → none (a day off). */
function parseRanges(text: string, what: string): Range[] {
  if (!text.trim() || /^off$/i.test(text.trim())) return [];
  return text.split(/[,;]/).map((part) => {
    const m = /^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$/.exec(part);
    if (!m) throw new Error(`${what}: write hours like 09:00-12:00, 13:00-17:00 (or leave it empty for a day off).`);
    return { start: clock(m[1]!), end: clock(m[2]!) };
  });
}
const numbers = (text: string, what: string) => {
  const list = text.split(/[,\s]+/).filter(Boolean).map(Number);
  if (list.some((n) => !Number.isInteger(n))) throw new Error(`${what}: write whole numbers of minutes separated by commas.`);
  return list;
};

export class SettingsForm {
  readonly element: HTMLElement;
  private dirty = false;
  private inputs: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement> = {};
  private feedUrl = h('input', { id: 'feed-url', readonly: true, name: 'feedUrl' });
  private busyFeedStatus = h('p', { class: 'busy-feed-status', id: 'busy-feed-status', role: 'status' });

  constructor(private api: AgentApi, private onSaved: (s: CalendarSettings) => void) {
    const input = (name: string, attrs: Record<string, string> = {}) => (this.inputs[name] = h('input', { name, autocomplete: 'off', ...attrs }));
    const number = (name: string, max: number) => input(name, { type: 'number', min: '0', max: String(max), step: '1', required: 'true' });
    const confirmation = h('select', { name: 'confirmation' }, h('option', { value: 'auto' }, 'Hold the slot at once'), h('option', { value: 'invite' }, 'Only once I accept the invite'));
    this.inputs.confirmation = confirmation;
    const overrides = (this.inputs.overrides = h('textarea', { name: 'overrides', rows: '3', spellcheck: 'false' }));
    const error = h('p', { class: 'error', role: 'alert' });
    const saved = h('p', { class: 'ok', role: 'status' });
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save settings');

    const form = h(
      'form',
      { class: 'card settings', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Availability'),
      field('Time zone', input('timeZone', { list: 'time-zones', required: 'true' }), 'Working hours are wall-clock times here; meetings are shown in it.'),
      h(
        'fieldset',
        { class: 'week' },
        h('legend', {}, 'Working hours'),
        ...DAYS.map(([day, label]) => field(label, input(day, { placeholder: 'day off' }))),
      ),
      field('Date overrides', overrides, 'One date a line: "2026-12-24 off" or "2026-12-31 09:00-12:00".'),
      field('Durations offered (minutes)', input('durations', { required: 'true' }), 'Separated by commas, e.g. 15, 30, 60.'),
      h(
        'div',
        { class: 'row' },
        field('Buffer before (min)', number('bufferBeforeMinutes', 240)),
        field('Buffer after (min)', number('bufferAfterMinutes', 240)),
      ),
      h(
        'div',
        { class: 'row' },
        field('Minimum notice (min)', number('minimumNoticeMinutes', 43200)),
        field('Booking horizon (days)', number('horizonDays', 365)),
        field('Slot step (min)', number('slotStepMinutes', 240)),
      ),
      field('Booked meetings', confirmation),
      field('Reminders (minutes before)', input('reminderMinutes'), 'e.g. 1440, 15 for a day and a quarter of an hour before.'),
      field('Hold a chosen time (minutes)', input('holdMinutes', { type: 'number', min: '1', max: '30', step: '1', required: 'true' }), 'While a guest fills in the form, other booking pages see the time as taken.'),
      field('Busy calendar (ICS URL)', input('busyFeedUrl', { type: 'url', placeholder: 'https://…' }), 'Events in this calendar block slots. It is fetched every 15 minutes.'),
      this.busyFeedStatus,
      error,
      saved,
      save,
      zoneList(),
    );
    form.addEventListener('input', () => ((this.dirty = true), (saved.textContent = '')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = saved.textContent = '';
      save.disabled = true;
      try {
        const settings = await this.api.call<CalendarSettings>('PATCH', '/api/calendar/settings', this.read());
        this.dirty = false;
        this.show(settings);
        this.onSaved(settings);
        saved.textContent = 'Settings saved.';
        void this.watchBusyFeed();
      } catch (err) {
        error.textContent = messageOf(err);
      } finally {
        save.disabled = false;
      }
    });

    const feedError = h('p', { class: 'error', role: 'alert' });
    const copy = h('button', { type: 'button', onclick: () => navigator.clipboard.writeText(this.feedUrl.value).catch(() => this.feedUrl.select()) }, 'Copy feed URL');
    const rotate = h('button', {
      type: 'button',
      onclick: async () => {
        if (!confirm('Make a new feed URL? Calendars subscribed to the old one stop updating.')) return;
        feedError.textContent = '';
        try {
          this.setFeedUrl((await this.api.call<{ feedUrl: string }>('POST', '/api/calendar/feed/rotate')).feedUrl);
        } catch (err) {
          feedError.textContent = messageOf(err);
        }
      },
    }, 'New feed URL');
    const feed = h(
      'section',
      { class: 'card feed', 'aria-labelledby': 'feed-title' },
      h('h2', { id: 'feed-title' }, 'Calendar feed'),
      field('Feed URL', this.feedUrl, 'Subscribe to it from any calendar app. Keep it secret: whoever has it sees your meetings.'),
      h('div', { class: 'buttons' }, copy, rotate),
      feedError,
    );
    this.element = h('div', { class: 'settings-col' }, form, feed);
  }

  setFeedUrl(url: string) {
    this.feedUrl.value = url;
  }

  showBusyFeed(feed: BusyFeedView) {
    this.busyFeedStatus.textContent = busyFeedText(feed);
  }

  /** After a save: a new busy calendar is fetched at once, so its first result is shown when it is in. */
  private async watchBusyFeed() {
    for (let i = 0; i < 15; i++) {
      const { busyFeed } = await this.api.call<{ busyFeed: BusyFeedView }>('GET', '/api/calendar').catch(() => ({ busyFeed: null }));
      this.showBusyFeed(busyFeed);
      if (!busyFeed || busyFeed.lastSuccessAt || busyFeed.lastError) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Shows the settings, unless the agent has unsaved edits. */
  show(s: CalendarSettings) {
    if (this.dirty) return;
    const a = s.availability;
    const set = (name: string, value: string | number) => (this.inputs[name]!.value = String(value));
    set('timeZone', a.timeZone);
    for (const [day] of DAYS) set(day, rangesText(a.weeklyHours[day]));
    set('overrides', a.overrides.map((o) => `${o.date} ${o.ranges.length ? rangesText(o.ranges) : 'off'}`).join('\n'));
    set('durations', a.durations.join(', '));
    set('bufferBeforeMinutes', a.bufferBeforeMinutes);
    set('bufferAfterMinutes', a.bufferAfterMinutes);
    set('minimumNoticeMinutes', a.minimumNoticeMinutes);
    set('horizonDays', a.horizonDays);
    set('slotStepMinutes', a.slotStepMinutes);
    set('confirmation', s.confirmation);
    set('reminderMinutes', s.reminderMinutes.join(', '));
    set('busyFeedUrl', s.busyFeedUrl);
    set('holdMinutes', s.holdMinutes);
  }

  private read(): CalendarSettings {
    const v = (name: string) => this.inputs[name]!.value.trim();
    const overrides = v('overrides')
      .split('\n')
      .filter((l) => l.trim())
      .map((line) => {
        const m = /^\s*(\d{4}-\d{2}-\d{2})\s+(.*)$/.exec(line);
        if (!m) throw new Error(`Date overrides: "${line.trim()}" should start with a date like 2026-12-24.`);
        return { date: m[1]!, ranges: parseRanges(m[2]!, m[1]!) };
      });
    return {
      availability: {
        timeZone: v('timeZone'),
        weeklyHours: Object.fromEntries(DAYS.map(([day, label]) => [day, parseRanges(v(day), label)])),
        overrides,
        durations: numbers(v('durations'), 'Durations'),
        bufferBeforeMinutes: Number(v('bufferBeforeMinutes')),
        bufferAfterMinutes: Number(v('bufferAfterMinutes')),
        minimumNoticeMinutes: Number(v('minimumNoticeMinutes')),
        horizonDays: Number(v('horizonDays')),
        slotStepMinutes: Number(v('slotStepMinutes')),
      },
      confirmation: v('confirmation') as 'auto' | 'invite',
      reminderMinutes: numbers(v('reminderMinutes'), 'Reminders'),
      busyFeedUrl: v('busyFeedUrl'),
      holdMinutes: Number(v('holdMinutes')),
    };
  }
}
