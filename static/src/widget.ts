// The embeddable widget: <script src="https://HOST/widget.js" data-service="sales" async></script>
// (or data-agent="alice"); data-color, data-position (left|right), data-offset-x/-y, data-greeting,
// data-lang, data-sound, data-user-token (a logged-in visitor: widget-identity.ts). The launcher is drawn at once and the card read after: the page sees the
// bubble before any answer (or any word of another language), and the panel shows what went wrong when none comes (docs/widget.md).
// Everything lives in a shadow root under a host element reset with `all: initial`, so the
// host page's CSS does not reach in and ours does not reach out. It talks to the server the
// script came from.
import { ConversationClient } from './chat-client';
import { chatView, h } from './chat-view';
import { useLanguage } from './dates';
import { chatEn, fill, loadChatStrings, pickLang, type ChatStrings } from './i18n';
import { installApi } from './widget-api';
import { identityQueue } from './widget-identity';
import { chime, previewBubble } from './widget-preview';

/** A `data-offset-*` in px (a number, optionally with px), kept on screen; anything else is null (the default). */
const offset = (value: string | undefined): number | null =>
  /^\s*\d{1,4}(\.\d+)?(px)?\s*$/.test(value ?? '') ? Math.min(400, Math.round(parseFloat(value!))) : null;

const CHAT_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
const CLOSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z"/></svg>';

