// The inbox's views and filters (docs/console.md, "Views"): which view is shown, the filters
// every view and the search take, and the choices the selects offer.
import type { View } from '../../src/directory/views';
import type { InboxItem } from '../../src/inbox/item';
import { h } from './chat-view';
import type { AgentApi } from './console-api';
import type { Status } from './console-conversation-status';

export type { View };

export const VIEWS: Array<{ view: View; label: string; none: string }> = [
  { view: 'mine', label: 'Mine', none: 'You are in no conversation. Unassigned and All open list the others.' },
  { view: 'unassigned', label: 'Unassigned', none: 'Nothing unassigned: every open conversation of your services has someone.' },
  { view: 'all', label: 'All open', none: 'No open conversations.' },
  { view: 'mentions', label: 'Mentions', none: 'No mentions yet. When a colleague writes @you in a note, the conversation appears here.' },
  { view: 'resolved', label: 'Resolved', none: 'No resolved conversations.' },
];

/** Views the agent's own inbox socket holds; the others are read from GET /api/inbox (the summaries in D1). */
export const isOwnView = (view: View): view is 'mine' | 'mentions' => view === 'mine' || view === 'mentions';

/** The status a row of a summary view must have (docs/rules.md "Inbox views"). */
export const statusFits = (view: View, status: Status): boolean =>
  view === 'resolved' ? status === 'resolved' : view === 'unassigned' || view === 'all' ? status !== 'resolved' : true;

export interface Filters {
  status: Status | 'all';
  service: string;
  label: string;
  assignee: string;
}

/** The filters as query parameters; unset ones are left out. */
export const filterQuery = (f: Filters): Record<string, string> =>
  Object.fromEntries(
    Object.entries({ status: f.status === 'all' ? '' : f.status, service: f.service, label: f.label, assignee: f.assignee }).filter(([, v]) => v !== ''),
  );

/** The same filters as the server's, for rows the console already holds. */
export const passes = (item: InboxItem, f: Filters): boolean =>
  (f.status === 'all' || item.status === f.status) &&
  (!f.service || item.service?.slug === f.service) &&
  (!f.label || (item.labels ?? []).some((l) => l.id === f.label)) &&
  (!f.assignee || item.assignee?.slug === f.assignee);

/** A labelled select whose first option means "any"; `choices` are [value, text]. */
export class FilterSelect {
  readonly element: HTMLElement;
  readonly select: HTMLSelectElement;
  constructor(id: string, label: string, private any: string, onChange: (value: string) => void, onFocus: () => void) {
    this.select = h('select', { id, name: id }, h('option', { value: '' }, any));
    this.select.addEventListener('change', () => onChange(this.select.value));
    // Choices added since the console loaded (a new label, service or member) appear the next time the agent looks.
    this.select.addEventListener('focus', onFocus);
    this.element = h('div', { class: 'inbox-label-filter' }, h('label', { for: id }, label), this.select);
  }

  /** Replaces the choices; answers the kept value, or '' when it is gone. */
  set(choices: Array<[string, string]>, value: string): string {
    // A choice may be a person's name: dir=auto isolates a right-to-left one (names.test.mjs).
    this.select.replaceChildren(h('option', { value: '' }, this.any), ...choices.map(([v, text]) => h('option', { value: v, dir: 'auto' }, text)));
    const kept = choices.some(([v]) => v === value) ? value : '';
    this.select.value = kept;
    return kept;
  }
}

type Services = { services: Array<{ slug: string; name: string; licensedMembers: Array<{ slug: string; name: string }> }> };

/** The services, and every licensed member of one (who can be an assignee), by name. */
export async function serviceChoices(api: AgentApi): Promise<{ services: Array<[string, string]>; assignees: Array<[string, string]> }> {
  const { services } = await api.call<Services>('GET', '/api/services');
  const members = new Map(services.flatMap((s) => s.licensedMembers.map((m) => [m.slug, m.name] as [string, string])));
  const byName = (a: [string, string], b: [string, string]) => a[1].localeCompare(b[1]);
  return { services: services.map((s) => [s.slug, s.name] as [string, string]).sort(byName), assignees: [...members].sort(byName) };
}
