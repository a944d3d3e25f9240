// The conversation actions that ask a question first: rename (C3) and add a guest through
// an invite link (C7). Both go through the shared dialog, which shows the server's refusal.
import type { ConversationView } from './chat-client';
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
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

type Invite = { id: string; status: 'open' | 'used' | 'revoked' | 'expired'; maxUses: number; uses: number; expiresAt: string; createdBy: { name: string } };

export function inviteDialog(api: AgentApi, id: string) {
  const uses = h('input', { name: 'maxUses', type: 'number', min: '1', max: '20', value: '1', required: true });
  const link = h('input', { name: 'invite', readonly: true, placeholder: 'The link appears here' });
  const copied = h('p', { class: 'ok', role: 'status' });
  const open = h('ul', { class: 'invites', 'aria-label': 'Links still open' });
  const base = `/api/conversations/${id}/invites`;
  /** The links that can still let someone in, each with a way to withdraw it. */
  const refresh = async () => {
    const { invites } = await api.call<{ invites: Invite[] }>('GET', base);
    const current = invites.filter((i) => i.status === 'open');
    open.replaceChildren(
      ...(current.length === 0
        ? [h('li', {}, 'No open invite links.')]
        : current.map((i) =>
            h('li', {},
              `${i.uses} of ${i.maxUses} used, by ${i.createdBy.name}, until ${new Date(i.expiresAt).toLocaleDateString()} `,
              h('button', {
                type: 'button',
                'aria-label': `Revoke the link made by ${i.createdBy.name}`,
                onclick: () => api.call('DELETE', `${base}/${i.id}`).then(refresh, (err: unknown) => (copied.textContent = messageOf(err))),
              }, 'Revoke'),
            ),
          )),
    );
  };
  let made = false;
  const dialog = openDialog({
    title: 'Add a guest',
    body: [
      h('p', {}, 'Create an invite link and send it to the people you want to add. It is valid for 7 days and lets in as many new guests as you say; when they open it, they join this conversation and their name joins the title. Making the conversation private withdraws every open link.'),
      field('New guests who may join with it', uses),
      field('Invite link', link),
      copied,
      h('h3', {}, 'Open invite links'),
      open,
    ],
    submit: 'Create link',
    dismiss: 'Close',
    onSubmit: async (dialog) => {
      if (made) {
        await navigator.clipboard.writeText(link.value).catch(() => link.select());
        copied.textContent = 'Copied.';
        return 'keep';
      }
      const answer = await api.call<{ url: string }>('POST', base, { maxUses: Number(uses.value) });
      link.value = answer.url;
      made = true;
      uses.disabled = true;
      dialog.querySelector<HTMLButtonElement>('button[type=submit]')!.textContent = 'Copy link';
      link.select();
      await refresh();
      return 'keep';
    },
  });
  refresh().catch((err: unknown) => (copied.textContent = messageOf(err)));
  return dialog;
}
