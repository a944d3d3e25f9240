// Beside the open conversation: who is in it, each agent's availability and whether each is
// connected, how far each has read (C9),
// each guest's phonebook contact with a way to add the guest, what agents know about the guest
// (where the conversation started, email and phone, their other conversations), and CRM pushes (C11).
import type { ConversationClient, ParticipantView } from './chat-client';
import { h, named } from './chat-view';
import { ApiError, messageOf, type AgentApi } from './console-api';
import { CrmPanel } from './console-crm';
import { field, openDialog } from './console-dialog';

type Rating = { resolution: number; score: number; comment: string | null; at: string; by: { id: string; name: string } };
type Details = {
  ratings: Rating[];
  context: { channel: string; url?: string; title?: string; referrer?: string; language?: string; timeZone?: string };
  /** The pre-chat form's answers, each with the label the guest read. */
  answers: { key: string; label: string; value: string }[];
  guests: { id: string; name: string; email: string | null; phone: string | null; identity?: { externalId: string; verifiedBy: string }; previous: { id: string; title: string; with: string; lastActivityAt: string }[] }[];
};

const CHANNELS: Record<string, string> = { widget: 'Website widget', service_page: 'Service page', personal_link: 'Personal link', meeting: 'Meeting booking' };

/** A link that leaves the console: a new tab that learns nothing of it; its address shown as text. */
const outLink = (url: string, text = url) => h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, text);

type Contact = { id: string; name: string; email: string | null; phone: string | null; company: string | null };

export class ConversationDetails {
  readonly element: HTMLElement;
  private people = h('ul', { class: 'people', 'aria-label': 'Participants' });
  private contacts = h('div', { class: 'contacts' });
  /** Guest id → their contact (null: none), once asked. */
  private known = new Map<string, Contact | null>();
  private asked = new Set<string>();
  private crm: CrmPanel;
  private about = h('dl', { class: 'about', 'aria-label': 'About the guest' });
  private ratings = h('div', { class: 'ratings' });
  /** Guest ids the details were last loaded for: a guest joining loads them again. */
  private aboutFor: string | null = null;

  constructor(private api: AgentApi, private chat: ConversationClient, private id: string, private showError: (err: unknown) => void) {
    this.crm = new CrmPanel(api, chat, id);
    this.element = h(
      'aside',
      { class: 'details', 'aria-label': 'Conversation details' },
      h('h3', {}, 'Participants'),
      this.people,
      h('h3', {}, 'About the guest'),
      this.about,
      h('h3', {}, 'Ratings'),
      this.ratings,
      h('h3', {}, 'Phonebook'),
      this.contacts,
      h('h3', {}, 'CRM'),
      this.crm.element,
    );
  }

  stop() {
    this.crm.stop();
  }

  render() {
    const view = this.chat.view;
    if (!view) return;
    const lastSeq = this.chat.lastSeq;
    this.people.replaceChildren(
      ...view.participants.map((p) => {
        // An agent's dot and word are their availability (docs/rules.md "Availability"); a guest's, whether they are connected.
        const availability = p.kind === 'agent' ? this.chat.agentAvailability.get(p.id) : undefined;
        const state = availability ?? (p.online ? 'online' : 'offline');
        const here = availability && p.online ? ' · has it open' : '';
        return h(
          'li',
          { 'data-participant': p.id, 'data-availability': state },
          h('span', { class: `dot${state === 'online' ? ' on' : state === 'away' ? ' away' : ''}`, 'aria-hidden': 'true' }),
          h('span', { class: 'who' }, named(p.name), p.id === view.you.id ? ' (you)' : '', h('small', {}, ` ${p.kind}`)),
          h('small', { class: 'read' }, `${state}${here} · ${readText(p, lastSeq)}`),
        );
      }),
    );
    const guests = view.participants.filter((p) => p.kind === 'guest');
    this.renderContacts(guests);
    // A guest joining, or a new rating, loads them again.
    const ids = `${guests.map((g) => g.id).join(',')}|${view.rating?.rated?.at ?? ''}`;
    if (ids !== this.aboutFor) this.loadAbout(ids);
  }

  private async loadAbout(ids: string) {
    this.aboutFor = ids;
    try {
      this.renderAbout(await this.api.call<Details>('GET', `/api/conversations/${this.id}/details`));
    } catch (err) {
      this.aboutFor = null;
      this.showError(err);
    }
  }

