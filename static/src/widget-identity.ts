// `Doorbell.identify(token)` and `data-user-token` (docs/widget.md "Identified visitors"): a
// site whose visitor is logged in hands over the user token its server signed, and the widget
// becomes that user's guest. Calls made before the widget is ready run in order once it is;
// calls made before this script even loaded went to the documented stub's queue `Doorbell.q`
// (widget-api.ts): the last token queued there wins over the attribute.
import type { ConversationClient } from './chat-client';

type DoorbellGlobal = Record<string, unknown> & { q?: Array<[string, ArrayLike<unknown>]> };

/** Installs `Doorbell.identify` now; the returned function hands it the chat once it is ready. */
export function identityQueue(attribute: string | undefined): (chat: ConversationClient) => void {
  const w = window as unknown as { Doorbell?: DoorbellGlobal };
  const global: DoorbellGlobal = w.Doorbell ?? {};
  const queued = Array.isArray(global.q) ? global.q.filter(([m]) => m === 'identify') : [];
  if (queued.length) global.q = global.q!.filter(([m]) => m !== 'identify');
  const first = queued.length ? queued[queued.length - 1]![1][0] : attribute;
  let attach!: (chat: ConversationClient) => void;
  const ready = new Promise<ConversationClient>((resolve) => (attach = resolve));
  let chain: Promise<unknown> = ready;
  const identify = (token: string | null): Promise<void> => {
    if (token !== null && typeof token !== 'string') return Promise.reject(new TypeError('Doorbell.identify takes a user token (a string), or null when nobody is logged in.'));
    const run = chain.then(() => ready).then((chat) => chat.identify(token));
    chain = run.catch(() => undefined);
    return run;
  };
  w.Doorbell = Object.assign(global, { identify });
  if (typeof first === 'string' || first === null) identify(first).catch((err) => console.warn('Doorbell: the user token was refused:', err?.message ?? err));
  return attach;
}