async function mount(script: HTMLScriptElement) {
  const base = new URL(script.src).origin;
  const d = script.dataset;
  // Before any await: the page may call Doorbell.identify as soon as this script has run.
  const identified = identityQueue(d.userToken);
  const target = d.agent ? { kind: 'agent' as const, slug: d.agent } : { kind: 'service' as const, slug: d.service ?? '', widget: true };
  const lang = pickLang(d.lang, ...navigator.languages);
  useLanguage(lang);
  // English is built in; another language's words are one small JSON file, which the launcher
  // does not wait for: it is labelled in English until they come. The panel and the preview
  // bubble are all words, so they are drawn once the words are there (a click meanwhile opens
  // the panel then).
  const words = loadChatStrings(base, lang);
  let t: ChatStrings = chatEn;
  // The panel's styles (most of the widget's) come after: the launcher needs none of them, and
  // the first load stays in budget (docs/widget.md "Loading"). A constructable sheet takes the
  // text under a strict CSP as it took it bundled.
  const panelCss = fetch(`${base}/assets/chat.css`).then((r) => (r.ok ? r.text() : ''), () => '');
  const color = /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(d.color ?? '') ? d.color! : '#245bdb';
  const left = d.position === 'left';
  // Given offsets hold on phones too (the footer is there too); the defaults are tighter there.
  const [ox, oy] = [offset(d.offsetX), offset(d.offsetY)];
  const [x, y] = [ox ?? 20, oy ?? 20];

  const host = document.createElement('doorbell-widget');
  // Through CSSOM, not a style attribute or a <style> element: a page whose CSP forbids inline
  // styles (style-src without 'unsafe-inline') still lets scripts set these.
  host.style.cssText = 'all:initial !important;display:block !important';
  const shadow = host.attachShadow({ mode: 'open' });
  const side = left ? 'left' : 'right';
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`:host{all:initial}
.w{position:fixed;bottom:${y}px;${side}:${x}px;z-index:2147483000;display:flex;flex-direction:column;align-items:${left ? 'flex-start' : 'flex-end'};gap:12px;font:14px system-ui,sans-serif}
.w .db{--db-accent:${color}}
.p{width:360px;height:520px;max-height:calc(100vh - ${y + 90}px);max-width:calc(100vw - 40px);border-radius:14px;overflow:hidden;box-shadow:0 12px 40px rgba(16,24,40,.25)}
.p[hidden],.v[hidden]{display:none}
.l{position:relative;width:56px;height:56px;border-radius:50%;border:0;background:${color};color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(16,24,40,.3);display:grid;place-items:center;padding:0}
.l:focus-visible{outline:3px solid ${color};outline-offset:3px}
.l .i{display:contents}.l svg{width:26px;height:26px;fill:currentColor}
.b{position:absolute;top:-4px;${side}:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#d92d20;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center}
.b[hidden]{display:none}
.k{display:block;padding:8px 12px;text-align:center;font-size:13px;color:${color};background:#fff;border-top:1px solid #e4e7ec}
.v{position:relative;max-width:260px;background:#fff;color:#1d2430;border-radius:12px;box-shadow:0 6px 24px rgba(16,24,40,.22);font:14px/1.4 system-ui,sans-serif}
.vo{display:block;width:100%;border:0;background:none;color:inherit;font:inherit;text-align:left;padding:10px 30px 10px 12px;cursor:pointer;border-radius:12px}
.vb{display:block;font-size:12px;font-weight:600;color:#5d6679;margin-bottom:2px}
.vt{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.vx{position:absolute;top:4px;right:4px;width:24px;height:24px;border:0;border-radius:50%;background:none;color:#5d6679;font-size:18px;line-height:1;cursor:pointer}
.vo:focus-visible,.vx:focus-visible{outline:2px solid ${color};outline-offset:2px}
@media (max-width:480px){.w{bottom:${oy ?? 12}px;${side}:${ox ?? 12}px}
.p{position:fixed;inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0;box-shadow:none;padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);background:${color}}
.p .db{border-radius:0}
.w.o .l{display:none}}`);

  const chat = new ConversationClient(base, target);
  chat.visible = false;
  chat.channel = 'widget';
  const panel = h('div', { class: 'p', hidden: true, role: 'dialog' });
  const badge = h('span', { class: 'b', hidden: true, 'aria-hidden': 'true' });
  const icon = h('span', { class: 'i' });
  const launcher = h('button', { class: 'l', type: 'button', 'aria-expanded': 'false', 'aria-label': t.open, onclick: () => toggle() }, icon, badge);
  // The panel (and its styles, most of the widget's) is made after the launcher's first frame,
  // or at once when opened before: the launcher waits for nothing but the script.
  let drawn = false;
  const drawPanel = () => {
    if (drawn) return;
    drawn = true;
    panel.setAttribute('aria-label', chat.card?.name ?? t.statesTitle);
    const panelSheet = new CSSStyleSheet();
    panelCss.then((css) => panelSheet.replaceSync(css));
    // First, so the widget's own rules (.w .db, .p .db) win over the panel's.
    shadow.adoptedStyleSheets = [panelSheet, sheet];
    // Neutral until the card names the service or agent: never its slug.
    const view = chatView(chat, { t, greeting: d.greeting, lang, card: { name: t.statesTitle }, onClose: () => toggle(false) });
    panel.append(view);
    if (target.kind === 'agent') view.append(h('a', { class: 'k', href: `${base}/u/${target.slug}/meet`, target: '_blank', rel: 'noopener' }, t.book));
  };
  let preview: ReturnType<typeof previewBubble> | null = null;
  const frame = h('div', { class: 'w', lang }, panel, launcher);
  const api = installApi({ open: () => toggle(true), close: () => toggle(false), toggle: () => toggle() });

  let ready = false;
  let openOnceReady = false;
  function toggle(wanted?: boolean) {
    if (!ready) return void (openOnceReady = wanted ?? !openOnceReady);
    const open = wanted ?? panel.hidden;
    if (open !== panel.hidden) return;
    drawPanel();
    panel.hidden = !open;
    chat.visible = open;
    frame.classList.toggle('o', open);
    launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      preview?.hide();
      chat.markRead();
      panel.querySelector<HTMLElement>('.db-form textarea, .db-form input')?.focus();
      const log = panel.querySelector('.db-log')!;
      log.scrollTop = log.scrollHeight;
    } else launcher.focus();
    renderBadge();
    api.emit(open ? 'open' : 'close', undefined);
  }
  let unread = 0;
  function renderBadge() {
    const n = chat.visible ? 0 : chat.unread;
    badge.hidden = !n;
    badge.textContent = String(n);
    icon.innerHTML = chat.visible ? CLOSE_ICON : CHAT_ICON;
    launcher.setAttribute('aria-label', (chat.visible ? t.close : t.open) + (n ? `, ${fill(t.unread, { n })}` : ''));
    if (n !== unread) api.emit('unread', (unread = n));
  }
  // Entries up to `seen` were there before (history, read by init()): only later ones from others are news.
  let seen = Infinity;
  const news = () => {
    const fresh = chat.entries.filter((e) => e.seq > seen && e.kind === 'message' && e.author.id !== chat.guest?.id);
    if (seen !== Infinity) seen = Math.max(seen, chat.lastSeq);
    for (const e of fresh) api.emit('message', { text: e.text ?? '', author: { name: e.author.name, kind: e.author.kind }, at: e.at });
    const last = fresh[fresh.length - 1];
    if (!last) return;
    if (panel.hidden) preview?.show(last);
    if (d.sound === 'on' && !(chat.visible && document.hasFocus())) chime();
  };
  chat.on((what) => {
    if (what === 'entries') renderBadge(), news();
    if (what === 'card' && chat.card) panel.setAttribute('aria-label', chat.card.name);
  });
  panel.addEventListener('keydown', (e) => e.key === 'Escape' && toggle(false));
  renderBadge();

  shadow.adoptedStyleSheets = [sheet];
  shadow.append(frame);
  if (!document.body) await new Promise((r) => addEventListener('DOMContentLoaded', r, { once: true }));
  document.body.append(host);
  const reading = chat.loadCard();
  // The panel never shows before its styles: a click that early opens it once they are in.
  [t] = await Promise.all([words, panelCss]);
  preview = previewBubble(t, () => toggle(true));
  launcher.before(preview.el);
  ready = true;
  renderBadge();
  if (openOnceReady) toggle(true);
  // After the next frame; a hidden tab draws none, so at most 100 ms later anyway.
  await new Promise((painted) => (requestAnimationFrame(() => setTimeout(painted)), setTimeout(painted, 100)));
  drawPanel();
  api.runQueued();
  const card = await reading;
  if (!card) return;
  chat.watchCard(card.availability);
  await chat.init();
  identified(chat);
  seen = chat.lastSeq;
  renderBadge();
}

// Last: mount() uses the constants above before its first await.
const script = document.currentScript as HTMLScriptElement | null;
if (script) mount(script);
