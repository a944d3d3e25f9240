// The live inbox (C10): the agent's conversations, most recent first, with title, avatar,
// last message and unread count. Loaded over HTTP, then kept live by the inbox socket, whose
// snapshot on every (re)connect replaces the whole list (docs/protocol.md, "Inbox socket").
import type { ErrorFrame } from '../../src/errors';
// Views (console-views.ts): Mine and Mentions from that socket; Unassigned, All open and
// Resolved read over HTTP, again whenever a frame says something changed.
import type { InboxFrame, InboxItem } from '../../src/inbox/item';
import type { InboxSettings } from '../../src/inbox/settings';
import type { PresenceView } from '../../src/inbox/presence';
import { h, named } from './chat-view';
import { avatarFor } from './console-avatar';
import { LiveFeed, messageOf, type AgentApi, type LiveState } from './console-api';
import { arrange } from './console-list';
import { statusBadge, type Status } from './console-conversation-status';
import { labelChips, type Label } from './console-labels';
import type { SearchBox } from './console-search';
import { liveStatus } from './console-status';
import { formatWhen } from './console-time';
import { FilterSelect, filterQuery, isOwnView, passes, serviceChoices, statusFits, VIEWS, type Filters, type View } from './console-views';

type Frame = InboxFrame | ErrorFrame;

const CONVERSATION_LINK = /(cv_[a-f0-9]{32})/;

export interface InboxEvents {
  unread(total: number): void;
  /** A conversation's last message is newer than the one this list showed (not on the first load). */
  arrived(item: InboxItem): void;
  /** Each (re)connect's snapshot: a `settings` frame sent while disconnected is not replayed. */
  connected(): void;
  settings(settings: InboxSettings): void;
  /** The agent's chosen availability: in each snapshot, and when another tab changes it. */
  presence(view: PresenceView): void;
}
const NOTHING_AT_ALL = 'No conversations yet. Guests’ messages appear here as they arrive.';
/** Changes gathered this long before the views are read again. */
const REFRESH_MS = 150;

const FILTERS: Array<{ value: Status | 'all'; label: string; none: string }> = [
  { value: 'all', label: 'All', none: '' },
  { value: 'open', label: 'Open', none: 'No open conversations.' },
  { value: 'snoozed', label: 'Snoozed', none: 'No snoozed conversations.' },
  { value: 'resolved', label: 'Resolved', none: 'No resolved conversations.' },
];

export class InboxList {
  readonly element: HTMLElement;
  private items = new Map<string, InboxItem>();
  private rows = new Map<string, HTMLLIElement>();
  private list = h('ul', { class: 'inbox-list', 'aria-label': 'Conversations' });
  private empty = h('p', { class: 'empty', hidden: true });
  private status = liveStatus();
  private feed: LiveFeed<Frame> | null = null;
  private active: string | null = null;
  private loaded = false;
  /** '' in a select: any. */
  readonly filters: Filters = { status: 'all', service: '', label: '', assignee: '' };
  private labelSelect = new FilterSelect('inbox-label', 'Label', 'Any label', (v) => this.setFilter('label', v), () => void this.loadLabels());
  private serviceSelect = new FilterSelect('inbox-service', 'Service', 'Any service', (v) => this.setFilter('service', v), () => void this.loadServices());
  private assigneeSelect = new FilterSelect('inbox-assignee', 'Assignee', 'Anyone', (v) => this.setFilter('assignee', v), () => void this.loadServices());
  private view: View = 'mine';
  private viewButtons = new Map(
    VIEWS.map(({ view, label }) => [
      view,
      h('button', { type: 'button', 'aria-pressed': String(view === this.view), id: `inbox-${view}`, onclick: () => this.show(view) }, label),
    ]),
  );
  private viewCounts = new Map(VIEWS.map(({ view }) => [view, h('span', { class: 'view-count' })]));
  private mentionBadge = h('span', { class: 'badge mention', hidden: true });
  /** The shown summary view's rows, as last read. */
  private remote: InboxItem[] = [];
  /** Whether the agent may see any conversation at all (GET /api/inbox/views); until read, assumed. */
  private anything = true;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // Answers can come back out of order: only the latest read is shown.
  private reads = 0;
  /** Told when a filter changes (the search takes the same filters). */
  private onFilters: () => void;

