// The agent's meeting types in the calendar tab (docs/meetings.md#meeting-types): the list, in
// order, with each type's booking link, and one form to add a type or change the one chosen.
// Questions are written one per line, `kind: Label*: option, option` (a `*` makes it required).
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
import { field } from './console-dialog';

type Question = { id: string; label: string; kind: string; required: boolean; options?: string[] };
type Location = { kind: 'none' } | { kind: 'address'; address: string } | { kind: 'phone'; phone: string } | { kind: 'link'; url: string } | { kind: 'jitsi' };
type MeetingType = { slug: string; title: string; description: string; durations: number[] | null; location: Location; questions: Question[]; hidden: boolean };

const KINDS = ['short', 'long', 'phone', 'select', 'checkbox'];
const PLACES: Array<[Location['kind'], string]> = [
  ['none', 'Not said'],
  ['address', 'An address'],
  ['phone', 'A phone number'],
  ['link', 'A fixed video link (Zoom, Meet, Teams)'],
  ['jitsi', 'A new Jitsi Meet room per meeting'],
];

const slugOf = (text: string) => text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'q';

export const questionLines = (questions: Question[]): string =>
  questions.map((q) => `${q.kind}: ${q.label}${q.required ? '*' : ''}${q.options ? `: ${q.options.join(', ')}` : ''}`).join('\n');

/** The lines back into questions, or the first line that is not one. */
export function parseQuestions(text: string): Question[] | string {
  const questions: Question[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const [kind, label, options] = line.split(/\s*:\s*/, 3).map((s) => s.trim());
    if (!kind || !KINDS.includes(kind) || !label || label === '*') return `Line ${n + 1}: write "kind: Label", kind one of ${KINDS.join(', ')}.`;
    const required = label.endsWith('*');
    const name = required ? label.slice(0, -1).trim() : label;
    let id = slugOf(name);
    while (questions.some((q) => q.id === id)) id = `${id.slice(0, 37)}-${questions.length}`;
    questions.push({ id, label: name, kind, required, ...(kind === 'select' ? { options: (options ?? '').split(',').map((o) => o.trim()).filter(Boolean) } : {}) });
  }
  return questions;
}

