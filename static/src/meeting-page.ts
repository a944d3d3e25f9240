// /meeting#{link}: the guest's meeting behind the signed link from their emails
// (src/calendar/links.ts makes it). It shows the time in the guest's zone and the agent's and
// the status, and lets the guest reschedule (pick a new free time) or cancel (after a
// confirmation). Expired (410) and invalid (401) links say so and what to do.
import type { GuestMeetingView as Linked, MeetingView } from '../../src/calendar/meeting';
import { ApiError } from './chat-client';
import { fillNamed, h } from './chat-view';
import { fill } from './i18n';
import { avatar, main, messageOf, problem, request, t } from './page';
import { addToCalendar, place } from './meet-types';
import { slotPicker, type Choice } from './slot-picker';
import { span } from './dates';
import { browserZone } from './zones';
import { liveMeeting } from './live-slots';


export async function meetingPage(token: string) {
  const path = `/api/meetings/${encodeURIComponent(token)}`;
  let linked: Linked;
  try {
    if (!token) throw new ApiError(401, 'invalid_link', '');
    linked = await request<Linked>('GET', path);
  } catch (err) {
    return linkProblem(err);
  }
  render(linked, path, token);
  // A change by the agent (or in another tab) shows at once.
  liveMeeting(token, (meeting) => {
    if (shown && meeting.sequence === shown.sequence && meeting.status === shown.status) return;
    render({ ...linked, meeting }, path, token, t.holdsMeetingChanged);
  });
}

/** The meeting as the page shows it now. */
let shown: MeetingView | null = null;

function linkProblem(err: unknown, slug?: string) {
  const code = err instanceof ApiError ? err.code : '';
  const book = slug ? [h('a', { class: 'button', href: `/u/${slug}/meet` }, t.book)] : [];
  if (code === 'link_expired') return problem(t.linkExpired, t.linkExpiredText, ...book);
  if (code === 'invalid_link') return problem(t.linkInvalid, t.linkInvalidText);
  if (code === 'not_found') return problem(t.meetingGone, '', ...book);
  problem(t.networkError, messageOf(err), h('button', { class: 'button', type: 'button', onclick: () => location.reload() }, t.retry));
}

function render({ meeting: m, agent }: Linked, path: string, token: string, notice = '') {
  shown = m;
  const zone = browserZone();
  const title = fill(t.meetingWith, { name: agent.name });
  document.title = `${title} · Doorbell`;
  const status = m.status === 'pending' ? fillNamed(t.status_pending, { name: agent.name }) : [m.status === 'confirmed' ? t.status_confirmed : t.status_cancelled];
  const over = Date.parse(m.end) < Date.now();
  const alert = h('p', { class: 'alert', role: 'alert' });
  const actions = h('div', { class: 'actions' });
  const area = h('div', { class: 'change' });
  /** Answers whether the change went through; a refusal is shown where the guest looks. */
  const act = (to: string, body: unknown, done: string) =>
    request<Linked>('POST', to, body).then(
      (next) => (render(next, path, token, done), true),
      (err) => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 410)) linkProblem(err, agent.slug);
        else alert.textContent = err instanceof ApiError && err.code === 'slot_taken' ? t.slotTaken : messageOf(err);
        return false;
      },
    );

  if (m.status !== 'cancelled' && !over) {
    const reschedule = h('button', { class: 'button', type: 'button', 'aria-expanded': 'false' }, t.reschedule);
    const cancel = h('button', { class: 'button danger', type: 'button' }, t.cancelMeeting);
    reschedule.addEventListener('click', () => {
      reschedule.setAttribute('aria-expanded', 'true');
      reschedule.disabled = true;
      area.replaceChildren(rescheduler(agent.slug, `${path}/slots`, (start) => act(`${path}/reschedule`, { start }, t.moved)));
    });
    cancel.addEventListener('click', () =>
      confirmCancel(agent.name, () => act(`${path}/cancel`, undefined, t.cancelledNow)),
    );
    actions.append(reschedule, cancel);
  } else if (m.status === 'cancelled') actions.append(h('a', { class: 'button secondary', href: `/u/${agent.slug}/meet` }, t.book));

  const heading = h('h1', { tabindex: '-1' }, ...fillNamed(t.meetingWith, { name: agent.name }));
  main.replaceChildren(
    h('section', { class: 'card meeting', 'data-status': m.status },
      avatar(agent),
      heading,
      h('p', { class: `badge ${m.status}` }, h('span', { class: 'sr' }, `${t.status}: `), ...status),
      h('dl', { class: 'when' },
        h('dt', {}, t.yourTime), h('dd', { 'data-zone': zone }, span(m.start, m.end, zone)),
        h('dt', {}, ...fillNamed(t.theirTime, { name: agent.name })), h('dd', { 'data-zone': agent.timeZone }, span(m.start, m.end, agent.timeZone)),
        h('dt', {}, t.duration), h('dd', {}, fill(t.minutes, { n: m.durationMinutes })),
        ...place(m)),
      ...(over && m.status !== 'cancelled' ? [h('p', {}, t.over)] : []),
      ...(notice ? [h('p', { class: 'ok', role: 'status' }, notice)] : []),
      ...(m.status !== 'cancelled' && !over ? [addToCalendar(m, agent.name, token)] : []),
      actions),
    alert,
    area,
  );
  if (notice) heading.focus();
}

/**
 * The slot picker for the meeting's length, from the meeting's own slots route (its type's
 * times even when the type is hidden or deleted); a chosen time is confirmed before it is sent.
 */
function rescheduler(slug: string, source: string, move: (start: string) => Promise<boolean>): HTMLElement {
  const confirm = h('div', { class: 'panel confirm', hidden: true });
  let choice: Choice | null = null;
  const picker = slotPicker(slug, {
    source,
    zone: browserZone(),
    fixedDuration: true,
    onPick: (next, byGuest) => {
      choice = next;
      confirm.hidden = !next;
      if (!next) return;
      const button = h('button', { class: 'button', type: 'button' }, t.confirmMove);
      button.addEventListener('click', async () => {
        button.disabled = true;
        if (await move(choice!.slot.start)) return;
        button.disabled = false;
        await picker.load();
      });
      confirm.replaceChildren(h('p', {}, fill(t.moveTo, { when: span(next.slot.start, next.slot.end, next.zone) })), button);
      // Confirming is the next step for the keyboard too.
      if (byGuest) button.focus();
    },
  });
  picker.load();
  return h('section', { class: 'panel', 'aria-labelledby': 'new-time' }, h('h2', { id: 'new-time' }, t.pickNewTime), picker.el, confirm);
}

/** A modal question (native <dialog>: focus stays inside, Escape keeps the meeting). */
function confirmCancel(agentName: string, cancel: () => Promise<unknown>) {
  const yes = h('button', { class: 'button danger', type: 'button' }, t.cancelYes);
  const no = h('button', { class: 'button secondary', type: 'button' }, t.keep);
  const dialog = h('dialog', { 'aria-labelledby': 'cancel-q' }, h('p', { id: 'cancel-q' }, ...fillNamed(t.cancelConfirm, { name: agentName })), h('div', { class: 'actions' }, no, yes));
  no.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  yes.addEventListener('click', async () => {
    yes.disabled = no.disabled = true;
    await cancel();
    dialog.close();
  });
  document.body.append(dialog);
  dialog.showModal();
  no.focus();
}
