// A toolbar button with a menu (the snooze and labels menus). The menu is a popover (top
// layer), so the toolbar's sideways scroll on small screens cannot clip it, and it follows
// the ARIA menu pattern: arrows move, Home/End jump, Escape (the popover's own) and Tab close it.
import { h } from './chat-view';

let count = 0;

/**
 * `items` makes the menu's items each time it opens, so what it lists is current; they are
 * buttons of role `itemRole`. `close` hides the menu and gives the focus back to the button.
 */
export function menuButton(options: {
  text: string;
  label: string;
  class: string;
  itemRole: 'menuitem' | 'menuitemcheckbox';
  items: () => Node[] | Promise<Node[]>;
}) {
  const id = `menu-${++count}`;
  const button = h('button', { type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-controls': id }, options.text);
  const menu = h('div', { id, role: 'menu', 'aria-label': options.label, class: options.class, popover: 'auto' });
  const items = () => [...menu.querySelectorAll<HTMLButtonElement>(`[role=${options.itemRole}]`)];
  const close = () => {
    menu.hidePopover();
    button.focus();
  };

  const open = async () => {
    menu.replaceChildren(...(await options.items()));
    menu.showPopover();
    const box = button.getBoundingClientRect();
    menu.style.left = `${Math.max(8, Math.min(box.left, innerWidth - menu.offsetWidth - 8))}px`;
    menu.style.top = `${box.bottom + 4}px`;
    items()[0]?.focus();
  };
  button.addEventListener('click', () => (menu.matches(':popover-open') ? menu.hidePopover() : void open()));
  button.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') (e.preventDefault(), void open());
  });
  // `beforetoggle` fires as the popover opens or closes (light dismiss included); `toggle` comes
  // a task later, so the button would briefly say the wrong thing.
  menu.addEventListener('beforetoggle', (e) => button.setAttribute('aria-expanded', String((e as ToggleEvent).newState === 'open')));
  menu.addEventListener('keydown', (e) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? list.length - 1 : null;
    if (to !== null) {
      e.preventDefault();
      list[(to + list.length) % list.length]?.focus();
    } else if (e.key === 'Tab' || e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  return { button, menu, items, close };
}
