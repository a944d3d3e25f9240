// The conversation's status in the console (docs/rules.md, "Status"): a badge and the
// Resolve / Snooze ▾ / Reopen controls in the conversation's toolbar (the snooze menu: console-menu.ts).
import type { ConversationView } from '../../src/conversation/protocol';
import { h } from './chat-view';
import { menuButton } from './console-menu';

export type Status = NonNullable<ConversationView['status']>;
/** What PATCH /api/conversations/{id} takes to change the status. */
export type StatusChange = { status: Status; until?: string };

const LABEL: Record<Status, string> = { open: 'Open', snoozed: 'Snoozed', resolved: 'Resolved' };

/** The badge text: "Snoozed until Tue 09:00", "Snoozed until the guest writes", "Resolved". */
export function statusLabel(status: Status, snoozedUntil: string | null | undefined): string {
  if (status !== 'snoozed') return LABEL[status];
  if (!snoozedUntil) return 'Snoozed until the guest writes';
  const when = new Date(snoozedUntil);
  return `Snoozed until ${when.toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`;
}

export function statusBadge(status: Status, snoozedUntil: string | null | undefined): HTMLElement {
  return h('span', { class: 'tag status-tag', 'data-status': status, title: statusLabel(status, snoozedUntil) }, LABEL[status]);
}

/** Snooze presets, in the agent's own time zone; each at most 8 days ahead (the server allows 90). */
export function snoozePresets(now = new Date()): Array<{ label: string; until: string | undefined }> {
  const at9 = (days: number) => {
    const d = new Date(now);
    d.setDate(d.getDate() + days);
    d.setHours(9, 0, 0, 0);
    return d.toISOString();
  };
  // Next Monday, or the one after when today is Monday: "next week" is never today.
  const toMonday = ((8 - now.getDay()) % 7) || 7;
  return [
    { label: '1 hour', until: new Date(now.getTime() + 3_600_000).toISOString() },
    { label: 'Tomorrow 9:00', until: at9(1) },
    { label: 'Next week', until: at9(toMonday) },
    { label: 'Until the guest writes', until: undefined },
  ];
}

/**
 * The status controls. `change` sends a status change (its refusal is shown by the caller);
 * `render` follows the view.
 */
export function statusControls(change: (body: StatusChange) => Promise<void>) {
  const badge = h('span', { class: 'status-slot', role: 'status' });
  const resolve = h('button', { type: 'button', onclick: () => change({ status: 'resolved' }) }, 'Resolve');
  const reopen = h('button', { type: 'button', onclick: () => change({ status: 'open' }) }, 'Reopen');
  const { button: snooze, menu, close } = menuButton({
    text: 'Snooze ▾',
    label: 'Snooze until',
    class: 'snooze-menu',
    itemRole: 'menuitem',
    items: () =>
      snoozePresets().map((preset) =>
        h(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            tabindex: '-1',
            onclick: () => {
              close();
              void change(preset.until ? { status: 'snoozed', until: preset.until } : { status: 'snoozed' });
            },
          },
          preset.label,
        ),
      ),
  });

  return {
    elements: [badge, resolve, snooze, reopen, menu] as HTMLElement[],
    buttons: [resolve, snooze, reopen],
    render(view: Pick<ConversationView, 'status' | 'snoozedUntil'> | null) {
      const status = view?.status ?? 'open';
      badge.replaceChildren(view?.status ? h('span', { class: 'tag status-tag', 'data-status': status }, statusLabel(status, view.snoozedUntil)) : '');
      resolve.hidden = status === 'resolved';
      reopen.hidden = status === 'open';
    },
  };
}
