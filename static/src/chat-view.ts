// The chat panel: header (title, avatar, connection state), timeline, typing line and
// composer, drawn from a ConversationClient. Used as is by the guest pages and inside the widget.
import type { TimelineEvent } from '../../src/conversation/protocol';
import { ApiError, type Entry, type ConversationClient } from './chat-client';
import { fill, type Strings } from './i18n';

/** How soon a reply may come (docs/rules.md "Availability"), following the client's `availability` live. */
export function replyLine(t: Strings, chat: ConversationClient): HTMLElement {
  const line = h('p', { class: 'db-reply', hidden: true });
  const render = () => {
    const availability = chat.availability;
    line.hidden = !availability;
    if (!availability) return;
    line.dataset.availability = availability;
    line.textContent = availability === 'online' ? t.repliesSoon : t.repliesByEmail;
  };
  chat.on((what) => what === 'availability' && render());
  render();
  return line;
}

export type ViewOptions = {
  t: Strings;
  greeting?: string;
  /** Title and avatar before the conversation exists (the agent's or service's card). */
  card: { name: string; avatarUrl: string | null };
  /** Shows a close button in the header (the widget). */
  onClose?: () => void;
  /** Offers a Reply / Note toggle on the composer and labels notes (the agent console). */
  notes?: boolean;
};

type Attrs = Record<string, string | boolean | ((e: any) => void)>;
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, v);
  }
  el.append(...children);
  return el;
}

/**
 * A person's or team's name, isolated: a right-to-left name (or one ending in a digit) cannot
 * reorder the words around it.
 */
export const named = (name: string): HTMLElement => h('bdi', {}, name);

/** `fill` for text shown in an element: each value (a name, a zone…) is isolated in a <bdi>. */
export function fillNamed(s: string, values: Record<string, string | number>): (Node | string)[] {
  return s.split(/\{(\w+)\}/).map((part, i) => (i % 2 === 0 ? part : named(String(values[part] ?? ''))));
}

/** A padlock, drawn inline: emoji fonts are not everywhere. */
const LOCK = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="#8a5a00"/><path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="#8a5a00" stroke-width="1.8"/></svg>')}`;
const lock = () => h('img', { class: 'db-lock', src: LOCK, alt: '', width: '12', height: '12' });

const avatar = (base: string, url: string | null) => (url ? new URL(url, base).href : `${base}/avatars/sales.svg`);

