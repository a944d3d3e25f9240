// The composer's canned replies: typing `/` (at the start or after a space) opens a list of the
// organisation's and the agent's own replies, filtered by what follows the slash (shortcut or
// text). Up and Down move, Enter or Tab inserts the reply with its placeholders filled from the
// open conversation, Escape closes. The textarea keeps the focus and points at the active option
// (aria-activedescendant), as in the ARIA combobox pattern.
import { fillPlaceholders, type PlaceholderValues } from '../../src/canned/placeholders';
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';

export type CannedReply = { id: string; scope: 'organisation' | 'personal'; shortcut: string; text: string };

// The word being typed: a slash at the start of the text or after whitespace, then no space.
const TOKEN = /(?:^|\s)\/(\S*)$/;

let pickers = 0;

/** Adds the picker to `text`'s form; `values` says what fills the placeholders right now. */
export function attachCannedPicker(api: AgentApi, text: HTMLTextAreaElement, values: () => PlaceholderValues): void {
  const id = `canned-${++pickers}`;
  const list = h('ul', { class: 'canned-list', role: 'listbox', id, 'aria-label': 'Canned replies' });
  const note = h('p', { class: 'canned-note' });
  const announce = h('p', { class: 'sr', role: 'status' });
  const popup = h('div', { class: 'canned', hidden: true }, list, note);
  text.form!.append(popup, announce);
  text.setAttribute('aria-autocomplete', 'list');

  let replies: CannedReply[] | null = null;
  let loadError = '';
  let loading: Promise<void> | null = null;
  /** Where the slash of the word being completed is, and what follows it; null while closed. */
  let token: { start: number; query: string } | null = null;
  let matches: CannedReply[] = [];
  let active = 0;
  /** The slash Escape closed the list for: it stays closed until another slash is typed. */
  let dismissed = -1;
  /** Set while the picker itself changes the text: what it inserted does not reopen the list. */
  let inserting = false;

  const load = () =>
    (loading ??= api
      .call<{ cannedReplies: CannedReply[] }>('GET', '/api/canned-replies')
      .then(
        (r) => {
          replies = r.cannedReplies;
          loadError = '';
        },
        (err: unknown) => {
          loadError = messageOf(err);
        },
      )
      .finally(() => {
        loading = null;
        render();
      }));

  const filter = (query: string): CannedReply[] => {
    const q = query.toLowerCase();
    const rank = (r: CannedReply) => (r.shortcut.startsWith(q) ? 0 : r.shortcut.includes(q) ? 1 : r.text.toLowerCase().includes(q) ? 2 : 3);
    // The server's order (by shortcut) is kept within each rank.
    return (replies ?? []).map((r) => [rank(r), r] as const).filter(([k]) => k < 3).sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  };

  const optionId = (i: number) => `${id}-${i}`;

  function render() {
    if (!token) {
      popup.hidden = true;
      text.removeAttribute('aria-controls');
      text.removeAttribute('aria-activedescendant');
      announce.textContent = '';
      return;
    }
    matches = filter(token.query);
    active = Math.min(active, Math.max(0, matches.length - 1));
    const filled = values();
    list.replaceChildren(
      ...matches.map((r, i) =>
        h('li', {
          role: 'option',
          id: optionId(i),
          'aria-selected': String(i === active),
          class: 'canned-option',
          // Keeps the focus in the textarea, so a click inserts like Enter does.
          onmousedown: (e: MouseEvent) => e.preventDefault(),
          onclick: () => insert(r),
        },
        h('span', { class: 'canned-shortcut' }, `/${r.shortcut}`),
        h('span', { class: 'canned-scope' }, r.scope === 'personal' ? 'Mine' : 'Team'),
        h('span', { class: 'canned-text' }, fillPlaceholders(r.text, filled))),
      ),
    );
    note.textContent =
      replies === null ? (loadError ? `Canned replies could not be loaded: ${loadError}` : 'Loading canned replies…')
      : matches.length === 0 ? (replies.length === 0 ? 'No canned replies yet.' : `No canned reply matches “${token.query}”.`)
      : '';
    note.hidden = note.textContent === '';
    popup.hidden = false;
    text.setAttribute('aria-controls', id);
    if (matches.length) {
      text.setAttribute('aria-activedescendant', optionId(active));
      list.querySelector(`#${optionId(active)}`)?.scrollIntoView({ block: 'nearest' });
    } else text.removeAttribute('aria-activedescendant');
    announce.textContent = matches.length
      ? `${matches.length} canned ${matches.length === 1 ? 'reply' : 'replies'}: Up and Down to choose, Enter to insert, Escape to close.`
      : note.textContent;
  }

  /** Opens, follows or closes the list for the word at the caret. */
  function update() {
    if (inserting) return;
    const caret = text.selectionStart;
    const match = text.selectionEnd === caret ? TOKEN.exec(text.value.slice(0, caret)) : null;
    const start = match ? caret - match[1]!.length - 1 : -1;
    if (!match || start === dismissed) {
      if (!match) dismissed = -1;
      token = null;
      return render();
    }
    const opening = token === null || token.start !== start;
    token = { start, query: match[1]! };
    if (opening) {
      active = 0;
      // Shown from what was loaded before, and refreshed: another tab may have added one.
      void load();
    }
    render();
  }

  function close() {
    if (token) dismissed = token.start;
    token = null;
    render();
  }

  function insert(reply: CannedReply) {
    if (!token) return;
    text.setRangeText(fillPlaceholders(reply.text, values()), token.start, text.selectionStart, 'end');
    token = null;
    render();
    // The chat panel sends "typing" on input.
    inserting = true;
    text.dispatchEvent(new Event('input', { bubbles: true }));
    inserting = false;
  }

  text.addEventListener('input', update);
  text.addEventListener('blur', () => {
    token = null;
    render();
  });
  // Captured on the row around the textarea, so these keys never reach the panel's own
  // handler on the textarea (where Enter sends).
  text.parentElement!.addEventListener(
    'keydown',
    (e) => {
      if (e.target !== text || !token || e.isComposing) return;
      const move = (by: number) => {
        if (!matches.length) return;
        active = (active + by + matches.length) % matches.length;
        render();
      };
      const handled =
        e.key === 'ArrowDown' ? (move(1), true)
        : e.key === 'ArrowUp' ? (move(-1), true)
        : e.key === 'Escape' ? (close(), true)
        : (e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab' ? matches.length > 0 && (insert(matches[active]!), true)
        : false;
      if (handled) {
        e.preventDefault();
        e.stopPropagation();
      }
    },
    { capture: true },
  );
}
