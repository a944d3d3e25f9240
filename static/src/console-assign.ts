// The assign dialog (C5): every service, marked assignable or not, and the licensed members
// of the chosen one with their availability (online, away, offline). A non-assignable service can still be chosen: the server refuses it with
// its reason, shown in the dialog, and nothing changes.
import type { ConversationView } from './chat-client';
import { h, named } from './chat-view';
import type { AgentApi } from './console-api';
import { field, openDialog } from './console-dialog';

type Member = { slug: string; name: string; availability: 'online' | 'away' | 'offline' };
type Service = { slug: string; name: string; assignable: boolean; licensedMembers: Member[] };

export async function assignDialog(api: AgentApi, id: string, view: ConversationView | null) {
  const list = h('fieldset', { class: 'services' }, h('legend', {}, 'Service'), h('p', { class: 'muted' }, 'Loading services…'));
  const member = h('select', { name: 'member' });
  const dialog = openDialog({
    title: 'Assign the conversation',
    body: [
      h('p', { class: 'muted' }, view?.service ? `Now with ${view.service.name}.` : 'Not assigned to a service yet.'),
      list,
      field('Member', member, 'Only licensed members can be chosen. With nobody chosen, all licensed members of the service take part.'),
    ],
    submit: 'Assign',
    onSubmit: async () => {
      const service = list.querySelector<HTMLInputElement>('input[name=service]:checked')?.value;
      if (!service) throw new Error('Choose a service.');
      await api.call('POST', `/api/conversations/${id}/assign`, { service, ...(member.value ? { member: member.value } : {}) });
    },
  });

  let services: Service[] = [];
  const fillMembers = () => {
    const chosen = services.find((s) => s.slug === list.querySelector<HTMLInputElement>('input[name=service]:checked')?.value);
    member.replaceChildren(
      h('option', { value: '' }, 'Any licensed member'),
      // An <option> holds text only: the availability is spelled out, so the assigner sees who is at a console.
      ...(chosen?.licensedMembers ?? []).map((m) => h('option', { value: m.slug, 'data-availability': m.availability }, `${m.name} (${m.availability})`)),
    );
    member.disabled = !chosen?.licensedMembers.length;
  };
  try {
    services = (await api.call<{ services: Service[] }>('GET', '/api/services')).services;
  } catch (err) {
    list.replaceChildren(h('legend', {}, 'Service'), h('p', { class: 'error', role: 'alert' }, (err as Error).message));
    return dialog;
  }
  list.replaceChildren(
    h('legend', {}, 'Service'),
    ...services.map((s, i) => {
      const radio = h('input', { type: 'radio', name: 'service', value: s.slug, id: `assign-${s.slug}`, onchange: fillMembers });
      if (s.slug === view?.service?.slug || (!view?.service && i === 0)) radio.checked = true;
      const note = s.assignable
        ? `${s.licensedMembers.length} licensed member${s.licensedMembers.length === 1 ? '' : 's'}`
        : 'not assignable: no licensed member';
      return h(
        'div',
        { class: `choice${s.assignable ? '' : ' unassignable'}` },
        radio,
        h('label', { for: radio.id }, named(s.name), h('small', {}, ` — ${note}`)),
      );
    }),
  );
  fillMembers();
  list.querySelector<HTMLInputElement>('input:checked')?.focus();
  return dialog;
}