export function meetingTypesSection(api: AgentApi, agentSlug: string): { element: HTMLElement; load: () => Promise<void> } {
  let types: MeetingType[] = [];
  let editing: string | null = null;
  const list = h('ul', { class: 'types', 'aria-label': 'Meeting types' });
  const heading = h('h3', { id: 'type-form-title' }, 'Add a meeting type');
  const slug = h('input', { name: 'typeSlug', required: true, maxlength: '40', pattern: '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?', autocomplete: 'off' });
  const title = h('input', { name: 'typeTitle', required: true, maxlength: '120', autocomplete: 'off' });
  const description = h('textarea', { name: 'typeDescription', rows: '2', maxlength: '2000' });
  const durations = h('input', { name: 'typeDurations', autocomplete: 'off', placeholder: 'e.g. 20, 40' });
  const place = h('select', { name: 'typeLocation' }, ...PLACES.map(([value, label]) => h('option', { value }, label)));
  const detail = h('input', { name: 'typeLocationDetail', autocomplete: 'off' });
  const detailField = field('Address, number or link', detail);
  const questions = h('textarea', { name: 'typeQuestions', rows: '4', placeholder: 'short: Company*\nselect: Team size: 1-10, 11-50, 51+\ncheckbox: I accept the terms*' });
  const hidden = h('input', { name: 'typeHidden', type: 'checkbox' });
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'ok', role: 'status' });
  const cancel = h('button', { type: 'button', hidden: true }, 'Stop editing');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Add type');
  const showDetail = () => (detailField.hidden = !['address', 'phone', 'link'].includes(place.value));
  place.addEventListener('change', showDetail);

  const form = h(
    'form',
    { class: 'type-form', 'aria-labelledby': 'type-form-title' },
    heading,
    h('div', { class: 'row' }, field('Slug', slug, `The booking page is /u/${agentSlug}/meet/{slug}.`), field('Title', title)),
    field('Description', description),
    field('Durations in minutes', durations, "Comma-separated; empty offers your calendar's durations."),
    field('Where', place),
    detailField,
    field('Questions', questions, 'One per line: kind: Label*: options. Kinds: short, long, phone, select, checkbox; * makes it required.'),
    h('label', { class: 'check' }, hidden, ' Hidden (guests can neither see nor book it)'),
    error,
    status,
    h('div', { class: 'buttons' }, cancel, save),
  );

  const fill = (type: MeetingType | null) => {
    editing = type?.slug ?? null;
    heading.textContent = type ? `Change “${type.title}”` : 'Add a meeting type';
    save.textContent = type ? 'Save type' : 'Add type';
    cancel.hidden = !type;
    slug.value = type?.slug ?? '';
    title.value = type?.title ?? '';
    description.value = type?.description ?? '';
    durations.value = type?.durations?.join(', ') ?? '';
    place.value = type?.location.kind ?? 'none';
    const where = type?.location;
    detail.value = where?.kind === 'address' ? where.address : where?.kind === 'phone' ? where.phone : where?.kind === 'link' ? where.url : '';
    questions.value = questionLines(type?.questions ?? []);
    hidden.checked = type?.hidden ?? false;
    showDetail();
  };
  cancel.addEventListener('click', () => (fill(null), slug.focus()));

  const render = () =>
    list.replaceChildren(
      ...types.map((type, i) =>
        h('li', { class: 'type', 'data-type': type.slug },
          h('strong', {}, type.title), ` ${i === 0 ? '(default) ' : ''}${type.hidden ? '(hidden) ' : ''}`,
          h('a', { href: `/u/${agentSlug}/meet/${type.slug}`, target: '_blank', rel: 'noopener' }, `/u/${agentSlug}/meet/${type.slug}`),
          h('span', { class: 'buttons' },
            h('button', { type: 'button', onclick: () => (fill(type), title.focus()) }, `Edit ${type.title}`),
            ...(types.length > 1 ? [h('button', { type: 'button', class: 'danger', onclick: () => run(() => api.call('DELETE', `/api/calendar/meeting-types/${type.slug}`), `Deleted “${type.title}”.`) }, `Delete ${type.title}`)] : []),
          ),
        ),
      ),
    );

  const load = async () => {
    types = (await api.call<{ types: MeetingType[] }>('GET', '/api/calendar/meeting-types')).types;
    render();
  };

  async function run(change: () => Promise<unknown>, done: string) {
    error.textContent = status.textContent = '';
    try {
      await change();
      await load();
      status.textContent = done;
      return true;
    } catch (err) {
      error.textContent = messageOf(err);
      return false;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const asked = parseQuestions(questions.value);
    if (typeof asked === 'string') return void ((error.textContent = asked), questions.focus());
    const lengths = durations.value.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
    const kind = place.value as Location['kind'];
    const value = detail.value.trim();
    const location = kind === 'address' ? { kind, address: value } : kind === 'phone' ? { kind, phone: value } : kind === 'link' ? { kind, url: value } : { kind };
    const body = { slug: slug.value.trim(), title: title.value.trim(), description: description.value.trim(), durations: lengths.length ? lengths : null, location, questions: asked, hidden: hidden.checked };
    const was = editing;
    if (await run(() => (was ? api.call('PATCH', `/api/calendar/meeting-types/${was}`, body) : api.call('POST', '/api/calendar/meeting-types', body)), was ? `Saved “${body.title}”.` : `Added “${body.title}”.`)) fill(null);
  });
  fill(null);

  const element = h('section', { class: 'card meeting-types', 'aria-labelledby': 'types-title' }, h('h2', { id: 'types-title' }, 'Meeting types'), list, form);
  return { element, load };
}
