// The conversation actions that ask a question first: rename (C3) and add a guest through
// an invite link (C7). Both go through the shared dialog, which shows the server's refusal.
import type { ConversationView } from './chat-client';
import { h } from './chat-view';
import type { AgentApi } from './console-api';
import { field, openDialog } from './console-dialog';

export function renameDialog(api: AgentApi, id: string, view: ConversationView | null) {
  const name = h('input', { name: 'name', required: true, maxlength: '120', value: view?.title ?? '' });
  openDialog({
    title: 'Rename the conversation',
    body: [field('New name', name, 'Everyone in the conversation, guests included, sees this name.')],
    submit: 'Rename',
    onSubmit: () => api.call('PATCH', `/api/conversations/${id}`, { name: name.value }).then(() => undefined),
  });
  name.select();
}

export function inviteDialog(api: AgentApi, id: string) {
  const link = h('input', { name: 'invite', readonly: true, placeholder: 'The link appears here' });
  const copied = h('p', { class: 'ok', role: 'status' });
  let made = false;
  const dialog = openDialog({
    title: 'Add a guest',
    body: [
      h('p', {}, 'Create an invite link and send it to the person you want to add. It is valid for 7 days; when they open it, they join this conversation and their name joins the title.'),
      field('Invite link', link),
      copied,
    ],
    submit: 'Create link',
    dismiss: 'Close',
    onSubmit: async (dialog) => {
      if (made) {
        await navigator.clipboard.writeText(link.value).catch(() => link.select());
        copied.textContent = 'Copied.';
        return 'keep';
      }
      const answer = await api.call<{ url: string }>('POST', `/api/conversations/${id}/invites`);
      link.value = answer.url;
      made = true;
      dialog.querySelector<HTMLButtonElement>('button[type=submit]')!.textContent = 'Copy link';
      link.select();
      return 'keep';
    },
  });
  return dialog;
}