  constructor(private api: AgentApi, private events: InboxEvents, search: SearchBox) {
    search.useFilters(() => filterQuery(this.filters));
    this.onFilters = () => search.refilter();
    const open = h('input', { id: 'open-link', name: 'link', placeholder: 'cv_… or a console link', autocomplete: 'off' });
    const openError = h('p', { class: 'error', role: 'alert' });
    const openForm = h(
      'form',
      { class: 'open-link', 'aria-label': 'Open a conversation by link' },
      h('label', { for: 'open-link', class: 'sr' }, 'Conversation link or id'),
      open,
      h('button', { type: 'submit' }, 'Open'),
      openError,
    );
    openForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = CONVERSATION_LINK.exec(open.value)?.[1];
      openError.textContent = id ? '' : 'Paste a conversation link or an id starting with cv_.';
      if (!id) return;
      open.value = '';
      // Asked again for the conversation already shown (e.g. after losing access): open it afresh.
      if (location.hash === `#/c/${id}`) dispatchEvent(new HashChangeEvent('hashchange'));
      else location.hash = `#/c/${id}`;
    });
    // Radio buttons: one tab stop, arrow keys choose, and the choice is announced.
    const filters = h(
      'fieldset',
      { class: 'inbox-filter' },
      h('legend', { class: 'sr' }, 'Show conversations'),
      ...FILTERS.map(({ value, label }) => {
        const input = h('input', { type: 'radio', name: 'inbox-filter', value, checked: value === this.filters.status });
        input.addEventListener('change', () => this.setFilter('status', value));
        return h('label', {}, input, label);
      }),
    );
    for (const [view, button] of this.viewButtons) button.append(this.viewCounts.get(view)!);
    this.viewButtons.get('mentions')!.append(this.mentionBadge);
    const views = h('div', { class: 'inbox-views', role: 'group', 'aria-label': 'Views' }, ...this.viewButtons.values());
    const selects = h('div', { class: 'inbox-selects' }, this.labelSelect.element, this.serviceSelect.element, this.assigneeSelect.element);
    this.element = h('aside', { class: 'inbox', 'aria-labelledby': 'inbox-title' }, h('div', { class: 'inbox-head' }, h('h2', { id: 'inbox-title' }, 'Inbox'), this.status.element), views, filters, selects, search.form, search.results, this.list, this.empty, openForm);
  }

  private setFilter<K extends keyof Filters>(key: K, value: Filters[K]) {
    this.filters[key] = value;
    this.onFilters();
    this.render();
    this.refresh(0);
  }

  private async loadServices() {
    let choices: Awaited<ReturnType<typeof serviceChoices>>;
    try {
      choices = await serviceChoices(this.api);
    } catch {
      return;
    }
    this.filters.service = this.serviceSelect.set(choices.services, this.filters.service);
    this.filters.assignee = this.assigneeSelect.set(choices.assignees, this.filters.assignee);
  }

  /** Reads the counts, and the shown view if it is a summary view, after `delay` ms (a burst of frames is one read). */
  private refresh(delay = REFRESH_MS) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.read(), delay);
  }

  private async read() {
    const read = ++this.reads;
    const query = new URLSearchParams(filterQuery(this.filters));
    const view = this.view;
    try {
      const [counted, listed] = await Promise.all([
        this.api.call<{ counts: Record<View, number>; anything: boolean }>('GET', `/api/inbox/views?${query}`),
        isOwnView(view) ? null : this.api.call<{ items: InboxItem[] }>('GET', `/api/inbox?${new URLSearchParams({ view, ...filterQuery(this.filters) })}`),
      ]);
      if (read !== this.reads) return;
      this.anything = counted.anything;
      for (const [v, badge] of this.viewCounts) badge.textContent = String(counted.counts[v]);
      if (listed) this.remote = listed.items;
      this.render();
    } catch (err) {
      if (read === this.reads) this.status.error(messageOf(err));
    }
  }

  private async loadLabels() {
    let labels: Label[];
    try {
      labels = (await this.api.call<{ labels: Label[] }>('GET', '/api/labels')).labels;
    } catch {
      return;
    }
    // A label deleted meanwhile no longer filters anything.
    this.filters.label = this.labelSelect.set(labels.map((l) => [l.id, l.name]), this.filters.label);
    this.render();
  }

  async start() {
    void this.loadLabels();
    void this.loadServices();
    this.refresh(0);
    this.status.set('connecting');
    try {
      this.replace((await this.api.call<{ items: InboxItem[] }>('GET', '/api/inbox')).items);
    } catch (err) {
      this.status.error(messageOf(err));
    }
    this.feed = new LiveFeed<Frame>(
      () => this.api.socketUrl('/api/inbox/socket'),
      (frame) => this.onFrame(frame),
      (state: LiveState) => this.status.set(state, this.feed?.retryIn),
    );
    this.feed.connect();
  }

  stop() {
    clearTimeout(this.refreshTimer);
    this.feed?.stop();
    this.feed = null;
  }

  private show(view: View) {
    this.view = view;
    for (const [name, button] of this.viewButtons) button.setAttribute('aria-pressed', String(name === view));
    this.list.setAttribute('aria-label', VIEWS.find((v) => v.view === view)!.label);
    // The last view's rows are not this one's: nothing until it is read.
    this.remote = [];
    this.render();
    if (!isOwnView(view)) this.refresh(0);
  }

  setActive(id: string | null) {
    this.active = id;
    for (const [cid, row] of this.rows) {
      const link = row.querySelector('a')!;
      if (cid === id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  private onFrame(frame: Frame) {
    // Whatever changed may change the counts, and the summary views' rows.
    if (frame.type === 'inbox' || frame.type === 'item' || frame.type === 'removed' || frame.type === 'views') this.refresh();
    if (frame.type === 'inbox') this.replace(frame.items), this.events.presence(frame.presence), this.events.connected();
    else if (frame.type === 'presence') this.events.presence(frame);
    else if (frame.type === 'item') this.notice(frame.item), this.items.set(frame.item.conversationId, frame.item), this.render();
    else if (frame.type === 'settings') this.events.settings(frame.settings);
    else if (frame.type === 'removed') this.items.delete(frame.conversationId), this.render();
    else if (frame.type === 'error') this.status.error(frame.message);
  }

  private replace(items: InboxItem[]) {
    // A reconnect's snapshot may bring messages written while offline: they are new too.
    for (const item of items) this.notice(item);
    this.items = new Map(items.map((i) => [i.conversationId, i]));
    this.loaded = true;
    this.render();
  }

  private notice(item: InboxItem) {
    const seen = this.items.get(item.conversationId)?.lastMessage?.seq ?? 0;
    if (this.loaded && item.lastMessage && item.lastMessage.seq > seen) this.events.arrived(item);
  }

  /**
   * The shown view's items the filters let through, most recent first; conversations without
   * a message yet go last. A row of the agent's own inbox is fresher than a summary's (unread
   * counts, a status changed a moment ago).
   */
  private ordered(): InboxItem[] {
    const at = (i: InboxItem) => (i.lastMessage ? Date.parse(i.lastMessage.at) : 0);
    const view = this.view;
    const rows = isOwnView(view)
      ? [...this.items.values()].filter((i) => (view === 'mentions' ? i.mentions !== null : i.participant))
      : this.remote.map((r) => this.items.get(r.conversationId) ?? r).filter((i) => statusFits(view, i.status));
    return rows.filter((i) => passes(i, this.filters)).sort((a, b) => at(b) - at(a) || a.title.localeCompare(b.title));
  }

  private emptyText(): string {
    if (!this.anything && this.items.size === 0) return NOTHING_AT_ALL;
    if (this.filters.label) return 'No conversations with this label here.';
    if (this.filters.service || this.filters.assignee) return 'No conversations match these filters here.';
    return FILTERS.find((f) => f.value === this.filters.status)!.none || VIEWS.find((v) => v.view === this.view)!.none;
  }

  /** Redraws each row in place; when the focused link is redrawn, its new link gets the focus. */
  private render() {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.conversation;
    const shown = this.ordered();
    for (const id of this.rows.keys()) if (!shown.some((i) => i.conversationId === id)) this.rows.delete(id);
    const rows = shown.map((item) => {
      let row = this.rows.get(item.conversationId);
      if (!row) this.rows.set(item.conversationId, (row = h('li', {})));
      row.replaceChildren(this.link(item));
      return row;
    });
    arrange(this.list, rows);
    if (focused) this.rows.get(focused)?.querySelector('a')?.focus();
    this.empty.hidden = shown.length > 0;
    this.empty.textContent = this.emptyText();
    const mentions = [...this.items.values()].reduce((n, i) => n + (i.mentions?.unread ?? 0), 0);
    this.mentionBadge.hidden = mentions === 0;
    this.mentionBadge.textContent = mentions ? String(mentions) : '';
    this.mentionBadge.setAttribute('aria-label', `${mentions} unread`);
    this.events.unread([...this.items.values()].reduce((n, i) => n + i.unread, 0) + mentions);
    this.setActive(this.active);
  }

  private link(item: InboxItem): HTMLAnchorElement {
    const last = item.lastMessage;
    const badge = item.unread ? h('span', { class: 'badge' }, String(item.unread), h('span', { class: 'sr' }, ' unread')) : '';
    const mentioned = item.mentions?.unread ?? 0;
    const mention = mentioned ? h('span', { class: 'badge mention', title: 'A note mentions you' }, '@', h('span', { class: 'sr' }, ` ${mentioned} unread mention${mentioned === 1 ? '' : 's'}`)) : '';
    return h(
      'a',
      { href: `#/c/${item.conversationId}`, class: `item${item.unread || mentioned ? ' unread' : ''}`, 'data-conversation': item.conversationId },
      h('img', { src: avatarFor(item.title, item.avatarUrl), alt: '', width: '36', height: '36' }),
      h(
        'span',
        { class: 'item-body' },
        h(
          'span',
          { class: 'item-title' },
          named(item.title),
          item.visibility === 'private' ? h('span', { class: 'tag' }, 'private') : '',
          item.status !== 'open' ? statusBadge(item.status, item.snoozedUntil) : '',
        ),
        labelChips(item.labels),
        h('span', { class: 'item-last' }, ...(last ? [named(last.authorName), `: ${last.text}`] : ['No messages yet'])),
      ),
      h('span', { class: 'item-side' }, last ? h('time', { datetime: last.at }, formatWhen(last.at)) : '', mention, badge),
    );
  }
}
