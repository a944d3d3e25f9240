// /invite#{invite}: a second guest joins a conversation through the link an agent made
// (POST /api/conversations/{id}/invites answers it). The page asks their name (unless this
// browser is already a guest), accepts the invite, and opens the conversation's chat. A guest
// who comes back goes straight to the chat.
import { ApiError, ConversationClient } from './chat-client';
import { openChat } from './chat-pages';
import { fillNamed, h } from './chat-view';
import { base, EMAIL, field, main, messageOf, problem, t } from './page';

export async function invitePage(invite: string) {
  if (!invite) return problem(t.inviteInvalid, t.inviteInvalidText);
  const chat = new ConversationClient(base, { kind: 'invite', slug: invite });
  await chat.init();
  if (chat.conversationId) return showChat(chat);

  document.title = `${t.inviteTitle} · Doorbell`;
  // Who invites them to what comes first, so the guest knows whom they give a name to.
  let about: InvitePreview;
  try {
    about = await chat.api<InvitePreview>('POST', '/api/invites/preview', { invite });
  } catch (err) {
    if (showRefusal(err)) return;
    about = { invitedBy: { name: '' }, title: '' };
  }
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: '120' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '254' });
  const [nameField, emailField] = [field(t.name, name), field(t.email, email)];
  const known = chat.guest;
  const submit = h('button', { class: 'button', type: 'submit' }, ...(known ? fillNamed(t.joinAs, { name: known.name }) : [t.join]));
  const alert = h('p', { class: 'alert', role: 'alert' });
  const form = h('form', { class: 'card invite', novalidate: true, 'aria-labelledby': 'invite-title' },
    h('h1', { id: 'invite-title' }, t.inviteTitle),
    ...(about.title ? [h('p', { class: 'invite-who' }, ...fillNamed(t.invitedBy, { name: about.invitedBy.name, title: about.title }))] : []),
    ...(known ? [] : [h('p', {}, t.inviteText), nameField.wrap, emailField.wrap]),
    alert,
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    if (!known) {
      const fine = [nameField.invalid(name.value.trim() ? '' : t.nameRequired), emailField.invalid(!email.value.trim() || EMAIL.test(email.value.trim()) ? '' : t.emailInvalid)];
      if (fine.includes(false)) return (fine[0] ? email : name).focus();
    }
    submit.disabled = true;
    alert.textContent = t.joining;
    try {
      await chat.acceptInvite({ name: name.value, email: email.value });
      showChat(chat);
    } catch (err) {
      if (showRefusal(err)) return;
      if (err instanceof ApiError && err.status === 401 && known) return invitePage(invite); // now asks who they are
      alert.textContent = messageOf(err);
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  (known ? submit : name).focus();
}

interface InvitePreview {
  invitedBy: { name: string };
  title: string;
}

/** Shows why an invite link lets nobody in, if `err` says so. */
function showRefusal(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.code === 'invalid_invite') {
    if (/EXPIRED/i.test(err.message)) problem(t.inviteExpired, t.inviteExpiredText);
    else problem(t.inviteInvalid, t.inviteInvalidText);
  } else if (err.code === 'invite_expired') problem(t.inviteExpired, t.inviteExpiredText);
  else if (err.status === 410) problem(t.inviteGone, t.inviteGoneText);
  else return false;
  return true;
}

function showChat(chat: ConversationClient) {
  const box = h('div', { class: 'chat' });
  main.replaceChildren(box);
  document.title = `${chat.view?.title ?? t.inviteTitle} · Doorbell`;
  // The chat is already joined and loaded: the view just draws it and follows it from here.
  return openChat(chat, { name: chat.view?.title ?? '', avatarUrl: chat.view?.avatarUrl ?? null }, box, async () => {});
}
