// The open conversation in the console: the shared chat panel (timeline, composer, typing)
// driven by the same client as the guest pages, with the agent's actions above it and the
// participants, read positions and phonebook beside it. An agent watching a public
// conversation can join it, or just write (the server joins them first).
import { ApiError, ConversationClient, type ClientErrorCode } from './chat-client';
import { chatView, h } from './chat-view';
import { messageOf, type Agent, type AgentApi } from './console-api';
import { assignDialog } from './console-assign';
import { inviteDialog, renameDialog } from './console-actions';
import { avatarFor } from './console-avatar';
import { attachCannedPicker } from './console-canned';
import { statusControls } from './console-conversation-status';
import { ConversationDetails, stars } from './console-details';
import { labelChips, labelControls } from './console-labels';
import { offerDialog } from './console-offer';
import { setPageTitle } from './console-title';
import { strings } from './i18n';

// The panel's greeting is for guests; agents see it only while the history loads.
const t = { ...strings('en'), greeting: 'Loading the conversation…', placeholder: 'Write a message… (/ for canned replies)' };

export class ConversationPane {
  readonly element: HTMLElement;
  /** The conversation shown, or null. */
  id: string | null = null;
  /** Called when the shown conversation changes. */
  onChange = () => {};
  private chat: ConversationClient | null = null;
  /**
   * True when the shown conversation could not be opened, access to it was lost, or its socket
   * is cut off (a refused reconnect looks the same to a browser): asking for it again opens it
   * afresh, which says why if it is refused.
   */
  get lost(): boolean {
    return this.failed || this.chat?.state === 'closed' || this.chat?.state === 'offline';
  }
  private failed = false;
  /** The message to show once it is in the timeline (a search result's), then the one marked as found. */
  private target: number | null = null;
  private found: number | null = null;
  private details: ConversationDetails | null = null;
  private placeholder = h('p', { class: 'empty pane-empty' }, 'Choose a conversation in the inbox.');

  constructor(private api: AgentApi, private me: Agent, private back: () => void) {
    this.element = h('section', { class: 'pane', 'aria-label': 'Conversation' }, this.placeholder);
  }

  close() {
    this.chat?.dispose();
    this.chat = null;
    this.details?.stop();
    this.details = null;
    if (this.id === null) return;
    this.id = null;
    this.element.replaceChildren(this.placeholder);
    this.onChange();
  }

  /** Scrolls the timeline to the message `seq` and marks it, now or as soon as it has arrived. */
  reveal(seq: number) {
    this.target = seq;
    this.showTarget();
  }

  private showTarget() {
    const mark = (seq: number | null) => (seq === null ? null : this.element.querySelector<HTMLElement>(`.db-log [data-seq="${seq}"]`));
    // The timeline is redrawn on every new entry: the mark goes back on the redrawn item.
    mark(this.found)?.classList.add('db-found');
    const item = mark(this.target);
    if (!item) return;
    for (const old of this.element.querySelectorAll('.db-found')) if (old !== item) old.classList.remove('db-found');
    item.classList.add('db-found');
    item.scrollIntoView({ block: 'center' });
    this.found = this.target;
    this.target = null;
  }

