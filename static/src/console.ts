// The agent console at /console: sign-in with an agent token, then two tabs, the live inbox
// with the open conversation, and the calendar. The address (#/c/{id}, #/calendar) says what
// is shown, so a reload or a shared link opens the same view.
import { h, named } from './chat-view';
import { AgentApi, messageOf, savedToken, saveToken, tokenExpiry, type Agent } from './console-api';
import { CalendarTab } from './console-calendar';
import { ConversationPane } from './console-conversation';
import { InboxList } from './console-inbox';
import { Notifications } from './console-notify';
import { PresenceControl } from './console-presence';
import { setPageTitle, setUnreadInTitle } from './console-title';
import { SearchBox } from './console-search';
import { formatDateTime } from './console-time';
import { chatCss } from './styles';

const app = document.getElementById('app')!;
const base = location.origin;
document.head.append(h('style', {}, chatCss));

function signInPage(notice?: string) {
  setUnreadInTitle(0);
  setPageTitle('Sign in · Doorbell console');
  const token = h('textarea', { id: 'token', name: 'token', rows: '4', required: true, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'token-hint' });
  const error = h('p', { class: 'error', role: 'alert' }, notice ?? '');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Doorbell agent console'),
    h('label', { for: 'token' }, 'Agent token'),
    token,
    h('small', { id: 'token-hint' }, 'Paste the JWT from your identity provider. In development: ', h('code', {}, 'npm run token -- alice'), '.'),
    error,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = token.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) return;
    button.disabled = true;
    error.textContent = '';
    try {
      await signIn(value);
    } catch (err) {
      error.textContent = `Sign-in failed: ${messageOf(err)}`;
      button.disabled = false;
      token.focus();
    }
  });
  token.addEventListener('keydown', (e) => e.key === 'Enter' && !e.shiftKey && (e.preventDefault(), form.requestSubmit()));
  app.replaceChildren(h('main', { class: 'signin-page' }, form));
  token.focus();
}

/** Checks the token with the server before keeping it; throws with the server's reason. */
async function signIn(token: string) {
  const exp = tokenExpiry(token);
  if (exp !== null && exp <= Date.now()) throw new Error(`this token expired on ${new Date(exp).toLocaleString()}. Get a new one.`);
  const api = new AgentApi(base, token);
  const me = await api.call<Agent>('GET', '/api/agents/me');
  saveToken(token);
  consolePage(api, me, exp);
}

let stopAll: () => void = () => {};

function signOut(notice?: string) {
  stopAll();
  for (const dialog of document.querySelectorAll('dialog')) dialog.close();
  saveToken(null);
  if (location.hash) history.replaceState(null, '', location.pathname);
  signInPage(notice);
}

