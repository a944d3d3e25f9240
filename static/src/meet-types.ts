// Meeting types on the guest pages (docs/meetings.md#meeting-types): the list at /u/{agent}/meet,
// the type's questions in the booking form, and, once booked, the place and the "add to
// calendar" links the confirmation and the meeting page show.
import { addToCalendarLinks } from '../../src/calendar/add-to-calendar';
import type { MeetingView } from '../../src/calendar/meeting';
import { fillNamed, h } from './chat-view';
import { fill } from './i18n';
import { avatar, main, request, t, type Card } from './page';
import type { Question } from './questions';

export type PublicType = { slug: string; title: string; description: string; durations: number[]; location: { kind: string }; questions: Question[] };

export const meetingTypes = (slug: string): Promise<PublicType[]> =>
  request<{ types: PublicType[] }>('GET', `/api/agents/${encodeURIComponent(slug)}/meeting-types`).then((r) => r.types);

const placeKind = (kind: string): string =>
  ({ address: t.mtPlace_address, phone: t.mtPlace_phone, link: t.mtPlace_link, jitsi: t.mtPlace_jitsi })[kind] ?? '';

/** /u/{agent}/meet with several types: each one, with what it offers, linking to its booking page. */
export function typeList(c: Card, types: PublicType[]) {
  const title = fill(t.meetTitle, { name: c.name });
  document.title = `${title} · Doorbell`;
  main.replaceChildren(
    h('section', { class: 'card' }, avatar(c), h('h1', {}, ...fillNamed(t.meetTitle, { name: c.name })),
      ...(c.description ? [h('p', { class: 'agent-description' }, c.description)] : []),
      h('p', {}, t.mtChoose)),
    h('ul', { class: 'types', 'aria-label': t.mtChoose },
      ...types.map((type) =>
        h('li', { class: 'panel type' },
          h('h2', {}, h('a', { href: `/u/${encodeURIComponent(c.slug)}/meet/${encodeURIComponent(type.slug)}` }, type.title)),
          ...(type.description ? [h('p', {}, type.description)] : []),
          h('p', { class: 'facts' }, [type.durations.map((n) => fill(t.minutes, { n })).join(' · '), placeKind(type.location.kind)].filter(Boolean).join(' · ')),
        ),
      ),
    ),
  );
}

/** Where the meeting takes place, as a <dt>/<dd> pair for the page's list of facts. */
export function place(m: MeetingView): HTMLElement[] {
  const where = m.location;
  if (!where) return [];
  const shown =
    where.kind === 'address'
      ? [where.text]
      : where.kind === 'phone'
        ? [h('a', { href: where.url! }, where.text)]
        : [h('a', { class: 'join', href: where.url!, target: '_blank', rel: 'noopener' }, t.mtJoin), h('br'), h('span', { class: 'link-text' }, where.text)];
  return [h('dt', {}, t.mtWhere), h('dd', { 'data-location': where.kind }, ...shown)];
}

/** Google Calendar, Outlook and the .ics download, for the guest holding the meeting link `token`. */
export function addToCalendar(m: MeetingView, agentName: string, token: string): HTMLElement {
  const links = addToCalendarLinks({ ...m, start: Date.parse(m.start), end: Date.parse(m.end) }, agentName, `${location.origin}/meeting#${token}`, { join: t.mtJoin, manage: t.manage });
  return h('nav', { class: 'add-calendar', 'aria-label': t.mtAddToCalendar },
    h('h2', {}, t.mtAddToCalendar),
    h('a', { class: 'button secondary small', href: links.google, target: '_blank', rel: 'noopener', 'data-calendar': 'google' }, t.mtGoogle),
    h('a', { class: 'button secondary small', href: links.outlook, target: '_blank', rel: 'noopener', 'data-calendar': 'outlook' }, t.mtOutlook),
    h('a', { class: 'button secondary small', href: `/api/meetings/${encodeURIComponent(token)}/meeting.ics`, download: 'meeting.ics', 'data-calendar': 'ics' }, t.mtIcs),
  );
}
