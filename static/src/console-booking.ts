// Book a meeting on one's own calendar for a guest (M6): the same flow as a guest's booking
// (conversation, emails, reminders). The start is entered in the agent's zone; the guest's
// zone decides how their emails show it.
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
import { field } from './console-dialog';
import type { MeetingView } from '../../src/calendar/meeting';
import { formatDateTime, fromLocalInput, timeZones } from './console-time';

export function bookingForm(api: AgentApi, zone: () => string, durations: () => number[], onBooked: (m: MeetingView) => void): { element: HTMLElement; refresh: () => void } {
  const name = h('input', { name: 'guestName', required: true, maxlength: '100', autocomplete: 'off' });
  const email = h('input', { name: 'guestEmail', type: 'email', required: true, autocomplete: 'off' });
  const guestZone = h('input', { name: 'guestZone', required: true, list: 'time-zones', value: Intl.DateTimeFormat().resolvedOptions().timeZone, autocomplete: 'off' });
  const start = h('input', { name: 'start', type: 'datetime-local', required: true });
  const duration = h('select', { name: 'duration' });
  const result = h('p', { class: 'ok', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const startField = field('Start', start);
  /** Durations and the zone come with the settings, which may change live. */
  const fillDurations = () => {
    const chosen = duration.value;
    duration.replaceChildren(...durations().map((d) => h('option', { value: String(d) }, `${d} min`)));
    if (chosen) duration.value = chosen;
    startField.querySelector('small')?.remove();
    const hint = h('small', { id: `${start.id}-hint` }, `In your time zone, ${zone()}.`);
    start.setAttribute('aria-describedby', hint.id);
    startField.append(hint);
  };
  const form = h(
    'form',
    { class: 'card book', 'aria-labelledby': 'book-title' },
    h('h2', { id: 'book-title' }, 'Book for a guest'),
    field('Guest name', name),
    field('Guest email', email),
    field('Guest time zone', guestZone),
    h('div', { class: 'row' }, startField, field('Duration', duration)),
    error,
    result,
    h('button', { type: 'submit', class: 'primary' }, 'Book meeting'),
    zoneList(),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = result.textContent = '';
    const iso = fromLocalInput(start.value, zone());
    if (!iso) return void (error.textContent = 'Enter a date and a time.');
    try {
      const answer = await api.call<{ meeting: MeetingView }>('POST', '/api/calendar/meetings', {
        start: iso,
        durationMinutes: Number(duration.value),
        name: name.value.trim(),
        email: email.value.trim(),
        timeZone: guestZone.value.trim(),
      });
      onBooked(answer.meeting);
      result.textContent = `Booked with ${answer.meeting.guest.name} on ${formatDateTime(answer.meeting.start, zone())}. They get an email with the invite.`;
      form.reset();
      guestZone.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (err) {
      error.textContent = messageOf(err);
    }
  });
  fillDurations();
  return { element: form, refresh: fillDurations };
}

let zoneListMade = false;
/** One <datalist> of IANA zones for every zone input of the page. */
export function zoneList(): HTMLElement | string {
  if (zoneListMade) return '';
  zoneListMade = true;
  return h('datalist', { id: 'time-zones' }, ...timeZones().map((z) => h('option', { value: z })));
}
