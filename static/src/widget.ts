// The embeddable widget: <script src="https://HOST/widget.js" data-service="sales" async></script>
// (or data-agent="alice"); data-color, data-position (left|right), data-greeting, data-lang,
// data-user-token (a logged-in visitor: widget-identity.ts); docs/widget.md.
// Everything lives in a shadow root under a host element reset with `all: initial`, so the
// host page's CSS does not reach in and ours does not reach out. It talks to the server the
// script came from.
import { ConversationClient } from './chat-client';
import { chatView, h } from './chat-view';
import { useLanguage } from './dates';
import { fill, greetingIn, loadStrings, pickLang } from './i18n';
import { chatCss } from './styles';
import { identityQueue } from './widget-identity';

const script = document.currentScript as HTMLScriptElement | null;
if (script) mount(script);

async function mount(script: HTMLScriptElement) {
  const base = new URL(script.src).origin;
  const d = script.dataset;
  // Before any await: the page may call Doorbell.identify as soon as this script has run.
  const identified = identityQueue(d.userToken);
  const target = d.agent ? { kind: 'agent' as const, slug: d.agent } : { kind: 'service' as const, slug: d.service ?? '', widget: true };
  const lang = pickLang(d.lang, ...navigator.languages);
  useLanguage(lang);
  const color = /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(d.color ?? '') ? d.color! : '#245bdb';
  const left = d.position === 'left';

  // Side by side: a language other than English costs no extra wait before the first paint.
  const [t, card] = await Promise.all([
    loadStrings(base, lang),
    fetch(`${base}/api/public/${target.kind}s/${target.slug}`).then((r) => (r.ok ? r.json() : null), () => null),
  ]);
  const host = document.createElement('doorbell-widget');
  // Through CSSOM, not a style attribute or a <style> element: a page whose CSP forbids inline
  // styles (style-src without 'unsafe-inline') still lets scripts set these.
  host.style.cssText = 'all:initial !important;display:block !important';
  const shadow = host.attachShadow({ mode: 'open' });
  const side = left ? 'left' : 'right';
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:host{all:initial}${chatCss}
.w{position:fixed;bottom:20px;${side}:20px;z-index:2147483000;display:flex;flex-direction:column;align-items:${left ? 'flex-start' : 'flex-end'};gap:12px;font:14px system-ui,sans-serif}
.w .db{--db-accent:${color}}
.p{width:360px;height:520px;max-height:calc(100vh - 110px);max-width:calc(100vw - 40px);border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(16,24,40,.25)}
.p[hidden]{display:none}
.l{position:relative;width:56px;height:56px;border-radius:50%;border:0;background:${color};color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(16,24,40,.3);display:grid;place-items:center;padding:0}
.l:focus-visible{outline:3px solid ${color};outline-offset:3px}
.l svg{width:26px;height:26px;fill:currentColor}
.b{position:absolute;top:-4px;${left ? 'left' : 'right'}:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d92d20;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}
.b[hidden]{display:none}
.k{display:block;padding:8px 12px;text-align:center;font-size:13px;color:${color};background:#fff;border-top:1px solid #e4e7ec}
@media (max-width:480px){.p{width:calc(100vw - 24px);height:calc(100vh - 100px)}.w{bottom:12px;${side}:12px}}`);

  const chat = new ConversationClient(base, target);
  chat.visible = false;
  chat.channel = 'widget';
  chat.watchCard(card?.availability);
  const panel = h('div', { class: 'p', hidden: true, role: 'dialog', 'aria-label': card?.name ?? 'Chat' });
  const badge = h('span', { class: 'b', hidden: true, 'aria-hidden': 'true' });
  const launcher = h('button', { class: 'l', type: 'button', 'aria-expanded': 'false', 'aria-label': t.open, onclick: () => toggle() }, badge);
  launcher.insertAdjacentHTML('afterbegin', '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>');
  const view = chatView(chat, { t, greeting: d.greeting || greetingIn(card?.greetings, lang), card: card ?? { name: target.slug, avatarUrl: null }, onClose: () => toggle(false) });
  panel.append(view);
  if (target.kind === 'agent') view.append(h('a', { class: 'k', href: `${base}/u/${target.slug}/meet`, target: '_blank', rel: 'noopener' }, t.book));

  function toggle(open = panel.hidden) {
    panel.hidden = !open;
    chat.visible = open;
    launcher.setAttribute('aria-expanded', String(open));
    launcher.setAttribute('aria-label', open ? t.close : t.open);
    if (open) {
      chat.markRead();
      panel.querySelector<HTMLElement>('.db-form textarea, .db-form input')?.focus();
      const log = panel.querySelector('.db-log')!;
      log.scrollTop = log.scrollHeight;
    } else launcher.focus();
    renderBadge();
  }
  function renderBadge() {
    const n = chat.visible ? 0 : chat.unread;
    badge.hidden = !n;
    badge.textContent = String(n);
    launcher.setAttribute('aria-label', (chat.visible ? t.close : t.open) + (n ? `, ${fill(t.unread, { n })}` : ''));
  }
  chat.on((what) => what === 'entries' && renderBadge());
  panel.addEventListener('keydown', (e) => e.key === 'Escape' && toggle(false));

  shadow.adoptedStyleSheets = [sheet];
  shadow.append(h('div', { class: 'w', lang }, panel, launcher));
  if (!document.body) await new Promise((r) => addEventListener('DOMContentLoaded', r, { once: true }));
  document.body.append(host);
  await chat.init();
  identified(chat);
  renderBadge();
}
