// Search in the inbox header (docs/console.md, "Search"): the agent's words go to
// GET /api/search as typed; the results replace the inbox list until the search is cleared.
// The inbox's filters (status, service, label, assignee) apply to it too, with a date range of
// its own. Snippets are user text: they are drawn with text nodes, the matched words in <mark>.
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
import { formatWhen } from './console-time';

type Result = {
  conversationId: string;
  seq: number;
  title: string;
  author: { kind: 'guest' | 'agent' | 'system'; name: string };
  at: string;
  agentsOnly: boolean;
  snippet: { text: string; highlights: Array<[number, number]> };
};

/** Typing pauses this long before a search goes out. */
const DEBOUNCE_MS = 250;

/** The snippet as text nodes, the highlighted ranges in <mark>. */
export function snippetNodes(snippet: Result['snippet']): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    if (start < at || end <= start) continue;
    if (start > at) nodes.push(document.createTextNode(snippet.text.slice(at, start)));
    nodes.push(h('mark', {}, snippet.text.slice(start, end)));
    at = end;
  }
  if (at < snippet.text.length) nodes.push(document.createTextNode(snippet.text.slice(at)));
  return nodes;
}

/** Where a result leads: the conversation, scrolled to the message (see ConversationPane.open). */
export const resultHash = (r: { conversationId: string; seq: number }) => `#/c/${r.conversationId}/m/${r.seq}`;

export class SearchBox {
  readonly form: HTMLFormElement;
  readonly results: HTMLElement;
  private input = h('input', { type: 'search', id: 'search', name: 'q', placeholder: 'Search messages', autocomplete: 'off', maxlength: '200', 'aria-controls': 'search-results' });
  private list = h('ul', { class: 'search-list', 'aria-label': 'Search results' });
  private note = h('p', { class: 'search-note', role: 'status' });
  private timer: ReturnType<typeof setTimeout> | undefined;
  private from = h('input', { type: 'date', id: 'search-from', name: 'from' });
  private to = h('input', { type: 'date', id: 'search-to', name: 'to' });
  // Answers can come back out of order: only the latest query's is shown.
  private asked = 0;
  private filters: () => Record<string, string> = () => ({});

  /** `onActive(true)` while results are shown instead of the inbox. */
  constructor(private api: AgentApi, private onActive: (active: boolean) => void) {
    const dates = h(
      'div',
      { class: 'search-dates' },
      h('label', { for: 'search-from' }, 'From'),
      this.from,
      h('label', { for: 'search-to' }, 'To'),
      this.to,
    );
    this.form = h('form', { class: 'search', role: 'search', 'aria-label': 'Search messages' }, h('label', { for: 'search', class: 'sr' }, 'Search messages'), this.input, dates);
    for (const input of [this.from, this.to]) input.addEventListener('change', () => this.refilter());
    this.results = h('section', { class: 'search-results', id: 'search-results', 'aria-label': 'Search results', hidden: true }, this.note, this.list);
    this.form.addEventListener('submit', (e) => (e.preventDefault(), clearTimeout(this.timer), this.run()));
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(), DEBOUNCE_MS);
    });
    this.input.addEventListener('keydown', (e) => e.key === 'Escape' && this.clear());
  }

  /** Where the filters besides the words and dates come from (the inbox's). */
  useFilters(filters: () => Record<string, string>) {
    this.filters = filters;
  }

  /** The filters changed: a search shown runs again with them. */
  refilter() {
    if (this.input.value.trim()) void this.run();
  }

  clear() {
    clearTimeout(this.timer);
    this.asked += 1;
    this.input.value = '';
    this.show(false);
  }

  private show(active: boolean) {
    this.results.hidden = !active;
    this.onActive(active);
  }

  private async run() {
    const q = this.input.value.trim();
    const asked = ++this.asked;
    if (!q) return this.show(false);
    this.show(true);
    this.note.textContent = 'Searching…';
    try {
      const dates = Object.fromEntries(Object.entries({ from: this.from.value, to: this.to.value }).filter(([, v]) => v));
      const { results } = await this.api.call<{ results: Result[] }>('GET', `/api/search?${new URLSearchParams({ q, ...this.filters(), ...dates })}`);
      if (asked !== this.asked) return;
      this.note.textContent = results.length ? `${results.length} ${results.length === 1 ? 'match' : 'matches'}, best first` : 'No messages match.';
      this.list.replaceChildren(...results.map((r) => h('li', {}, this.link(r))));
    } catch (err) {
      if (asked !== this.asked) return;
      // Only punctuation or operators: the server says there is nothing to search for.
      this.note.textContent = messageOf(err);
      this.list.replaceChildren();
    }
  }

  private link(r: Result): HTMLAnchorElement {
    return h(
      'a',
      { href: resultHash(r), class: 'result', 'data-conversation': r.conversationId, 'data-seq': String(r.seq) },
      h('span', { class: 'result-head' }, h('span', { class: 'result-title' }, r.title), h('time', { datetime: r.at }, formatWhen(r.at))),
      h('span', { class: 'result-by' }, r.author.name, r.agentsOnly ? h('span', { class: 'tag' }, 'agents only') : ''),
      h('span', { class: 'result-snippet' }, ...snippetNodes(r.snippet)),
    );
  }
}
