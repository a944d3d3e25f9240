// The chat pages: /s/{service} (the service's chat) and /u/{agent} (the agent's contact-me
// page: name, avatar, start a conversation, book a meeting).
import { ConversationClient, type Target } from './chat-client';
import { replyLine, statusLine } from './chat-status';
import { chatView, h, named, type ViewOptions } from './chat-view';
import { guestExport } from './guest-export';
import { avatar, base, lang, notFound, t, main } from './page';

/** Puts a chat with `target` into `into` and connects it; used by the invite page too. */
export async function openChat(chat: ConversationClient, c: ViewOptions['card'], into: HTMLElement, start = () => chat.init()) {
  const view = chatView(chat, { t, card: c, lang });
  into.replaceChildren(view);
  if (!into.nextElementSibling?.matches('.export')) into.after(guestExport(t, chat));
  await start();
  view.querySelector<HTMLElement>('.db-form input:not([hidden]), .db-form textarea')?.focus();
  return chat;
}

export async function servicePage(slug: string) {
  const box = h('div', { class: 'chat' });
  main.replaceChildren(box);
  const chat = new ConversationClient(base, { kind: 'service', slug });
  // The client reads the card, again while the server does not answer, and the panel shows
  // that under a neutral title meanwhile; no such service is the page's "not found".
  await openChat(chat, { name: t.statesTitle }, box, async () => {
    const c = await chat.loadCard();
    if (!c) return notFound();
    document.title = `${c.name} · Doorbell`;
    chat.watchCard(c.availability);
    await chat.init();
  });
}

export async function contactPage(slug: string) {
  const target: Target = { kind: 'agent', slug };
  // One client from the start: it reads the card (the status line says why while it cannot),
  // and the card's reply line follows it before the chat is opened too.
  const chat = new ConversationClient(base, target);
  main.replaceChildren(h('section', { class: 'card' }, statusLine(t, chat)));
  const c = await chat.loadCard();
  if (!c) return notFound();
  document.title = `${c.name} · Doorbell`;
  const box = h('div', { class: 'chat', hidden: true });
  const start = h('button', { class: 'button', type: 'button' }, t.start);
  chat.watchCard(c.availability);
  const open = () => {
    start.hidden = true;
    box.hidden = false;
    return openChat(chat, c, box);
  };
  start.addEventListener('click', open);
  main.replaceChildren(
    h('section', { class: 'card' }, avatar(c), h('h1', {}, named(c.name)), replyLine(t, chat), h('div', { class: 'actions' }, start, h('a', { class: 'button secondary', href: `/u/${slug}/meet` }, t.book))),
    box,
  );
  // A guest who comes back sees their conversation straight away (C2).
  if (localStorage.getItem(`doorbell:${base}:conversation:agent:${slug}`)) await open();
}
