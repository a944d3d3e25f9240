// The calendar tab: the agent's meetings, live (the calendar socket sends a snapshot, then
// every change), in the agent's time zone, named on the page; booking for a guest (M6);
// availability settings and the feed URL (M1, M7).
import type { CalendarFrame, Meeting, MeetingView } from '../../src/calendar/meeting';
import { meetingView } from '../../src/calendar/meeting-view';
import { h } from './chat-view';
import { LiveFeed, messageOf, type Agent, type AgentApi } from './console-api';
import { bookingForm } from './console-booking';
import { arrange } from './console-list';
import { MeetingRow } from './console-meeting';
import { meetingTypesSection } from './console-meeting-types';
import { descriptionSection } from './console-description';
import { SettingsForm, type BusyFeedView, type CalendarSettings } from './console-settings';
import { liveStatus } from './console-status';

export class CalendarTab {
  readonly element: HTMLElement;
  private meetings = new Map<string, MeetingView>();
  private rows = new Map<string, MeetingRow>();
  private list = h('ul', { class: 'meetings', 'aria-label': 'Meetings' });
  private empty = h('p', { class: 'empty', hidden: true }, 'No upcoming meetings.');
  private zoneNote = h('p', { class: 'muted zone' });
  private status = liveStatus();
  private feed: LiveFeed<CalendarFrame> | null = null;
  private settings: CalendarSettings | null = null;
  private settingsForm: SettingsForm;
  private book: ReturnType<typeof bookingForm>;
  private types: ReturnType<typeof meetingTypesSection>;

  constructor(private api: AgentApi, private me: Agent) {
    this.settingsForm = new SettingsForm(api, (settings) => this.applySettings(settings));
    this.book = bookingForm(api, () => this.zone, () => this.durations, (m) => this.upsert(m));
    this.types = meetingTypesSection(api, me.slug);
    this.element = h(
      'div',
      { class: 'calendar' },
      h(
        'section',
        { class: 'card meetings-card', 'aria-labelledby': 'meetings-title' },
        h('div', { class: 'inbox-head' }, h('h2', { id: 'meetings-title' }, 'Meetings'), this.status.element),
        this.zoneNote,
        this.list,
        this.empty,
      ),
      h('div', { class: 'calendar-side' }, this.book.element, this.types.element, descriptionSection(api, me), this.settingsForm.element),
    );
  }

  /** The agent's zone: their availability's zone, where the meetings' working hours are. */
  get zone(): string {
    return this.settings?.availability.timeZone ?? this.me.timeZone;
  }
  get durations(): number[] {
    return this.settings?.availability.durations ?? [15, 30, 60];
  }

  async start() {
    if (this.feed) return;
    this.status.set('connecting');
    try {
      const calendar = await this.api.call<{ settings: CalendarSettings; busyFeed: BusyFeedView; feedUrl: string; meetings: MeetingView[] }>('GET', '/api/calendar');
      this.applySettings(calendar.settings);
      this.settingsForm.setFeedUrl(calendar.feedUrl);
      this.settingsForm.showBusyFeed(calendar.busyFeed);
      this.replace(calendar.meetings);
      await this.types.load();
    } catch (err) {
      this.status.error(messageOf(err));
    }
    this.feed = new LiveFeed<CalendarFrame>(
      () => this.api.socketUrl('/api/calendar/socket'),
      (frame) => {
        if (frame.type === 'meetings') this.replace(frame.meetings.map(meetingView));
        else if (frame.type === 'meeting') this.upsert(meetingView(frame.meeting));
        else if (frame.type === 'settings') this.applySettings(frame.settings);
      },
      (state) => this.status.set(state, this.feed?.retryIn),
    );
    this.feed.connect();
  }

  stop() {
    this.feed?.stop();
    this.feed = null;
  }

  private applySettings(settings: CalendarSettings) {
    const zoneChanged = settings.availability.timeZone !== this.settings?.availability.timeZone;
    this.settings = settings;
    this.settingsForm.show(settings);
    this.book.refresh();
    this.zoneNote.textContent = `Times are shown in your time zone, ${this.zone}.`;
    if (zoneChanged) for (const row of this.rows.values()) row.update(row.meeting);
  }

  private replace(meetings: MeetingView[]) {
    this.meetings = new Map(meetings.map((m) => [m.id, m]));
    this.render();
  }

  private upsert(meeting: MeetingView) {
    this.meetings.set(meeting.id, meeting);
    this.render();
  }

  /** Upcoming and current meetings that still stand, soonest first; rows are kept and updated in place. */
  private render() {
    const now = Date.now();
    const shown = [...this.meetings.values()].filter((m) => m.status !== 'cancelled' && Date.parse(m.end) > now).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    const keep = new Set(shown.map((m) => m.id));
    for (const id of this.rows.keys()) if (!keep.has(id)) this.rows.delete(id);
    const rows = shown.map((m) => {
      let row = this.rows.get(m.id);
      if (!row) this.rows.set(m.id, (row = new MeetingRow(this.api, m, () => this.zone, () => this.durations, (saved) => this.upsert(saved))));
      else if (JSON.stringify(row.meeting) !== JSON.stringify(m)) row.update(m);
      return row.element;
    });
    arrange(this.list, rows);
    this.empty.hidden = shown.length > 0;
  }
}
