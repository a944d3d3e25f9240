// Live lists (inbox, meetings) update their rows in place and move only the rows whose place
// changed, so a live update neither scrolls the list nor takes the keyboard focus away.

/** Puts `rows` into `list` in this order (other children are removed), keeping the focus. */
export function arrange(list: HTMLElement, rows: HTMLElement[]) {
  const focused = document.activeElement;
  const wanted = new Set<Element>(rows);
  for (const child of [...list.children]) if (!wanted.has(child)) child.remove();
  let previous: Element | null = null;
  for (const row of rows) {
    const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (expected !== row) {
      if (previous) previous.after(row);
      else list.prepend(row);
    }
    previous = row;
  }
  // Moving a node blurs what it contains; give the focus back.
  if (focused instanceof HTMLElement && focused.isConnected && document.activeElement !== focused) focused.focus();
}
