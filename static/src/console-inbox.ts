// The live inbox (C10): the agent's conversations, most recent first, with title, avatar,
// last message and unread count. Loaded over HTTP, then kept live by the inbox socket, whose
// snapshot on every (re)connect replaces the whole list (docs/protocol.md, "Inbox socket").
import type { InboxFrame, InboxItem } from '../../src/inbox/item';
import { h } from './chat-view';
import { avatarFor } from './console-avatar';
import { LiveFeed, messageOf, type AgentApi, type LiveState } from './console-api';
import { arrange } from './console-list';
import type { SearchBox } from './console-search';
import { liveStatus } from './console-status';
import { formatWhen } from './console-time';

type Frame = InboxFrame | { type: 'error'; message: string };

const CONVERSATION_LINK = /(cv_[a-f0-9]{32})/;

export class InboxList {
  readonly element: HTMLElement;
  private items = new Map<string, InboxItem>();
  private rows = new Map<string, HTMLLIElement>();
  private list = h('ul', { class: 'inbox-list', 'aria-label': 'Conversations' });
  private empty = h('p', { class: 'empty', hidden: true }, 'No conversations yet. Guests’ messages appear here as they arrive.');
  private status = liveStatus();
  private feed: LiveFeed<Frame> | null = null;
  private active: string | null = null;

  constructor(private api: AgentApi, private onUnread: (total: number) => void, search: SearchBox) {
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
    this.element = h(
      'aside',
      { class: 'inbox', 'aria-labelledby': 'inbox-title' },
      h('div', { class: 'inbox-head' }, h('h2', { id: 'inbox-title' }, 'Inbox'), this.status.element),
      search.form,
      search.results,
      this.list,
      this.empty,
      openForm,
    );
  }

  async start() {
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

  setActive(id: string | null) {
    this.active = id;
    for (const [cid, row] of this.rows) {
      const link = row.querySelector('a')!;
      if (cid === id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  private onFrame(frame: Frame) {
    if (frame.type === 'inbox') this.replace(frame.items);
    else if (frame.type === 'item') this.items.set(frame.item.conversationId, frame.item), this.render();
    else if (frame.type === 'removed') this.items.delete(frame.conversationId), this.render();
    else if (frame.type === 'error') this.status.error(frame.message);
  }

  private replace(items: InboxItem[]) {
    this.items = new Map(items.map((i) => [i.conversationId, i]));
    this.render();
  }

  /** Most recent first; conversations without a message yet go last. */
  private ordered(): InboxItem[] {
    const at = (i: InboxItem) => (i.lastMessage ? Date.parse(i.lastMessage.at) : 0);
    return [...this.items.values()].sort((a, b) => at(b) - at(a) || a.title.localeCompare(b.title));
  }

  /** Redraws each row in place; when the focused link is redrawn, its new link gets the focus. */
  private render() {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.conversation;
    for (const id of this.rows.keys()) if (!this.items.has(id)) this.rows.delete(id);
    const rows = this.ordered().map((item) => {
      let row = this.rows.get(item.conversationId);
      if (!row) this.rows.set(item.conversationId, (row = h('li', {})));
      row.replaceChildren(this.link(item));
      return row;
    });
    arrange(this.list, rows);
    if (focused) this.rows.get(focused)?.querySelector('a')?.focus();
    this.empty.hidden = this.items.size > 0;
    this.onUnread([...this.items.values()].reduce((n, i) => n + i.unread, 0));
    this.setActive(this.active);
  }

  private link(item: InboxItem): HTMLAnchorElement {
    const last = item.lastMessage;
    const badge = item.unread ? h('span', { class: 'badge' }, String(item.unread), h('span', { class: 'sr' }, ' unread')) : '';
    return h(
      'a',
      { href: `#/c/${item.conversationId}`, class: `item${item.unread ? ' unread' : ''}`, 'data-conversation': item.conversationId },
      h('img', { src: avatarFor(item.title, item.avatarUrl), alt: '', width: '36', height: '36' }),
      h(
        'span',
        { class: 'item-body' },
        h('span', { class: 'item-title' }, item.title, item.visibility === 'private' ? h('span', { class: 'tag' }, 'private') : ''),
        h('span', { class: 'item-last' }, last ? `${last.authorName}: ${last.text}` : 'No messages yet'),
      ),
      h('span', { class: 'item-side' }, last ? h('time', { datetime: last.at }, formatWhen(last.at)) : '', badge),
    );
  }
}
