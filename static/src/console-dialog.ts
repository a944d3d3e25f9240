// One modal dialog for every console action that asks something first (assign, rename,
// invite, add to the phonebook): a native <dialog> (focus kept inside, Escape closes, focus
// returns to the button that opened it), and the server's refusal shown inside it.
import { h } from './chat-view';
import { messageOf } from './console-api';

let count = 0;

export type DialogOptions = {
  title: string;
  body: (HTMLElement | string)[];
  submit: string;
  /** Runs on submit. Throwing shows the error in the dialog and keeps it open; returning `'keep'` keeps it open too (e.g. to show a result). */
  onSubmit: (dialog: HTMLDialogElement) => Promise<void | 'keep'>;
  /** The label of the closing button ("Cancel" by default). */
  dismiss?: string;
};

export function openDialog(o: DialogOptions): HTMLDialogElement {
  const id = `dlg-${++count}`;
  const error = h('p', { class: 'error', role: 'alert', id: `${id}-error` });
  const submit = h('button', { type: 'submit', class: 'primary' }, o.submit);
  const cancel = h('button', { type: 'button', onclick: () => dialog.close() }, o.dismiss ?? 'Cancel');
  const form = h('form', { method: 'dialog' }, h('h2', { id: `${id}-title` }, o.title), ...o.body, error, h('div', { class: 'buttons' }, cancel, submit));
  const dialog = h('dialog', { 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-error` }, form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      if ((await o.onSubmit(dialog)) !== 'keep') dialog.close();
    } catch (err) {
      error.textContent = messageOf(err);
    } finally {
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A labelled control: the label names it for assistive technology and tests alike. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  const id = control.id || `f-${++count}`;
  control.id = id;
  const parts: (HTMLElement | string)[] = [h('label', { for: id }, label), control];
  if (hint) {
    const hintEl = h('small', { id: `${id}-hint` }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
    parts.push(hintEl);
  }
  return h('div', { class: 'field' }, ...parts);
}