  private renderAbout({ context: c, answers, guests, ratings }: Details) {
    this.ratings.replaceChildren(
      ratings.length
        ? h('ul', { class: 'rating-list' }, ...ratings.map((r) =>
            h('li', { 'data-resolution': String(r.resolution) },
              stars(r.score), h('strong', {}, ` ${r.score}/5`), ' by ', named(r.by.name),
              h('small', {}, ` · ${new Date(r.at).toLocaleString()}`),
              ...(r.comment ? [h('q', {}, r.comment)] : []))))
        : h('p', { class: 'muted' }, 'Not rated yet. The guest is asked to rate each resolution.'),
    );
    const rows: [string, Node | string][] = [['Channel', CHANNELS[c.channel] ?? c.channel]];
    if (c.title) rows.push(['Page title', c.title]);
    if (c.url) rows.push(['Page', outLink(c.url)]);
    if (c.referrer) rows.push(['Came from', outLink(c.referrer)]);
    if (c.language) rows.push(['Language', c.language]);
    if (c.timeZone) rows.push(['Time zone', c.timeZone]);
    for (const a of answers) rows.push([a.label, a.value]);
    for (const g of guests) {
      const who = guests.length > 1 ? ` (${g.name})` : '';
      // The site vouched for this guest with a signed user token: its id for them, as it sent it.
      if (g.identity) rows.push([`Verified user${who}`, h('span', { class: 'verified' }, '✓ ', h('code', {}, g.identity.externalId))]);
      rows.push([`Email${who}`, g.email ? outLink(`mailto:${g.email}`, g.email) : '—']);
      rows.push([`Phone${who}`, g.phone ?? '—']);
      rows.push([
        `Other conversations${who}`,
        g.previous.length
          ? h('ul', { class: 'previous' }, ...g.previous.map((p) => h('li', {}, h('a', { href: `#/c/${p.id}` }, named(p.title)), h('small', {}, ' with ', named(p.with), ` · ${new Date(p.lastActivityAt).toLocaleString()}`))))
          : 'none',
      ]);
    }
    this.about.replaceChildren(...rows.flatMap(([label, value]) => [h('dt', {}, label), h('dd', { 'data-field': label }, value)]));
  }

  private renderContacts(guests: ParticipantView[]) {
    for (const g of guests) if (!this.asked.has(g.id)) this.lookUp(g.id);
    this.contacts.replaceChildren(
      ...guests.map((g) => {
        const contact = this.known.get(g.id);
        if (contact === undefined) return h('p', { class: 'muted' }, named(g.name), ': looking up…');
        if (contact) {
          const line = [contact.email, contact.phone, contact.company].filter(Boolean).join(' · ');
          return h('p', { class: 'contact' }, h('strong', {}, named(contact.name)), h('br'), line || 'no details', h('br'), h('small', {}, 'In the phonebook'));
        }
        return h(
          'p',
          { class: 'contact' },
          h('span', {}, named(g.name), ' is not in the phonebook. '),
          h('button', { type: 'button', onclick: () => this.addDialog(g) }, 'Add ', named(g.name), ' to the phonebook'),
        );
      }),
    );
  }

  private async lookUp(guestId: string) {
    this.asked.add(guestId);
    try {
      this.known.set(guestId, await this.api.call<Contact>('GET', `/api/guests/${guestId}/contact`));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) this.known.set(guestId, null);
      else return this.asked.delete(guestId), this.showError(err);
    }
    this.render();
  }

  private addDialog(guest: ParticipantView) {
    const email = h('input', { name: 'email', type: 'email', autocomplete: 'off' });
    const phone = h('input', { name: 'phone', type: 'tel', autocomplete: 'off' });
    const company = h('input', { name: 'company', maxlength: '120' });
    const merge = h('input', { type: 'checkbox', name: 'merge', id: `merge-${guest.id}` });
    openDialog({
      title: `Add ${guest.name} to the phonebook`,
      body: [
        field('Email', email, 'Leave empty to use the email the guest gave, if any.'),
        field('Phone', phone),
        field('Company', company),
        h('div', { class: 'choice' }, merge, h('label', { for: merge.id }, 'If this person is already in the phonebook, fill in their empty fields')),
      ],
      submit: 'Add to phonebook',
      onSubmit: async () => {
        const body: Record<string, unknown> = { guestId: guest.id, merge: merge.checked };
        for (const [k, input] of [['email', email], ['phone', phone], ['company', company]] as const) if (input.value.trim()) body[k] = input.value.trim();
        try {
          const saved = await this.api.call<{ contact: Contact }>('POST', `/api/conversations/${this.id}/contact`, body);
          this.known.set(guest.id, saved.contact);
          this.render();
        } catch (err) {
          // A match with an existing contact: say so, and offer the merge.
          if (err instanceof ApiError && err.code === 'contact_exists') throw new Error(`${messageOf(err)} Tick the box above to fill in the existing contact’s empty fields.`);
          throw err;
        }
      },
    });
  }
}

/** A score as five stars, for the eye; the number beside it is what is read out. */
export const stars = (score: number) => h('span', { class: 'stars', 'aria-hidden': 'true' }, '★'.repeat(score) + '☆'.repeat(5 - score));

function readText(p: ParticipantView, lastSeq: number): string {
  if (p.readSeq >= lastSeq) return 'has read everything';
  if (p.readSeq === 0) return 'has not read yet';
  return `read up to #${p.readSeq}`;
}
