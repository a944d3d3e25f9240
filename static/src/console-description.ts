// "About you" in the calendar tab, beside the meeting types (docs/console.md): the few lines the
// agent's booking page (/u/{agent}/meet) shows under their name, saved with PATCH /api/agents/me.
import { h } from './chat-view';
import { messageOf, type Agent, type AgentApi } from './console-api';
import { field } from './console-dialog';

/** As many characters as the server takes (src/directory/schemas.ts). */
const MAX = 2000;

export function descriptionSection(api: AgentApi, me: Agent): HTMLElement {
  const text = h('textarea', { name: 'agentDescription', rows: '4', maxlength: String(MAX) });
  text.value = me.description;
  const count = h('small', { class: 'muted', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'ok', role: 'status' });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save description');
  const counted = () => (count.textContent = `${text.value.length} / ${MAX} characters`);
  text.addEventListener('input', counted);
  counted();

  const form = h(
    'form',
    { class: 'card agent-description', 'aria-labelledby': 'about-title' },
    h('h2', { id: 'about-title' }, 'About you'),
    field('Description', text, `Shown to guests on your booking page, /u/${me.slug}/meet. Line breaks are kept.`),
    count,
    error,
    status,
    h('div', { class: 'buttons' }, save),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = status.textContent = '';
    save.disabled = true;
    try {
      const saved = await api.call<{ description: string }>('PATCH', '/api/agents/me', { description: text.value });
      text.value = saved.description;
      counted();
      status.textContent = 'Saved: your booking page shows it.';
    } catch (err) {
      error.textContent = messageOf(err);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
