// "Your data" under the guest's chat (docs/privacy.md "The guest themself"): everything held
// about them as one JSON file, downloaded in this session with their token, or a link emailed
// to the address they gave. Shown once there is a guest: before that nothing is held.
import { ApiError, type ConversationClient } from './chat-client';
import { h } from './chat-view';
import { fill, type Strings } from './i18n';

/** Saves `data` as a file, as a link with `download` would: the export is already in hand, no second request. */
function save(data: unknown, name: string) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // The browser has read the blob once the click's download started; a minute is ample.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function failure(t: Strings, e: unknown): string {
  if (!(e instanceof ApiError)) return t.exportFailed;
  if (e.code === 'rate_limited') return fill(t.exportLimited, { m: Math.max(1, Math.ceil((e.retryAfter ?? 60) / 60)) });
  if (e.code === 'email_send_failed') return t.exportEmailFailed;
  if (e.code === 'network') return t.networkError;
  return t.exportFailed;
}

export function guestExport(t: Strings, chat: ConversationClient): HTMLElement {
  const status = h('p', { class: 'export-status', role: 'status' });
  const download = h('button', { class: 'button secondary', type: 'button' }, t.exportDownload);
  const email = h('button', { class: 'button secondary', type: 'button', hidden: true }, t.exportEmail);
  const box = h('section', { class: 'card export', 'aria-labelledby': 'export-title', hidden: true }, h('h2', { id: 'export-title' }, t.exportTitle), h('p', {}, t.exportHint), h('div', { class: 'actions' }, download, email), status);

  /** Runs `work` with its button disabled, saying what happens in the status line. */
  const act = (button: HTMLButtonElement, work: () => Promise<string>) =>
    button.addEventListener('click', async () => {
      button.disabled = true;
      status.textContent = t.exportPreparing;
      status.textContent = await work().catch((e: unknown) => failure(t, e));
      button.disabled = false;
    });
  act(download, async () => {
    save(await chat.api('GET', '/api/guests/me/export'), `my-data-${new Date().toISOString().slice(0, 10)}.json`);
    return t.exportDownloaded;
  });
  act(email, async () => fill(t.exportSent, { email: (await chat.api<{ email: string }>('POST', '/api/guests/me/export/email')).email }));

  // Email is offered only to a guest who gave an address: asked once per guest.
  let asked: string | null = null;
  const follow = async () => {
    box.hidden = !chat.guest;
    if (!chat.guest || asked === chat.guest.id) return;
    asked = chat.guest.id;
    const me = await chat.api<{ email: string | null }>('GET', '/api/guests/me').catch(() => null);
    email.hidden = !me?.email;
  };
  chat.on((what) => what === 'guest' && void follow());
  void follow();
  return box;
}
