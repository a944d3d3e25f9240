// The organisation's labels in the console (docs/rules.md, "Labels"): coloured chips in inbox
// rows and the conversation's header, and a "Labels ▾" menu of checkboxes in the toolbar.
// The menu is console-menu.ts's, like the snooze menu.
import type { ConversationView } from '../../src/conversation/protocol';
import { h } from './chat-view';
import type { AgentApi } from './console-api';
import { menuButton } from './console-menu';

export type Label = NonNullable<ConversationView['labels']>[number];

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** Black or white, whichever contrasts more with the label's colour (one of them always reaches 4.5:1). */
export function textOn(hex: string): '#000000' | '#ffffff' {
  const l = luminance(hex);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

export const labelChip = (label: Label): HTMLElement =>
  h('span', { class: 'label-chip', 'data-label': label.id, style: `background:${label.color};color:${textOn(label.color)}` }, label.name);

/** The chips of a conversation; a list for screen readers ("Labels: Billing, Urgent"). */
export const labelChips = (labels: readonly Label[] | undefined): HTMLElement | '' =>
  labels && labels.length > 0 ? h('span', { class: 'label-chips', role: 'list', 'aria-label': 'Labels' }, ...labels.map((l) => h('span', { role: 'listitem' }, labelChip(l)))) : '';

/**
 * The toolbar's Labels control: a menu of every label, each a checkbox item. `toggle` puts a
 * label on or takes it off (its refusal is shown by the caller); `render` follows the view.
 */
export function labelControls(api: AgentApi, toggle: (label: Label, on: boolean) => Promise<void>) {
  let applied = new Set<string>();
  const { button, menu, items } = menuButton({
    text: 'Labels ▾',
    label: 'Labels',
    class: 'snooze-menu labels-menu',
    itemRole: 'menuitemcheckbox',
    items: async () => {
      let labels: Label[];
      try {
        labels = (await api.call<{ labels: Label[] }>('GET', '/api/labels')).labels;
      } catch {
        labels = [];
      }
      if (labels.length === 0) return [h('p', { class: 'empty' }, 'No labels yet: an admin adds them.')];
      return labels.map((label) => {
        const item = h(
          'button',
          { type: 'button', role: 'menuitemcheckbox', tabindex: '-1', 'aria-checked': String(applied.has(label.id)), 'data-label': label.id },
          h('span', { class: 'check', 'aria-hidden': 'true' }, applied.has(label.id) ? '✓' : ''),
          labelChip(label),
        );
        // The menu stays open so several labels can be toggled in a row.
        item.addEventListener('click', () => void toggle(label, item.getAttribute('aria-checked') !== 'true'));
        return item;
      });
    },
  });

  return {
    elements: [button, menu] as HTMLElement[],
    button,
    render(labels: readonly Label[] | undefined) {
      applied = new Set((labels ?? []).map((l) => l.id));
      for (const item of items()) {
        const on = applied.has(item.dataset.label!);
        item.setAttribute('aria-checked', String(on));
        item.querySelector('.check')!.textContent = on ? '✓' : '';
      }
    },
  };
}
