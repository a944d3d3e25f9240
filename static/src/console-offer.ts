// "Offer a meeting" in a conversation (docs/meetings.md "Booking from the chat"): one of the
// agent's bookable types, a duration it offers, and optionally up to five of the agent's free
// slots to show the guest first. The guest books from the card the offer becomes in the chat.
import { h } from './chat-view';
import type { AgentApi } from './console-api';
import { field, openDialog } from './console-dialog';
import { formatDateTime } from './console-time';

type PublicType = { slug: string; title: string; durations: number[] };
type Slot = { start: string };

/** As many as the server takes (MAX_OFFERED_TIMES). */
const MAX_TIMES = 5;

export async function offerDialog(api: AgentApi, conversationId: string, me: { slug: string }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const { types } = await api.call<{ types: PublicType[] }>('GET', `/api/agents/${me.slug}/meeting-types`);
  const type = h('select', { name: 'type' }, ...types.map((t) => h('option', { value: t.slug }, t.title)));
  const duration = h('select', { name: 'duration' });
  const times = h('fieldset', { class: 'offer-times' }, h('legend', {}, `Times to suggest (optional, up to ${MAX_TIMES}; in ${zone})`));
  const chosen = () => [...times.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);

  // Only the last choice's times are drawn: an earlier answer arriving late would list times of another length.
  let asked = 0;
  const loadTimes = async () => {
    const ask = ++asked;
    const shown = `${type.value}/${duration.value}`;
    times.setAttribute('aria-busy', 'true');
    const query = new URLSearchParams({ timeZone: zone, from: new Date().toLocaleDateString('en-CA'), days: '7', type: type.value, duration: duration.value });
    const { slots } = await api.call<{ slots: Slot[] }>('GET', `/api/agents/${me.slug}/slots?${query}`);
    if (ask !== asked) return;
    times.removeAttribute('aria-busy');
    times.dataset.shown = shown;
    times.replaceChildren(
      times.firstElementChild!,
      ...(slots.length
        ? slots.slice(0, 24).map((s) => h('label', { class: 'offer-time' }, h('input', { type: 'checkbox', name: 'time', value: s.start }), formatDateTime(s.start, zone)))
        : [h('p', {}, 'No free slots in the next 7 days: the guest can still look further.')]),
    );
  };
  const loadDurations = () => {
    const durations = types.find((t) => t.slug === type.value)?.durations ?? [];
    duration.replaceChildren(...durations.map((d) => h('option', { value: String(d) }, `${d} minutes`)));
    return loadTimes();
  };
  type.addEventListener('change', () => void loadDurations());
  duration.addEventListener('change', () => void loadTimes());
  // More than five ticked would be refused: the sixth cannot be ticked.
  times.addEventListener('change', () => {
    const full = chosen().length >= MAX_TIMES;
    for (const box of times.querySelectorAll<HTMLInputElement>('input')) box.disabled = full && !box.checked;
  });

  // One offer per dialog, however often Offer is pressed.
  const clientId = `offer-${crypto.randomUUID()}`;
  openDialog({
    title: 'Offer a meeting',
    body: [
      h('p', {}, 'The guest sees the offer in the chat with the next free times (or the ones you pick) and books it there; the meeting belongs to this conversation.'),
      field('Meeting type', type),
      field('Duration', duration),
      times,
    ],
    submit: 'Offer',
    onSubmit: () =>
      api
        .call('POST', `/api/conversations/${conversationId}/offers`, { clientId, type: type.value, durationMinutes: Number(duration.value), times: chosen() })
        .then(() => undefined),
  });
  await loadDurations();
}
