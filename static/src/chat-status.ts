// The guest's one status line under the panel's title: what stops the chat (the card refused or
// unreachable), else the connection when it is not live, else how soon a reply may come. One
// line, so "Online" and "We'll reply by email" are never shown side by side.
// (Without chat-view's `h`: that file draws this line, and imports go one way.)
import type { ConversationClient } from './chat-client';
import { hoursUi } from './chat-hours';
import { fill, type ChatStrings } from './i18n';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, ...children: Node[]) => {
  const e = document.createElement(tag);
  e.className = className;
  e.append(...children);
  return e;
};

/**
 * How soon a reply may come (docs/rules.md "Availability", "Business hours"): the card's hours
 * and the client's `availability`, live; `hint`, the intro's line asking for the email while
 * nobody can answer now.
 */
export function replyLine(t: ChatStrings, chat: ConversationClient, hint?: HTMLElement): HTMLElement {
  const line = el('p', 'db-reply');
  line.hidden = true;
  hoursUi(t, chat, line, hint);
  return line;
}

/** Seconds left until `at` (epoch ms), at least 1 while it is ahead. */
export const secondsUntil = (at: number) => Math.max(1, Math.ceil((at - Date.now()) / 1000));

/**
 * Calls `render` now and once a second while `until()` is ahead, so a "retrying in N s" counts
 * down; it stops by itself when the moment passes.
 */
export function ticking(render: () => void, until: () => number): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  return () => {
    render();
    if (timer || until() <= Date.now()) return;
    timer = setInterval(() => {
      render();
      if (until() <= Date.now()) (clearInterval(timer), (timer = undefined));
    }, 1000);
  };
}

/** The connection's word when it is not live (shared with the console's header). */
export function connectionText(t: ChatStrings, chat: ConversationClient): string {
  if (chat.state === 'connecting') return t.connecting;
  if (chat.state === 'offline') return fill(t.offline, { s: chat.retryAt ? secondsUntil(chat.retryAt) : chat.retryIn });
  if (chat.state === 'closed') return t.closed;
  return '';
}

/** Why the card could not be read, in the guest's words; '' when it was. */
export function problemText(t: ChatStrings, chat: ConversationClient): string {
  const p = chat.problem;
  if (!p) return '';
  const s = p.retryAt ? secondsUntil(p.retryAt) : 0;
  if (p.kind === 'not_allowed') return t.statesNotAllowed;
  if (p.kind === 'unreachable') return fill(t.statesUnreachable, { s });
  if (p.kind === 'rate_limited') return fill(t.statesRateLimited, { s });
  return p.retryAt ? fill(t.statesUnavailableRetrying, { s }) : t.statesUnavailable;
}

export function statusLine(t: ChatStrings, chat: ConversationClient, hint?: HTMLElement): HTMLElement {
  const text = el('span', 'db-state');
  const reply = el('div', '', replyLine(t, chat, hint));
  const line = el('div', 'db-status', text, reply);
  line.setAttribute('role', 'status');
  const render = ticking(
    () => {
      const problem = problemText(t, chat);
      line.dataset.state = chat.problem ? 'problem' : chat.state;
      text.textContent = problem || connectionText(t, chat);
      text.hidden = !text.textContent;
      // How soon a reply may come is said only while nothing stands in the way.
      reply.hidden = !!text.textContent;
    },
    () => chat.problem?.retryAt ?? (chat.state === 'offline' ? chat.retryAt : 0),
  );
  chat.on((what) => (what === 'state' || what === 'card' || what === 'view') && render());
  render();
  return line;
}