export function chatView(chat: ConversationClient, o: ViewOptions): HTMLElement {
  const { t } = o;
  const title = h('h2', { class: 'db-title', id: 'db-title' });
  const img = h('img', { alt: '', width: '36', height: '36' });
  const status = h('div', { class: 'db-status', role: 'status' });
  const log = h('ol', { class: 'db-log', 'aria-label': t.messages, 'aria-live': 'polite' });
  const typing = h('div', { class: 'db-typing', 'aria-live': 'polite' });
  const alert = h('p', { class: 'db-alert', role: 'alert' });
  const name = h('input', { name: 'name', autocomplete: 'name', placeholder: t.name, 'aria-label': t.name, maxlength: '100' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', placeholder: t.email, 'aria-label': t.email });
  const intro = h('div', { class: 'db-intro' }, name, email);
  const text = h('textarea', { name: 'message', placeholder: t.placeholder, 'aria-label': t.message, maxlength: '4000', rows: '1' });
  const send = h('button', { class: 'db-send', type: 'submit' }, t.send);
  const form = h('form', { class: 'db-form', 'aria-label': t.message }, intro, h('div', { class: 'db-row' }, text, send));
  // Native radios: Tab reaches the checked one, arrow keys switch, and the choice is announced.
  let noteMode = false;
  const mode = (value: 'reply' | 'note', ...label: (Node | string)[]) =>
    h('label', { class: `db-mode-${value}` }, h('input', { type: 'radio', name: 'db-mode', value, checked: value === 'reply' }), ...label);
  const modes = h('fieldset', { class: 'db-modes', hidden: !o.notes }, h('legend', { class: 'db-sr' }, 'Write a'), h('div', {}, mode('reply', 'Reply'), mode('note', lock(), 'Note')));
  modes.addEventListener('change', (e) => {
    noteMode = (e.target as HTMLInputElement).value === 'note';
    form.classList.toggle('db-note-mode', noteMode);
    text.placeholder = noteMode ? 'Private note: guests never see this. @name mentions a colleague.' : t.placeholder;
    send.textContent = noteMode ? 'Add note' : t.send;
    // Typing would tell the guest someone is writing; a note is none of their business.
    if (noteMode) chat.setTyping(false);
    text.focus();
  });
  if (o.notes) form.prepend(modes);
  const who = h('div', { class: 'db-who' }, title, status);
  // Guests read how soon a reply may come; agents (the console, with notes) see it per participant.
  if (!o.notes) who.append(replyLine(t, chat));
  const head = h('header', { class: 'db-head' }, img, who);
  if (o.onClose) head.append(h('button', { class: 'db-x', type: 'button', 'aria-label': t.close, onclick: o.onClose }, '×'));
  // After a resolution the guest is asked to rate it (docs/rules.md, "Transcript and rating").
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h('label', { title: fill(t.rateStar, { n }) }, h('input', { type: 'radio', name: 'db-score', value: String(n), class: 'db-sr' }), h('span', { 'aria-hidden': 'true' }, '★'), h('span', { class: 'db-sr' }, fill(t.rateStar, { n }))),
  );
  // One line: the composer stays the panel's only textarea.
  const comment = h('input', { name: 'comment', maxlength: '1000', placeholder: t.rateComment, 'aria-label': t.rateComment });
  const rateSend = h('button', { class: 'db-send', type: 'submit', disabled: true }, t.rateSend);
  const rateForm = h('form', { class: 'db-rate', hidden: true },
    h('fieldset', { class: 'db-stars' }, h('legend', {}, t.rateTitle), h('div', {}, ...stars)), h('div', { class: 'db-row' }, comment, rateSend));
  const thanks = h('p', { class: 'db-rated', role: 'status', hidden: true }, t.rated);
  const score = () => Number(rateForm.querySelector<HTMLInputElement>('input:checked')?.value ?? 0);
  rateForm.addEventListener('change', () => {
    stars.forEach((label, i) => label.classList.toggle('db-on', i < score()));
    rateSend.disabled = !score();
  });
  rateForm.addEventListener('submit', (e) => {
    e.preventDefault();
    if (chat.rate(score(), comment.value)) rateSend.disabled = true;
    else alert.textContent = fill(t.rateFailed, { code: t.connecting });
  });
  let askedFor: number | null = null;
  const renderRating = () => {
    const rating = chat.view?.you.kind === 'guest' ? chat.view.rating : null;
    if ((rating?.resolution ?? null) !== askedFor) {
      // A new resolution asks afresh.
      askedFor = rating?.resolution ?? null;
      rateForm.reset();
      rateForm.dispatchEvent(new Event('change'));
    }
    // The prompt takes room from the timeline: one read to the end stays at the end.
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    rateForm.hidden = !rating || !!rating.rated;
    thanks.hidden = !rating?.rated;
    if (atEnd) log.scrollTop = log.scrollHeight;
  };

  const root = h('section', { class: 'db', 'aria-labelledby': 'db-title' }, head, log, typing, rateForm, thanks, alert, form);

  const submit = async () => {
    const value = text.value;
    if (!value.trim()) return;
    if (!chat.guest && !name.value.trim()) {
      alert.textContent = t.nameRequired;
      name.focus();
      return;
    }
    text.value = '';
    chat.setTyping(false);
    try {
      await chat.send(value, { name: name.value, email: email.value }, noteMode);
    } catch (e) {
      if (!text.value) text.value = value;
      if (e instanceof ApiError && e.message) alert.textContent = fill(t.failed, { code: e.message });
    }
  };
  form.addEventListener('submit', (e) => (e.preventDefault(), submit()));
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) (e.preventDefault(), submit());
  });
  text.addEventListener('input', () => noteMode || chat.setTyping(text.value.trim() !== ''));

  const eventText = (e: Entry) => {
    const ev = e.event!;
    // Status entries reach agents only; a reopening by itself is Doorbell's, not a person's.
    if (ev.type === 'status') {
      const key = e.author.kind === 'system' ? 'statusReopened' : ev.status === 'snoozed' && ev.until ? 'status_snoozed_until' : `status_${ev.status}`;
      const until = ev.until ? new Date(ev.until).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) : '';
      return fillNamed((t as Record<string, string>)[key] ?? ev.status, { name: e.author.name, until });
    }
    // Label entries reach agents only too.
    if (ev.type === 'labels') return fillNamed((t as Record<string, string>)[`labels_${ev.action}`]!, { name: e.author.name, label: ev.label.name });
    // So do ratings; the guest sees theirs in the view.
    if (ev.type === 'rating') return [...fillNamed(t.rating, { name: e.author.name, score: ev.score }), ev.comment ? `: “${ev.comment}”` : ''];
    return fillNamed((t as Record<string, string>)[ev.type] ?? ev.type, { name: whoIn(ev) });
  };
  const time = (at: string) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  const renderLog = () => {
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const items: HTMLElement[] = [];
    if (o.greeting || !chat.entries.length) items.push(h('li', { class: 'db-hello' }, o.greeting || t.greeting));
    const note = (by: string, body: string, meta: string, attrs: Record<string, string>) =>
      h('li', { class: 'db-note', ...attrs },
        h('span', { class: 'db-by' }, lock(), ' ', h('span', { class: 'db-note-label' }, 'Note'), ` · ${by}`),
        body,
        h('span', { class: 'db-meta' }, meta));
    for (const e of chat.entries) {
      if (e.event?.type === 'note') {
        items.push(note(e.author.name, e.text ?? '', time(e.at), { 'data-seq': String(e.seq) }));
        continue;
      }
      if (e.kind === 'event') {
        // Meeting notes carry their own text, with the time in both zones (docs/meetings.md);
        // CRM results (agents only) carry the record link or the error (docs/integrations.md).
        const ownText = (e.event?.type === 'meeting' || e.event?.type === 'crm') && e.text;
        items.push(h('li', { class: 'db-event', 'data-seq': String(e.seq) }, ...(ownText ? [e.text!] : eventText(e))));
        continue;
      }
      const mine = e.author.id === chat.guest?.id;
      items.push(
        h('li', { class: `db-msg${mine ? ' db-mine' : ''}`, 'data-seq': String(e.seq) },
          ...(mine ? [] : [h('span', { class: 'db-by' }, named(e.author.name))]),
          e.text ?? '',
          h('span', { class: 'db-meta' }, time(e.at))),
      );
    }
    for (const p of chat.pending) {
      if (p.note) {
        items.push(note('you', p.text, t.sending, { 'data-client-id': p.clientId, class: 'db-note db-pending' }));
        continue;
      }
      items.push(h('li', { class: 'db-msg db-mine db-pending', 'data-client-id': p.clientId }, p.text, h('span', { class: 'db-meta' }, t.sending)));
    }
    log.replaceChildren(...items);
    if (atEnd || chat.pending.length) log.scrollTop = log.scrollHeight;
  };

  const renderHead = () => {
    title.replaceChildren(named(chat.view?.title ?? o.card.name));
    img.src = avatar(chat.base, chat.view ? chat.view.avatarUrl : o.card.avatarUrl);
    intro.hidden = !!chat.guest;
    form.hidden = chat.state === 'closed';
  };
  const renderState = () => {
    status.dataset.state = chat.state;
    status.textContent =
      chat.state === 'online' ? (chat.view?.participants.some((p) => p.kind === 'agent' && p.online) ? t.online : '')
      : chat.state === 'connecting' ? t.connecting
      : chat.state === 'offline' ? fill(t.offline, { s: chat.retryIn })
      : chat.state === 'closed' ? t.closed
      : '';
  };

  chat.on((what) => {
    if (what === 'entries') renderLog();
    if (what === 'view' || what === 'guest') renderHead(), renderLog(), renderState(), renderRating();
    if (what === 'state') renderState(), renderHead();
    if (what === 'typing') typing.replaceChildren(...[...chat.typing.values()].flatMap((n, i) => [...(i ? [' '] : []), ...fillNamed(t.typing, { name: n })]));
    if (what === 'error' && !chat.error) alert.textContent = '';
    if (what === 'error' && (chat.error === 'already_rated' || chat.error === 'rating_closed')) alert.textContent = fill(t.rateFailed, { code: chat.error });
  });
  renderHead();
  renderLog();
  renderState();
  renderRating();
  return root;
}

/** The names an event's text is about. */
function whoIn(ev: TimelineEvent): string {
  switch (ev.type) {
    case 'joined':
    case 'left':
      return ev.participant.name;
    case 'rejoined':
    case 'assigned':
      return ev.agents.map((a) => a.name).join(', ');
    case 'guest_added':
      return ev.guest.name;
    case 'renamed':
      return ev.name;
    default:
      return '';
  }
}
