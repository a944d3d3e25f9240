// The chat panel: header (title, avatar, connection state), timeline, typing line and
// composer, drawn from a ConversationClient. Used as is by the guest pages and inside the widget.
import type { AttachmentView, TimelineEvent } from '../../src/conversation/protocol';
import { ApiError, FileError, type Entry, type ConversationClient, type Staged, type Upload } from './chat-client';
import { inline, MAX_FILES, shrink, sizeText, typeText, uniqueName } from './chat-files';
import { dateTime, stamp } from './dates';
import { prechatFields, type PrechatForm } from './chat-prechat';
import { offerCards } from './chat-offer';
import { looksLikeEmail } from '../../src/directory/prechat-values';
import { connectionText, secondsUntil, statusLine, ticking } from './chat-status';
import { fill, greetingIn, type Lang, type ChatStrings } from './i18n';

export type ViewOptions = {
  t: ChatStrings;
  /** The site owner's own greeting (data-greeting): wins over the card's greetings. */
  greeting?: string;
  /** The language the card's greetings are chosen in. */
  lang?: Lang;
  /**
   * Title and avatar before the conversation exists and until the client read the card
   * (loadCard); `avatarUrl` undefined: no avatar until then (the widget's neutral title).
   */
  card: { name: string; avatarUrl?: string | null; prechat?: PrechatForm; greetings?: Partial<Record<Lang, string>> };
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

/** A paper clip, drawn inline like the padlock. */
const CLIP = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M16.5 6.5 8.4 14.6a2 2 0 0 0 2.8 2.8l8.1-8.1a4 4 0 0 0-5.7-5.7L5.5 11.7a6 6 0 0 0 8.5 8.5l6.5-6.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/></svg>';

/** The tallest a thumbnail is drawn, in CSS pixels (styles.ts has the same). */
const THUMB_HEIGHT = 220;

const avatar = (base: string, url: string | null) => (url ? new URL(url, base).href : `${base}/avatars/sales.svg`);

export function chatView(chat: ConversationClient, o: ViewOptions): HTMLElement {
  const { t } = o;
  const title = h('h2', { class: 'db-title', id: 'db-title' });
  const img = h('img', { alt: '', width: '36', height: '36' });
  const status = h('div', { class: 'db-status', role: 'status' });
  // Focusable: a keyboard user scrolls the history too (it scrolls once a pre-chat form takes room).
  const log = h('ol', { class: 'db-log', 'aria-label': t.messages, 'aria-live': 'polite', tabindex: '0' });
  const typing = h('div', { class: 'db-typing', 'aria-live': 'polite' });
  const alert = h('p', { class: 'db-alert', role: 'alert' });
  // How a developer trying the widget on their own machine allows it (docs/widget.md).
  const hint = h('p', { class: 'db-allow', hidden: true }, fill(t.statesNotAllowedHint, { origin: location.origin }));
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: '100' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email' });
  const label = (input: HTMLInputElement, text: string, hidden: boolean) => {
    input.placeholder = text;
    input.setAttribute('aria-label', text);
    input.hidden = hidden;
  };
  // A service's pre-chat form says which of name and email are asked, and adds its own fields;
  // its greetings say hello. Both come with the card, which the widget and the service page
  // read after drawing the panel: applied when it arrives, never again on a render (which
  // would throw away what the guest typed into the form).
  let prechat = prechatFields(t, undefined);
  let { ask } = prechat;
  let formOf: PrechatForm | undefined;
  let greeting = '';
  const applyCard = (card: ViewOptions['card']) => {
    greeting = o.greeting || (o.lang && greetingIn(card.greetings, o.lang)) || '';
    formOf = card.prechat;
    const next = prechatFields(t, formOf);
    prechat.element.replaceWith(next.element);
    prechat = next;
    ask = next.ask;
    label(name, ask.name === 'optional' ? t.prechatNameOptional : t.name, ask.name === 'hidden');
    label(email, ask.email === 'required' ? t.prechatEmailRequired : t.email, ask.email === 'hidden');
  };
  // While nobody can answer now, why the email matters (chat-hours.ts).
  const emailHint = h('p', { class: 'db-ask', hidden: true });
  const intro = h('div', { class: 'db-intro' }, emailHint, name, email);
  const text = h('textarea', { name: 'message', placeholder: t.placeholder, 'aria-label': t.message, maxlength: '4000', rows: '1' });
  const send = h('button', { class: 'db-send', type: 'submit' }, t.send);
  // Files: the paper clip opens the file picker; dropping on the panel or pasting in the text adds them too.
  let staged: Staged[] = [];
  const picker = h('input', { type: 'file', multiple: true, hidden: true, tabindex: '-1', 'aria-hidden': 'true' });
  const attach = h('button', { class: 'db-attach', type: 'button', 'aria-label': t.attach, title: t.attach, onclick: () => picker.click() });
  attach.innerHTML = CLIP;
  const tray = h('ul', { class: 'db-tray', 'aria-label': t.filesToSend });
  const form = h('form', { class: 'db-form', 'aria-label': t.message }, intro, prechat.element, tray, h('div', { class: 'db-row' }, attach, picker, text, send));
  // Native radios: Tab reaches the checked one, arrow keys switch, and the choice is announced.
  let noteMode = false;
  const mode = (value: 'reply' | 'note', ...label: (Node | string)[]) =>
    h('label', { class: `db-mode-${value}` }, h('input', { type: 'radio', name: 'db-mode', value, checked: value === 'reply' }), ...label);
  const modes = h('fieldset', { class: 'db-modes', hidden: !o.notes }, h('legend', { class: 'db-sr' }, 'Write a'), h('div', {}, mode('reply', 'Reply'), mode('note', lock(), 'Note')));
  modes.addEventListener('change', (e) => {
    noteMode = (e.target as HTMLInputElement).value === 'note';
    // Notes carry no files (docs/protocol.md).
    attach.disabled = noteMode;
    form.classList.toggle('db-note-mode', noteMode);
    text.placeholder = noteMode ? 'Private note: guests never see this. @name mentions a colleague.' : t.placeholder;
    send.textContent = noteMode ? 'Add note' : t.send;
    // Typing would tell the guest someone is writing; a note is none of their business.
    if (noteMode) chat.setTyping(false);
    text.focus();
  });
  if (o.notes) form.prepend(modes);
  // Guests read one status line; agents (the console, with notes) see availability per participant.
  const who = h('div', { class: 'db-who' }, title, o.notes ? status : statusLine(t, chat, emailHint));
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

  const root = h('section', { class: 'db', 'aria-labelledby': 'db-title' }, head, log, hint, typing, rateForm, thanks, alert, form);

  const renderTray = () =>
    tray.replaceChildren(
      ...staged.map((f) =>
        h('li', { class: 'db-staged' },
          h('span', { class: 'db-file-name' }, named(f.name)),
          h('span', { class: 'db-file-meta' }, sizeText(f.file.size)),
          h('button', { type: 'button', class: 'db-unstage', 'aria-label': fill(t.removeFile, { name: f.name }), onclick: () => ((staged = staged.filter((s) => s !== f)), renderTray(), text.focus()) }, '×'))),
    );
  const addFiles = async (files: File[]) => {
    if (noteMode || form.hidden) return;
    alert.textContent = '';
    for (const file of files) {
      if (staged.length >= MAX_FILES) {
        alert.textContent = t.tooManyFiles;
        break;
      }
      staged.push(await shrink(file, uniqueName(file.name || 'file', staged.map((s) => s.name))));
      renderTray();
    }
  };
  picker.addEventListener('change', () => (addFiles([...(picker.files ?? [])]), (picker.value = '')));
  text.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) (e.preventDefault(), addFiles(files));
  });
  const dragging = (e: DragEvent) => !!e.dataTransfer?.types.includes('Files') && !form.hidden && !noteMode;
  root.addEventListener('dragover', (e) => {
    if (!dragging(e)) return;
    e.preventDefault();
    root.classList.add('db-dropping');
  });
  root.addEventListener('dragleave', (e) => root.contains(e.relatedTarget as Node | null) || root.classList.remove('db-dropping'));
  root.addEventListener('drop', (e) => {
    root.classList.remove('db-dropping');
    if (!dragging(e)) return;
    e.preventDefault();
    addFiles([...e.dataTransfer!.files]);
  });
  root.dataset.drop = t.attachDrop;

  const fileErrorText = (e: FileError) => {
    const name = e.file;
    if (e.code === 'attachment_too_large') return fill(t.fileTooLarge, { name, limit: e.limit ? sizeText(e.limit) : '?' });
    if (e.code === 'file_type_not_allowed') return fill(t.fileTypeRefused, { name });
    if (e.code === 'file_type_mismatch') return fill(t.fileMismatch, { name });
    if (e.code === 'too_many_attachments') return t.tooManyFiles;
    return fill(t.fileFailed, { name, code: e.status ? e.message : t.networkError });
  };

  const submit = async () => {
    const value = text.value;
    if (!value.trim() && !staged.length) return;
    if (!chat.guest && ask.name === 'required' && !name.value.trim()) {
      alert.textContent = t.nameRequired;
      name.focus();
      return;
    }
    if (!chat.guest && ask.email === 'required' && !looksLikeEmail(email.value.trim())) {
      alert.textContent = t.prechatEmailNeeded;
      email.focus();
      return;
    }
    const unanswered = chat.conversationId ? null : prechat.check();
    if (unanswered) {
      alert.textContent = t.prechatFix;
      unanswered.focus();
      return;
    }
    if (staged.length && !chat.conversationId && !value.trim()) {
      alert.textContent = t.textFirst;
      text.focus();
      return;
    }
    // Notes carry no files: chosen ones wait for the next reply.
    const files = noteMode ? [] : staged;
    if (!noteMode) staged = [];
    renderTray();
    text.value = '';
    chat.setTyping(false);
    try {
      // A guest whose name is not asked is known as a visitor: the server wants a name for everyone.
      await chat.send(value, { name: name.value.trim() || t.prechatVisitor, email: email.value, answers: prechat.answers() }, noteMode, files);
    } catch (e) {
      if (!text.value) text.value = value;
      if (e instanceof FileError) {
        // A refused file would be refused again: the others stay, to be sent once it is removed.
        staged = [...(e.status >= 400 && e.status < 500 ? files.filter((f) => f.name !== e.file) : files), ...staged];
        renderTray();
        alert.textContent = fileErrorText(e);
      } else if (e instanceof ApiError && e.code === 'rate_limited') {
        // Counted down in renderError.
      } else if (e instanceof ApiError && e.code !== 'network') {
        // A refusal in the server's words, under the field it names when it names one.
        const refused = prechat.refused(e.problems);
        if (refused) (alert.textContent = t.prechatFix), refused.focus();
        else alert.textContent = fill(t.failed, { code: e.message });
      } else {
        // No answer at all: in our words.
        alert.textContent = fill(t.failed, { code: t.networkError });
      }
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
      const until = ev.until ? dateTime(Date.parse(ev.until)) : '';
      return fillNamed((t as Record<string, string>)[key] ?? ev.status, { name: e.author.name, until });
    }
    // Label entries reach agents only too.
    if (ev.type === 'labels') return fillNamed((t as Record<string, string>)[`labels_${ev.action}`]!, { name: e.author.name, label: ev.label.name });
    // So do ratings; the guest sees theirs in the view.
    if (ev.type === 'rating') return [...fillNamed(t.rating, { name: e.author.name, score: ev.score }), ev.comment ? `: “${ev.comment}”` : ''];
    return fillNamed((t as Record<string, string>)[ev.type] ?? ev.type, { name: whoIn(ev) });
  };
  const isAtEnd = () => log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  let stuck = true;
  log.addEventListener('scroll', () => (stuck = isAtEnd()));
  const time = (at: string) => stamp(Date.parse(at));

  // Drawn once per file and moved into each redrawn timeline, so a picture never reloads or flickers.
  const fileNodes = new Map<string, HTMLElement>();
  const fileNode = (a: AttachmentView) => {
    const known = fileNodes.get(a.id);
    if (known) return known;
    const picture = inline(a.type);
    const img = picture ? h('img', { alt: a.name }) : null;
    // The box is known before the picture loads, so the timeline does not jump when it does.
    if (img && a.width && a.height) {
      img.style.aspectRatio = `${a.width} / ${a.height}`;
      // A length, not a percentage: in the shrink-to-fit bubble a percentage would count as nothing until it loads.
      img.style.width = `${Math.min(a.width, Math.round((THUMB_HEIGHT * a.width) / a.height))}px`;
    }
    // A picture whose size the server did not know grows the timeline as it loads.
    img?.addEventListener('load', () => stuck && (log.scrollTop = log.scrollHeight));
    const link = img
      ? h('a', { class: 'db-thumb', target: '_blank', rel: 'noopener', 'aria-label': fill(t.openImage, { name: a.name }) }, img)
      : h('a', { class: 'db-file', download: a.name, 'aria-label': `${fill(t.downloadFile, { name: a.name })} (${sizeText(a.size)}, ${typeText(a.name, a.type)})` },
          h('span', { class: 'db-file-name' }, named(a.name)),
          h('span', { class: 'db-file-meta' }, `${sizeText(a.size)} · ${typeText(a.name, a.type)}`));
    // Signed URLs last 10 minutes: one about to expire is asked again before it is followed.
    const refresh = () => chat.fileUrl(a.id).then((url) => {
      if (link.getAttribute('href') !== url) link.href = url;
      if (img && img.getAttribute('src') !== url) img.src = url;
    }, () => {});
    refresh();
    link.addEventListener('pointerenter', refresh);
    link.addEventListener('focus', refresh);
    fileNodes.set(a.id, link);
    return link;
  };
  const files = (list: AttachmentView[] | undefined) => (list?.length ? [h('div', { class: 'db-files' }, ...list.map(fileNode))] : []);
  // Progress bars of the files being sent, updated in place on each `progress`.
  const bars = new Map<Upload, HTMLProgressElement>();
  const uploads = (list: Upload[] | undefined) =>
    list?.length
      ? [h('ul', { class: 'db-uploads' }, ...list.map((f) => {
          const bar = h('progress', { max: String(f.file.size || 1), value: String(f.loaded), 'aria-label': fill(t.uploading, { name: f.name }) });
          bars.set(f, bar);
          return h('li', {}, h('span', { class: 'db-file-name' }, named(f.name)), bar);
        }))]
      : [];

  const offerCard = offerCards(chat, t);
  const renderLog = () => {
    const atEnd = isAtEnd();
    const items: HTMLElement[] = [];
    // No "How can we help?" over a chat that cannot take a message.
    if ((greeting || !chat.entries.length) && !chat.refused) items.push(h('li', { class: 'db-hello' }, greeting || t.greeting));
    const note = (by: string, body: string, meta: string, attrs: Record<string, string>) =>
      h('li', { class: 'db-note', ...attrs },
        h('span', { class: 'db-by' }, lock(), ' ', h('span', { class: 'db-note-label' }, 'Note'), ` · ${by}`),
        body,
        h('span', { class: 'db-meta' }, meta));
    for (const e of chat.entries) {
      if (e.event?.type === 'offer') {
        items.push(offerCard(e));
        continue;
      }
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
          ...files(e.attachments),
          h('span', { class: 'db-meta' }, time(e.at))),
      );
    }
    bars.clear();
    for (const p of chat.pending) {
      if (p.note) {
        items.push(note('you', p.text, t.sending, { 'data-client-id': p.clientId, class: 'db-note db-pending' }));
        continue;
      }
      items.push(h('li', { class: 'db-msg db-mine db-pending', 'data-client-id': p.clientId }, p.text, ...uploads(p.files), h('span', { class: 'db-meta' }, t.sending)));
    }
    log.replaceChildren(...items);
    if (atEnd || chat.pending.length) log.scrollTop = log.scrollHeight;
  };

  const renderHead = () => {
    const card = chat.card ?? o.card;
    title.replaceChildren(named(chat.view?.title ?? card.name));
    img.hidden = !chat.view && card.avatarUrl === undefined;
    img.src = avatar(chat.base, chat.view ? chat.view.avatarUrl : card.avatarUrl ?? null);
    intro.hidden = !!chat.guest;
    prechat.element.hidden = !!chat.conversationId || !formOf?.fields.length;
    // A refused or unknown target cannot take messages: no composer to type into in vain.
    form.hidden = chat.state === 'closed' || chat.refused;
    hint.hidden = chat.problem?.kind !== 'not_allowed' || !/^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname);
  };
  const renderState = () => {
    status.dataset.state = chat.state;
    status.textContent = chat.state === 'online' ? (chat.view?.participants.some((p) => p.kind === 'agent' && p.online) ? t.online : '') : connectionText(t, chat);
  };
  const renderError = ticking(
    () => {
      if (chat.error !== 'rate_limited') return;
      alert.textContent = chat.limitedUntil > Date.now() ? fill(t.statesRateLimited, { s: secondsUntil(chat.limitedUntil) }) : '';
    },
    () => (chat.error === 'rate_limited' ? chat.limitedUntil : 0),
  );

  chat.on((what) => {
    if (what === 'entries') renderLog();
    if (what === 'progress') for (const [f, bar] of bars) bar.value = f.loaded;
    if (what === 'view' || what === 'guest') renderHead(), renderLog(), renderState(), renderRating();
    if (what === 'state') renderState(), renderHead();
    if (what === 'card' && chat.card) applyCard(chat.card);
    if (what === 'card') renderHead(), renderLog();
    if (what === 'error') renderError();
    if (what === 'typing') typing.replaceChildren(...[...chat.typing.values()].flatMap((n, i) => [...(i ? [' '] : []), ...fillNamed(t.typing, { name: n })]));
    if (what === 'error' && !chat.error) alert.textContent = '';
    if (what === 'error' && (chat.error === 'already_rated' || chat.error === 'rating_closed')) alert.textContent = fill(t.rateFailed, { code: chat.error });
  });
  applyCard(chat.card ?? o.card);
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
