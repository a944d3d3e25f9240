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
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: '120' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '254' });
  const [nameField, emailField] = [field(t.name, name), field(t.email, email)];
  const known = chat.guest;
  const submit = h('button', { class: 'button', type: 'submit' }, ...(known ? fillNamed(t.joinAs, { name: known.name }) : [t.join]));
  const alert = h('p', { class: 'alert', role: 'alert' });
  const form = h('form', { class: 'card invite', novalidate: true, 'aria-labelledby': 'invite-title' },
    h('h1', { id: 'invite-title' }, t.inviteTitle),
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
      if (err instanceof ApiError && err.code === 'invalid_invite') {
        return /EXPIRED/i.test(err.message) ? problem(t.inviteExpired, t.inviteExpiredText) : problem(t.inviteInvalid, t.inviteInvalidText);
      }
      if (err instanceof ApiError && err.code === 'invite_expired') return problem(t.inviteExpired, t.inviteExpiredText);
      if (err instanceof ApiError && err.status === 410) return problem(t.inviteGone, t.inviteGoneText);
      if (err instanceof ApiError && err.status === 401 && known) return invitePage(invite); // now asks who they are
      alert.textContent = messageOf(err);
      submit.disabled = false;
    }
  });
  main.replaceChildren(form);
  (known ? submit : name).focus();
}

function showChat(chat: ConversationClient) {
  const box = h('div', { class: 'chat' });
  main.replaceChildren(box);
  document.title = `${chat.view?.title ?? t.inviteTitle} · Doorbell`;
  // The chat is already joined and loaded: the view just draws it and follows it from here.
  return openChat(chat, { name: chat.view?.title ?? '', avatarUrl: chat.view?.avatarUrl ?? null }, box, async () => {});
}
