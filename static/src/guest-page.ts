// The guest pages, one script for every path the Worker does not answer itself:
//   /s/{service}      the service's chat page
//   /u/{agent}        the agent's contact-me page: name, avatar, start a conversation, book a meeting
//   /u/{agent}/meet   booking (placeholder until the meeting pages land)
import { GuestChat, type Target } from './chat-client';
import { chatView, h } from './chat-view';
import { strings } from './i18n';
import { chatCss } from './styles';

const t = strings(document.documentElement.lang || navigator.language);
const base = location.origin;
const main = document.querySelector('main')!;
document.head.append(h('style', {}, chatCss));

type Card = { slug: string; name: string; avatarUrl: string | null };
const card = (kind: string, slug: string): Promise<Card | null> =>
  fetch(`/api/public/${kind}/${encodeURIComponent(slug)}`).then((r) => (r.ok ? r.json() : null), () => null);

function notFound() {
  document.title = 'Doorbell';
  main.replaceChildren(h('p', { class: 'notice' }, t.notFound));
}

async function openChat(target: Target, c: Card, into: HTMLElement) {
  const chat = new GuestChat(base, target);
  const view = chatView(chat, { t, card: c });
  into.replaceChildren(view);
  await chat.init();
  view.querySelector<HTMLElement>('input:not([hidden]), textarea')?.focus();
  return chat;
}

async function route() {
  const [kind, slug, sub, ...rest] = location.pathname.split('/').filter(Boolean);
  if (!slug || rest.length || (kind !== 's' && kind !== 'u') || (sub && !(kind === 'u' && sub === 'meet'))) return notFound();
  const c = await card(kind === 's' ? 'services' : 'agents', slug);
  if (!c) return notFound();
  document.title = `${c.name} · Doorbell`;
  const avatar = h('img', { class: 'avatar', src: c.avatarUrl ?? '/avatars/sales.svg', alt: '', width: '72', height: '72' });

  if (kind === 's') {
    const box = h('div', { class: 'chat' });
    main.replaceChildren(box);
    await openChat({ kind: 'service', slug }, c, box);
    return;
  }
  if (sub === 'meet') {
    main.replaceChildren(h('section', { class: 'card' }, avatar, h('h1', {}, c.name), h('p', {}, t.meetSoon), h('a', { class: 'button secondary', href: `/u/${slug}` }, t.back)));
    return;
  }
  const box = h('div', { class: 'chat', hidden: true });
  const start = h('button', { class: 'button', type: 'button' }, t.start);
  const target: Target = { kind: 'agent', slug };
  const open = () => {
    start.hidden = true;
    box.hidden = false;
    return openChat(target, c, box);
  };
  start.addEventListener('click', open);
  main.replaceChildren(
    h('section', { class: 'card' }, avatar, h('h1', {}, c.name), h('div', { class: 'actions' }, start, h('a', { class: 'button secondary', href: `/u/${slug}/meet` }, t.book))),
    box,
  );
  // A guest who comes back sees their conversation straight away (C2).
  if (localStorage.getItem(`doorbell:${base}:conversation:agent:${slug}`)) await open();
}

route();