  async open(id: string, seq: number | null = null) {
    this.close();
    this.target = seq;
    this.found = null;
    this.id = id;
    this.failed = false;
    this.onChange();
    // The target only names storage keys, which open() never uses.
    const chat = new ConversationClient(this.api.base, { kind: 'agent', slug: this.me.slug });
    this.chat = chat;
    // Started before the panel is drawn: open() names the agent at once, so the panel never
    // shows the guest's name and email fields, even for a moment.
    const opened = chat.open(this.api.token, { id: this.me.id, name: this.me.name }, id).then(
      () => null,
      (err: unknown) => err,
    );
    const alert = h('p', { class: 'error', role: 'alert' });
    const show = (err: unknown) => (alert.textContent = messageOf(err));
    /** Runs an action; a refusal (which changed nothing) is shown over the timeline. */
    const act = (run: () => Promise<unknown>) => async () => {
      alert.textContent = '';
      try {
        await run();
      } catch (err) {
        show(err);
      }
    };
    const base = `/api/conversations/${id}`;
    const viewOf = () => chat.view;

    const button = (label: string, onclick: () => void, attrs: Record<string, string> = {}) => h('button', { type: 'button', ...attrs, onclick }, label);
    const join = button('Join', act(() => this.api.call('POST', `${base}/join`)), { class: 'primary' });
    const leave = button('Leave', act(() => this.api.call('POST', `${base}/leave`)));
    const assign = button('Assign…', () => assignDialog(this.api, id, viewOf()));
    const rename = button('Rename…', () => renameDialog(this.api, id, viewOf()));
    const invite = button('Add a guest…', () => inviteDialog(this.api, id));
    const offer = button('Offer a meeting…', act(() => offerDialog(this.api, id, this.me)));
    const visibility = button('Make private', act(() => this.api.call('PATCH', base, { visibility: chat.view?.visibility === 'private' ? 'public' : 'private' })));
    const copy = button('Copy link', act(async () => {
      await navigator.clipboard.writeText(`${location.origin}/console#/c/${id}`);
      copy.textContent = 'Link copied';
      setTimeout(() => (copy.textContent = 'Copy link'), 2000);
    }));
    const detailsToggle = button('Details', () => {
      const open = root.classList.toggle('show-details');
      detailsToggle.setAttribute('aria-expanded', String(open));
    }, { class: 'details-toggle', 'aria-expanded': 'false', 'aria-controls': `details-${id}` });
    const backButton = button('← Inbox', this.back, { class: 'back', 'aria-label': 'Back to the inbox' });
    const status = statusControls((body) => act(() => this.api.call('PATCH', base, body))());
    const labels = labelControls(this.api, (label, on) => act(() => this.api.call(on ? 'PUT' : 'DELETE', `${base}/labels/${label.id}`))());
    // The latest resolution's rating, beside the status badge.
    const ratingChip = h('span', { class: 'tag rating-tag', hidden: true });
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Conversation actions' }, backButton, ...status.elements, labels.elements[0]!, join, assign, rename, invite, offer, visibility, leave, copy, detailsToggle, labels.elements[1]!);

    status.elements[0]!.after(ratingChip);
    const panel = chatView(chat, { t, card: { name: 'Conversation', avatarUrl: null }, notes: true });
    // Placeholders are filled when a reply is inserted, from the conversation as it is then.
    attachCannedPicker(this.api, panel.querySelector<HTMLTextAreaElement>('.db-form textarea')!, () => ({
      'guest.name': chat.view?.participants.find((p) => p.kind === 'guest')?.name,
      'agent.name': this.me.name,
      'service.name': chat.view?.service?.name,
    }));
    const details = (this.details = new ConversationDetails(this.api, chat, id, show));
    details.element.id = `details-${id}`;
    // Over the top of the timeline rather than above it, so showing an error moves nothing.
    const floating = h('div', { class: 'float-alert' }, alert, h('button', { type: 'button', 'aria-label': 'Dismiss the message', onclick: () => (alert.textContent = '') }, '×'));
    const root = h('div', { class: 'conversation' }, toolbar, h('div', { class: 'conversation-body' }, floating, panel, details.element));
    this.element.replaceChildren(root);

    const renderActions = () => {
      const view = chat.view;
      const inIt = !!view?.you.participant;
      join.hidden = !view || inIt;
      leave.hidden = !inIt;
      // Only an agent in the conversation offers meetings in it.
      offer.hidden = !inIt;
      for (const b of [assign, rename, invite, offer, visibility, leave, labels.button, ...status.buttons]) b.disabled = !view || chat.state === 'closed';
      status.render(view);
      const rated = view?.rating?.rated;
      ratingChip.replaceChildren(...(rated ? [stars(rated.score), ` ${rated.score}/5`] : []));
      ratingChip.title = rated ? `Rated ${rated.score}/5 by ${rated.by.name}${rated.comment ? `: “${rated.comment}”` : ''}` : '';
      ratingChip.hidden = !rated;
      labels.render(view?.labels);
      headLabels.replaceChildren(labelChips(view?.labels));
      visibility.textContent = view?.visibility === 'private' ? 'Make public' : 'Make private';
      if (view) setPageTitle(`${view.title} · Doorbell console`);
      if (chat.state === 'closed') alert.textContent = 'You can no longer open this conversation (it was made private, or you left it).';
    };
    const headAvatar = panel.querySelector<HTMLImageElement>('.db-head img')!;
    const headLabels = h('div', { class: 'head-labels' });
    panel.querySelector('.db-who')!.append(headLabels);
    chat.on((what) => {
      // Runs after the panel's own handler: replaces its fallback picture with the guest's initials.
      if (what === 'view' && chat.view) headAvatar.src = avatarFor(chat.view.title, chat.view.avatarUrl);
      if (what === 'view' || what === 'state') renderActions(), details.render();
      if (what === 'availability') details.render();
      if (what === 'entries') details.render(), this.showTarget();
      // Socket errors (e.g. agent_not_licensed when a basic agent writes) come as frames.
      if (what === 'error' && chat.error) alert.textContent = errorText(chat.error);
    });
    renderActions();
    const err = await opened;
    if (this.chat !== chat) return;
    if (err) {
      this.failed = true;
      alert.textContent =
        err instanceof ApiError && err.status === 404 ? 'This conversation does not exist, or you may not open it (it is private).' : messageOf(err);
      panel.hidden = true;
      toolbar.replaceChildren(backButton);
      return;
    }
    panel.querySelector<HTMLTextAreaElement>('.db-form textarea')?.focus();
  }
}

const errorText = (code: ClientErrorCode) =>
  code === 'agent_not_licensed'
    ? 'Only standard and premium agents can write in guest conversations.'
    : code === 'not_found'
      ? 'You can no longer open this conversation.'
      : `The server refused that (${code}).`;
