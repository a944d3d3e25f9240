// /u/{agent}/meet/{type}: a guest books a meeting of one of the agent's types (/u/{agent}/meet
// lists them, or is the booking page of the only one). Times are shown in the guest's own
// zone (the browser's, or one they pick); the confirmation gives the time in both zones and
// the link to the meeting page. A booking key per chosen time makes a double click, or a retry
// after a lost answer, book once (POST /api/agents/{slug}/bookings, docs/meetings.md).
import type { MeetingView } from '../../src/calendar/meeting';
import { ApiError } from './chat-client';
import { fillNamed, h } from './chat-view';
import { fill } from './i18n';
import { avatar, card, EMAIL, field, main, messageOf, notFound, request, t, type Card } from './page';
import { addToCalendar, meetingTypes, place, typeList } from './meet-types';
import { questionFields } from './questions';
import { slotPicker, type Choice } from './slot-picker';
import { span } from './dates';
import { browserZone } from './zones';
import { liveSlots } from './live-slots';

type Booked = {
  meeting: MeetingView;
  created: boolean;
  guestLink: string;
  guestToken: string;
};

export async function bookingPage(slug: string, typeSlug?: string) {
  const [c, types] = await Promise.all([card('agents', slug), meetingTypes(slug).catch(() => [])]);
  if (!c) return notFound();
  if (!typeSlug && types.length > 1) return typeList(c, types);
  const type = typeSlug ? types.find((x) => x.slug === typeSlug) : types[0];
  if (!type) return notFound();
  const questions = questionFields(type.questions, t);
  const title = fill(t.meetTitle, { name: c.name });
  document.title = `${title} · Doorbell`;

  let choice: Choice | null = null;
  let key = '';
  const summary = h('p', { class: 'summary' });
  const name = h('input', { name: 'name', autocomplete: 'name', maxlength: '120' });
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email', maxlength: '254' });
  const note = h('textarea', { name: 'note', rows: '3', maxlength: '4000' });
  const [nameField, emailField, noteField] = [field(t.name, name), field(t.yourEmail, email), field(t.note, note)];
  const submit = h('button', { type: 'submit', class: 'button' }, t.bookIt);
  const back = h('button', { type: 'button', class: 'button secondary small' }, t.mvChangeTime);
  const form = h('form', { class: 'panel book', hidden: true, novalidate: true, 'aria-labelledby': 'book-title' },
    h('h2', { id: 'book-title' }, t.chosen), summary, back, nameField.wrap, emailField.wrap, ...questions.wraps, noteField.wrap, submit);
  const alert = h('p', { class: 'alert', role: 'alert' });

  // Other pages' bookings and holds show at once; the chosen time is held while the form is filled.
  const live = liveSlots(slug, () => void picker.load());
  let holdToken: string | null = null;
  const hold = async (next: Choice) => {
    holdToken = null;
    try {
      holdToken = await live.hold(next.slot.start, next.duration, type.slug);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.code !== 'slot_held' && err.code !== 'slot_taken')) return;
      alert.textContent = err.code === 'slot_held' ? t.holdsSlotHeld : t.slotTaken;
      await picker.load();
    }
  };
  const picker = slotPicker(slug, {
    type: type.slug,
    zone: browserZone(),
    page: live.page,
    onPick: (next, byGuest) => {
      // A new key only for a new time or length: the same choice relabelled keeps its key.
      if (next && (next.slot.start !== choice?.slot.start || next.duration !== choice?.duration)) {
        key = `bk-${crypto.randomUUID()}`;
        void hold(next);
      } else if (!next && choice) live.release();
      choice = next;
      form.hidden = !next;
      if (next) summary.textContent = `${span(next.slot.start, next.slot.end, next.zone)} · ${fill(t.minutes, { n: next.duration })}`;
      // The form is the next step: in view, and the keyboard already in its first field.
      if (next && byGuest) {
        form.scrollIntoView({ block: 'start' });
        name.focus({ preventScroll: true });
      }
    },
  });
  // Escape, or "Change the time", goes back to the times with the choice kept.
  back.addEventListener('click', () => picker.focusTime());
  form.addEventListener('keydown', (e) => e.key === 'Escape' && (e.preventDefault(), picker.focusTime()));

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || !choice) return;
    const fine = [nameField.invalid(name.value.trim() ? '' : t.nameRequired), emailField.invalid(EMAIL.test(email.value.trim()) ? '' : t.emailInvalid)];
    if (fine.includes(false)) return (fine[0] ? email : name).focus();
    if (!questions.check()) return;
    busy = submit.disabled = true;
    submit.textContent = t.booking;
    alert.textContent = '';
    const chosen = choice;
    try {
      const booked = await request<Booked>('POST', `/api/agents/${encodeURIComponent(slug)}/bookings`, {
        start: chosen.slot.start,
        durationMinutes: chosen.duration,
        name: name.value.trim(),
        email: email.value.trim(),
        timeZone: chosen.zone,
        bookingKey: key,
        type: type.slug,
        answers: questions.answers(),
        ...(holdToken ? { holdToken } : {}),
      });
      // The note goes into the meeting's conversation, where the agent reads it with the meeting.
      const text = note.value.trim();
      const noteError = text
        ? await request('POST', `/api/conversations/${booked.meeting.conversationId}/messages`, { clientId: `${key}-note`, text }, booked.guestToken).then(() => '', messageOf)
        : '';
      confirmation(c, booked, chosen, noteError);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'slot_taken' || err.code === 'slot_held')) {
        alert.textContent = err.code === 'slot_held' ? t.holdsSlotHeld : t.slotTaken;
        await picker.load();
      } else alert.textContent = messageOf(err);
    } finally {
      busy = submit.disabled = false;
      submit.textContent = t.bookIt;
    }
  });

  main.replaceChildren(
    h('section', { class: 'card' }, avatar(c), h('h1', {}, ...fillNamed(t.meetTitle, { name: c.name })),
      ...(c.description ? [h('p', { class: 'agent-description' }, c.description)] : []),
      ...(types.length > 1 || type.title !== 'Meeting' ? [h('h2', { class: 'type-title' }, type.title)] : []),
      ...(type.description ? [h('p', { class: 'type-description' }, type.description)] : [])),
    h('div', { class: 'panel' }, picker.el),
    alert,
    form,
  );
  await picker.load();
}

