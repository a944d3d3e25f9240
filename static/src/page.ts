// What every guest page shares: its language, its <main>, the API called from this origin,
// public cards, and the "not found" and error states.
import { ApiError, envelopeOf } from './chat-client';
import { h } from './chat-view';
import { useLanguage } from './dates';
import { loadStrings, pickLang, type Lang } from './i18n';
import { labelledField } from './questions';

export const base = location.origin;
/** `?lang=de` first, then the browser's languages (docs/widget.md "Languages"). */
export const lang = pickLang(new URLSearchParams(location.search).get('lang'), ...navigator.languages);
document.documentElement.lang = lang;
useLanguage(lang);
// Before any page draws a word: the pages show the static "Loading…" meanwhile.
export const t = await loadStrings(base, lang);
export const main = document.querySelector('main')!;

export type Card = { slug: string; name: string; avatarUrl: string | null; description?: string; availability?: 'online' | 'away' | 'offline'; greetings?: Partial<Record<Lang, string>> };

/** A JSON call to this server; failures become ApiError with the API's code and message. */
export async function request<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', t.networkError);
  }
  const json: unknown = await res.json().catch(() => null);
  const failure = envelopeOf(json);
  if (!res.ok) throw new ApiError(res.status, failure?.code ?? 'http', failure?.message ?? `HTTP ${res.status}`);
  return json as T;
}

export const card = (kind: 'agents' | 'services', slug: string): Promise<Card | null> =>
  request<Card>('GET', `/api/public/${kind}/${encodeURIComponent(slug)}`).catch(() => null);

export const avatar = (c: { avatarUrl: string | null }, size = 72) =>
  h('img', { class: 'avatar', src: c.avatarUrl ?? '/avatars/sales.svg', alt: '', width: String(size), height: String(size) });

export function notFound() {
  document.title = 'Doorbell';
  main.replaceChildren(h('p', { class: 'notice' }, t.notFound));
}

/** A full-page state for a link that cannot be used (expired, invalid), with what to do next. */
export function problem(title: string, text: string, ...actions: HTMLElement[]) {
  document.title = `${title} · Doorbell`;
  main.replaceChildren(h('section', { class: 'card problem', role: 'alert' }, h('h1', {}, title), h('p', {}, text), ...actions));
}

export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** A labelled form field of the guest pages, with its own error line (questions.ts). */
export const field = (label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, ...extra: Node[]) => labelledField('field', label, input, ...extra);

/** The message to show for a failed call: the API's own words, or the network notice. */
export const messageOf = (e: unknown): string => (e instanceof ApiError ? e.message : t.networkError);
