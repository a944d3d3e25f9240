// One meeting in the calendar tab: guest, time in the agent's zone, status, and the agent's
// changes (M4): reschedule or change the duration, delete, accept or decline an invite. The
// row is updated in place, so an open form survives live updates of other meetings.
import type { MeetingView } from '../../src/calendar/meeting';
import { h, named } from './chat-view';
import { messageOf, type AgentApi } from './console-api';
import { field } from './console-dialog';
import { formatDateTime, formatTime, fromLocalInput, toLocalInput } from './console-time';

export class MeetingRow {
  readonly element: HTMLLIElement;
  private when = h('span', { class: 'when' });
  /** The type, the place and the guest's answers, as booked. */
  private details = h('dl', { class: 'meeting-details' });
  private status = h('span', { class: 'tag' });
  private error = h('p', { class: 'error', role: 'alert' });
  private form: HTMLFormElement | null = null;
  private respond = h('span', { class: 'respond' });
  private confirmDelete = h('span', { class: 'confirm', hidden: true });
  private reschedule: HTMLButtonElement;

  constructor(private api: AgentApi, public meeting: MeetingView, private zone: () => string, private durations: () => number[], private onSaved: (m: MeetingView) => void) {
    const reschedule = (this.reschedule = h('button', { type: 'button', 'aria-expanded': 'false', onclick: () => this.toggleForm() }, 'Reschedule'));
    const del = h('button', { type: 'button', class: 'danger', onclick: () => ((this.confirmDelete.hidden = false), this.confirmDelete.querySelector('button')!.focus()) }, 'Delete');
    this.confirmDelete.append(
      h('span', {}, 'Delete this meeting? Both of you get a cancellation. '),
      h('button', { type: 'button', class: 'danger', onclick: () => this.run(() => this.api.call<MeetingView>('DELETE', `/api/calendar/meetings/${meeting.id}`)) }, 'Yes, delete'),
      h('button', { type: 'button', onclick: () => (this.confirmDelete.hidden = true) }, 'Keep it'),
    );
    this.element = h(
      'li',
      { class: 'meeting', 'data-meeting': meeting.id },
      h('div', { class: 'meeting-main' }, h('strong', { class: 'guest' }, named(meeting.guest.name)), ' ', this.status, h('br'), this.when),
      h('div', { class: 'meeting-meta' }, h('span', {}, meeting.guest.email), ' · ', h('a', { href: `#/c/${meeting.conversationId}` }, 'Open conversation')),
      this.details,
      h('div', { class: 'meeting-actions' }, reschedule, del, this.respond),
      this.confirmDelete,
      this.error,
    );
    this.update(meeting);
  }

  update(meeting: MeetingView) {
    this.meeting = meeting;
    const zone = this.zone();
    this.when.textContent = `${formatDateTime(meeting.start, zone)}–${formatTime(meeting.end, zone)} (${meeting.durationMinutes} min, ${zone})`;
    this.status.textContent = meeting.status === 'pending' ? 'waiting for your answer' : meeting.status;
    this.status.dataset.status = meeting.status;
    const where = meeting.location;
    const facts: Array<[string, Node | string]> = [
      ['Type', meeting.type.title],
      ...(where ? [['Where', where.url ? h('a', { href: where.url, target: '_blank', rel: 'noopener' }, where.text) : where.text] as [string, Node]] : []),
      ...meeting.answers.map((a): [string, string] => [a.label, a.value]),
    ];
    this.details.replaceChildren(...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
    this.respond.replaceChildren(
      ...(meeting.status === 'pending'
        ? [
            h('button', { type: 'button', class: 'primary', onclick: () => this.run(() => this.answer('accept')) }, 'Accept'),
            h('button', { type: 'button', onclick: () => this.run(() => this.answer('decline')) }, 'Decline'),
          ]
        : []),
    );
  }

  private answer(answer: 'accept' | 'decline') {
    return this.api.call<MeetingView>('POST', `/api/calendar/meetings/${this.meeting.id}/respond`, { answer });
  }

  /** Runs a change; the answer updates the row at once (the live socket confirms it). */
  private async run(change: () => Promise<MeetingView>): Promise<boolean> {
    this.error.textContent = '';
    try {
      const meeting = await change();
      this.update(meeting);
      this.onSaved(meeting);
      return true;
    } catch (err) {
      this.error.textContent = messageOf(err);
      return false;
    }
  }

  private toggleForm() {
    if (this.form) return this.closeForm();
    const zone = this.zone();
    const start = h('input', { type: 'datetime-local', name: 'start', required: true, value: toLocalInput(this.meeting.start, zone) });
    const duration = h(
      'select',
      { name: 'duration' },
      ...[...new Set([...this.durations(), this.meeting.durationMinutes])].sort((a, b) => a - b).map((d) => h('option', { value: String(d) }, `${d} min`)),
    );
    duration.value = String(this.meeting.durationMinutes);
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const form = h(
      'form',
      { class: 'reschedule', 'aria-label': `Reschedule the meeting with ${this.meeting.guest.name}` },
      field('New start', start, `In your time zone, ${zone}. The guest is told in theirs (${this.meeting.guest.timeZone}).`),
      field('Duration', duration),
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => this.closeForm() }, 'Cancel'), save),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const iso = fromLocalInput(start.value, zone);
      if (!iso) return void (this.error.textContent = 'Enter a date and a time.');
      const body: Record<string, unknown> = {};
      if (iso !== this.meeting.start) body.start = iso;
      if (Number(duration.value) !== this.meeting.durationMinutes) body.durationMinutes = Number(duration.value);
      if (!Object.keys(body).length) return this.closeForm();
      save.disabled = true;
      const done = await this.run(() => this.api.call<MeetingView>('PATCH', `/api/calendar/meetings/${this.meeting.id}`, body));
      save.disabled = false;
      if (done) this.closeForm();
    });
    this.form = form;
    this.reschedule.setAttribute('aria-expanded', 'true');
    this.error.before(form);
    start.focus();
  }

  private closeForm() {
    this.form?.remove();
    this.form = null;
    this.reschedule.setAttribute('aria-expanded', 'false');
    this.reschedule.focus();
  }
}