function confirmation(c: Card, booked: Booked, choice: Choice, noteError: string) {
  const m = booked.meeting;
  const pending = m.status === 'pending';
  const heading = h('h1', { tabindex: '-1' }, pending ? t.requested : t.booked);
  main.replaceChildren(
    h('section', { class: 'card confirmed', 'aria-labelledby': 'confirmed-title' },
      avatar(c),
      Object.assign(heading, { id: 'confirmed-title' }),
      ...(pending ? [h('p', {}, ...fillNamed(t.requestedText, { name: c.name }))] : []),
      h('dl', { class: 'when' },
        h('dt', {}, t.yourTime), h('dd', { 'data-zone': choice.zone }, span(m.start, m.end, choice.zone)),
        h('dt', {}, ...fillNamed(t.theirTime, { name: c.name })), h('dd', { 'data-zone': choice.agentTimeZone }, span(m.start, m.end, choice.agentTimeZone)),
        ...place(m)),
      h('p', {}, fill(t.sentTo, { email: m.guest.email })),
      ...(noteError ? [h('p', { class: 'alert', role: 'alert' }, fill(t.noteFailed, { code: noteError }))] : []),
      addToCalendar(m, c.name, booked.guestLink.split('#')[1]!),
      h('a', { class: 'button', href: booked.guestLink }, t.manage)),
  );
  document.title = `${heading.textContent} · Doorbell`;
  heading.focus();
}