function consolePage(api: AgentApi, me: Agent, exp: number | null) {
  setPageTitle('Doorbell console');
  api.onUnauthorized = (message) => signOut(`You were signed out: ${message}`);
  // The server refuses an expired token; sign out at that moment rather than on the next failure.
  const expiry = exp !== null && exp - Date.now() < 2 ** 31 ? setTimeout(() => signOut(`Your token expired at ${new Date(exp).toLocaleTimeString()}. Sign in with a new one.`), exp - Date.now()) : undefined;

  type Tab = 'inbox' | 'calendar';
  const tabButton = (tab: Tab, label: string) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${tab}`, 'aria-controls': `panel-${tab}`, 'aria-selected': 'false', tabindex: '-1', onclick: () => go(tab) }, label);
  const inboxTab = tabButton('inbox', 'Inbox');
  const unread = h('span', { class: 'badge', id: 'inbox-unread', hidden: true, 'aria-hidden': 'true' });
  inboxTab.append(unread);
  inboxTab.setAttribute('aria-describedby', unread.id);
  const calendarTab = tabButton('calendar', 'Calendar');
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Console sections', class: 'tabs' }, inboxTab, calendarTab);
  tablist.addEventListener('keydown', (e) => {
    // Arrow keys move between tabs (the ARIA tabs pattern); Tab leaves the list.
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const next = e.key === 'Home' ? 'inbox' : e.key === 'End' ? 'calendar' : current === 'inbox' ? 'calendar' : 'inbox';
    go(next);
    (next === 'inbox' ? inboxTab : calendarTab).focus();
  });

  const validUntil = exp === null ? '' : ` · signed in until ${formatDateTime(new Date(exp).toISOString(), Intl.DateTimeFormat().resolvedOptions().timeZone)}`;
  const who = `${me.email} · ${me.license}${validUntil}`;
  const avatar = h('img', { src: me.avatarUrl ?? '/avatars/sales.svg', alt: '', width: '28', height: '28' });
  const notifications = new Notifications(api, (id) => (location.hash = `#/c/${id}`));
  const presence = new PresenceControl(api);
  const header = h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, 'Doorbell'),
    tablist,
    h('div', { class: 'me' }, avatar, h('span', { class: 'me-name', title: who }, named(me.name))),
    presence.element,
    notifications.button,
    h('button', { type: 'button', class: 'signout', onclick: () => signOut('You signed out.') }, 'Sign out'),
  );

  const pane = new ConversationPane(api, me, () => (location.hash = '#/inbox'));
  // While results are shown they take the inbox list's place.
  const search = new SearchBox(api, (active) => inbox.element.classList.toggle('searching', active));
  const inbox = new InboxList(api, {
    unread: (n) => {
      unread.hidden = n === 0;
      unread.textContent = n ? String(n) : '';
      unread.setAttribute('aria-label', `${n} unread`);
      setUnreadInTitle(n);
    },
    arrived: (item) => notifications.arrived(item),
    connected: () => void notifications.load().then(() => notifications.settings && presence.settings(notifications.settings)),
    settings: (s) => (notifications.apply(s), presence.settings(s)),
    presence: (view) => presence.apply(view),
  }, search);
  const calendar = new CalendarTab(api, me);
  const inboxPanel = h('section', { role: 'tabpanel', id: 'panel-inbox', 'aria-labelledby': 'tab-inbox', class: 'inbox-layout' }, inbox.element, pane.element);
  const calendarPanel = h('section', { role: 'tabpanel', id: 'panel-calendar', 'aria-labelledby': 'tab-calendar', hidden: true }, calendar.element);
  app.replaceChildren(header, h('main', { class: 'console' }, inboxPanel, calendarPanel));

  let current: Tab = 'inbox';
  const go = (tab: Tab) => {
    const hash = tab === 'calendar' ? '#/calendar' : pane.id ? `#/c/${pane.id}` : '#/inbox';
    if (location.hash !== hash) location.hash = hash;
    else route();
  };
  const route = () => {
    // #/c/{id}/m/{seq} (a search result) opens the conversation at that message.
    const [, kind, id, part, seq] = location.hash.split('/');
    const target = part === 'm' && /^\d+$/.test(seq ?? '') ? Number(seq) : null;
    const tab: Tab = kind === 'calendar' ? 'calendar' : 'inbox';
    current = tab;
    for (const [t, button, panel] of [['inbox', inboxTab, inboxPanel], ['calendar', calendarTab, calendarPanel]] as const) {
      button.setAttribute('aria-selected', String(t === tab));
      button.tabIndex = t === tab ? 0 : -1;
      panel.hidden = t !== tab;
    }
    if (tab === 'calendar') return calendar.start();
    if (kind === 'c' && id) {
      if (id !== pane.id || pane.lost) pane.open(id, target);
      else if (target !== null) pane.reveal(target);
    } else pane.close();
  };
  pane.onChange = () => {
    inbox.setActive(pane.id);
    inboxPanel.classList.toggle('has-conversation', !!pane.id);
  };
  addEventListener('hashchange', route);
  inbox.start();
  presence.start();
  route();

  stopAll = () => {
    clearTimeout(expiry);
    removeEventListener('hashchange', route);
    inbox.stop();
    presence.stop();
    pane.close();
    calendar.stop();
  };
}

async function boot() {
  const token = savedToken();
  if (!token) return signInPage();
  try {
    await signIn(token);
  } catch (err) {
    saveToken(null);
    signInPage(`Please sign in again: ${messageOf(err)}`);
  }
}

boot().catch((err) => signInPage(messageOf(err)));
