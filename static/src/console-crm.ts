// Push the conversation's guest and transcript to a CRM (C11, docs/integrations.md). The push
// is queued and retried by the server, never holding up the chat; this shows where each push
// stands, and the result also arrives in the timeline (agents only).
import type { ConversationClient } from './chat-client';
import { h } from './chat-view';
import { messageOf, type AgentApi } from './console-api';

type Push = {
  id: string;
  provider: 'hubspot' | 'salesforce';
  status: 'queued' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  recordUrl: string | null;
  error: string | null;
};

const NAMES = { hubspot: 'HubSpot', salesforce: 'Salesforce' } as const;

export class CrmPanel {
  readonly element: HTMLElement;
  private list = h('ul', { class: 'pushes', 'aria-label': 'CRM pushes' });
  private error = h('p', { class: 'error', role: 'alert' });
  private seenCrmSeq = 0;
  private refreshTimer?: ReturnType<typeof setTimeout>;

  constructor(private api: AgentApi, private chat: ConversationClient, private id: string) {
    const push = (provider: Push['provider']) =>
      h('button', { type: 'button', onclick: () => this.push(provider) }, `Push to ${NAMES[provider]}`);
    this.element = h('div', { class: 'crm' }, h('div', { class: 'buttons' }, push('hubspot'), push('salesforce')), this.error, this.list);
    // A result in the timeline means a push finished: show where each stands.
    chat.on((what) => {
      if (what !== 'entries') return;
      const latest = chat.entries.filter((e) => e.event?.type === 'crm').at(-1)?.seq ?? 0;
      if (latest > this.seenCrmSeq) (this.seenCrmSeq = latest), this.refresh();
    });
    this.refresh();
  }

  stop() {
    clearTimeout(this.refreshTimer);
  }

  private async push(provider: Push['provider']) {
    this.error.textContent = '';
    const guestId = this.chat.view?.participants.find((p) => p.kind === 'guest')?.id;
    try {
      await this.api.call('POST', `/api/conversations/${this.id}/crm`, { provider, ...(guestId ? { guestId } : {}) });
    } catch (err) {
      this.error.textContent = messageOf(err);
    }
    await this.refresh();
  }

  private async refresh() {
    clearTimeout(this.refreshTimer);
    let pushes: Push[];
    try {
      pushes = (await this.api.call<{ pushes: Push[] }>('GET', `/api/conversations/${this.id}/crm`)).pushes;
    } catch {
      return; // Not allowed to see them, or offline: the buttons still say why on use.
    }
    this.list.replaceChildren(...pushes.map((p) => h('li', { 'data-status': p.status }, describe(p))));
    // While a push waits for a retry, look again when it is due.
    const next = pushes.filter((p) => p.status === 'queued' && p.nextAttemptAt).map((p) => Date.parse(p.nextAttemptAt!));
    if (next.length) this.refreshTimer = setTimeout(() => this.refresh(), Math.max(2000, Math.min(...next) - Date.now() + 1000));
  }
}

function describe(p: Push): HTMLElement {
  const name = NAMES[p.provider];
  if (p.status === 'succeeded') {
    return h('span', {}, `${name}: saved. `, p.recordUrl ? h('a', { href: p.recordUrl, target: '_blank', rel: 'noopener' }, 'Open the record') : '');
  }
  if (p.status === 'failed') return h('span', { class: 'bad' }, `${name}: failed after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}: ${p.error ?? 'unknown error'}`);
  const retry = p.attempts ? ` (attempt ${p.attempts} failed: ${p.error ?? 'unknown error'}; retrying)` : '';
  return h('span', {}, `${name}: queued${retry}`);
}
