// The live inbox (C10): the agent's conversations, most recent first, with title, avatar,
// last message and unread count. Loaded over HTTP, then kept live by the inbox socket, whose
// snapshot on every (re)connect replaces the whole list (docs/protocol.md, "Inbox socket").
import type { ErrorFrame } from '../../src/errors';
// Two views of it: the conversations the agent is in, and those a note @mentioned them in.
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
const FILTERS: Array<{ value: Status | 'all'; label: string; none: string }> = [
  { value: 'all', label: 'All', none: 'No conversations yet. Guests’ messages appear here as they arrive.' },
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
  private filter: Status | 'all' = 'all';
  /** The label the list is filtered by, or '' for any. */
  private label = '';
  private labelSelect = h('select', { id: 'inbox-label', name: 'label' }, h('option', { value: '' }, 'Any label'));
  private view: 'conversations' | 'mentions' = 'conversations';
  private viewButtons = {
    conversations: h('button', { type: 'button', 'aria-pressed': 'true', onclick: () => this.show('conversations') }, 'Conversations'),
    mentions: h('button', { type: 'button', 'aria-pressed': 'false', id: 'inbox-mentions', onclick: () => this.show('mentions') }, 'Mentions'),
  };
  private mentionBadge = h('span', { class: 'badge mention', hidden: true });

  constructor(private api: AgentApi, private events: InboxEvents, search: SearchBox) {
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
        const input = h('input', { type: 'radio', name: 'inbox-filter', value, checked: value === this.filter });
        input.addEventListener('change', () => {
          this.filter = value;
          this.render();
        });
        return h('label', {}, input, label);
      }),
    );
    this.labelSelect.addEventListener('change', () => {
      this.label = this.labelSelect.value;
      this.render();
    });
    // Labels an admin added since the console loaded appear the next time the agent looks.
    this.labelSelect.addEventListener('focus', () => void this.loadLabels());
    const labelFilter = h('div', { class: 'inbox-label-filter' }, h('label', { for: 'inbox-label' }, 'Label'), this.labelSelect);
    this.viewButtons.mentions.append(this.mentionBadge);
    const views = h('div', { class: 'inbox-views', role: 'group', 'aria-label': 'Show' }, this.viewButtons.conversations, this.viewButtons.mentions);
    this.element = h('aside', { class: 'inbox', 'aria-labelledby': 'inbox-title' }, h('div', { class: 'inbox-head' }, h('h2', { id: 'inbox-title' }, 'Inbox'), this.status.element), views, filters, labelFilter, search.form, search.results, this.list, this.empty, openForm);
  }

  private async loadLabels() {
    let labels: Label[];
    try {
      labels = (await this.api.call<{ labels: Label[] }>('GET', '/api/labels')).labels;
    } catch {
      return;
    }
    // A label deleted meanwhile no longer filters anything.
    if (this.label && !labels.some((l) => l.id === this.label)) this.label = '';
    this.labelSelect.replaceChildren(h('option', { value: '' }, 'Any label'), ...labels.map((l) => h('option', { value: l.id }, l.name)));
    this.labelSelect.value = this.label;
    this.render();
  }

  async start() {
    void this.loadLabels();
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
    this.feed?.stop();
    this.feed = null;
  }

  private show(view: 'conversations' | 'mentions') {
    this.view = view;
    for (const [name, button] of Object.entries(this.viewButtons)) button.setAttribute('aria-pressed', String(name === view));
    this.list.setAttribute('aria-label', view === 'mentions' ? 'Mentions' : 'Conversations');
    this.empty.textContent = view === 'mentions' ? 'No mentions yet. When a colleague writes @you in a note, the conversation appears here.' : 'No conversations yet. Guests’ messages appear here as they arrive.';
    this.render();
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

  /** The shown view's items the filter lets through, most recent first; conversations without a message yet go last. */
  private ordered(): InboxItem[] {
    const at = (i: InboxItem) => (i.lastMessage ? Date.parse(i.lastMessage.at) : 0);
    return [...this.items.values()]
      .filter((i) => (this.view === 'mentions' ? i.mentions !== null : i.participant) && (this.filter === 'all' || i.status === this.filter) && (!this.label || (i.labels ?? []).some((l) => l.id === this.label)))
      .sort((a, b) => at(b) - at(a) || a.title.localeCompare(b.title));
  }

  /** Redraws each row in place; when the focused link is redrawn, its new link gets the focus. */
  private render() {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.conversation;
    for (const id of this.rows.keys()) if (!this.items.has(id)) this.rows.delete(id);
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
    this.empty.textContent = this.label ? 'No conversations with this label here.' : FILTERS.find((f) => f.value === this.filter)!.none;
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
