// The pre-chat form's custom fields (docs/widget.md "Pre-chat form"), drawn under the intro's
// name and email by chat-view.ts. Hints are given as the guest types, but the server checks
// the answers again and its refusal is shown beside each field it names.
import type { PrechatForm } from '../../src/directory/prechat';
import { looksLikeEmail, looksLikePhone } from '../../src/directory/prechat-values';
import { h } from './chat-view';
import { fill, type ChatStrings } from './i18n';

export type { PrechatForm };

/** A service that set no form, and an agent's personal link: what Doorbell always asked. */
const ASKED: PrechatForm = { name: 'required', email: 'optional', fields: [] };

type Control = HTMLInputElement | HTMLSelectElement;

export interface Prechat {
  /** The intro's name and email as the form asks them. */
  readonly ask: Pick<PrechatForm, 'name' | 'email'>;
  /** The custom fields; hidden when there are none. */
  readonly element: HTMLElement;
  /** The first field the guest must still fix (its hint shown), or null. */
  check(): Control | null;
  answers(): Record<string, string>;
  /** Shows the server's word beside each answer it refused; the first such field, or null when it named none. */
  refused(problems: { path: string; message: string }[]): Control | null;
}

export function prechatFields(t: ChatStrings, form: PrechatForm = ASKED): Prechat {
  const rows = form.fields.map((field, i) => {
    const id = `db-pre-${i}`;
    const hint = h('p', { class: 'db-hint', id: `${id}-hint`, 'aria-live': 'polite' });
    const common = { id, name: field.key, 'aria-describedby': hint.id, required: field.required };
    const control: Control =
      field.type === 'select'
        ? h('select', common, h('option', { value: '' }, t.prechatChoose), ...field.options!.map((o) => h('option', { value: o }, o)))
        : h('input', {
            ...common,
            maxlength: '500',
            type: field.type === 'phone' ? 'tel' : field.type,
            ...(field.type === 'email' ? { autocomplete: 'email' } : field.type === 'phone' ? { autocomplete: 'tel' } : {}),
          });
    const label = h('label', { for: id }, field.label, field.required ? '' : h('span', { class: 'db-optional' }, ` ${t.prechatOptional}`));
    const show = (text: string) => {
      hint.textContent = text;
      control.setAttribute('aria-invalid', String(!!text));
    };
    const problem = () => {
      const value = control.value.trim();
      if (!value) return field.required ? fill(t.prechatRequired, { label: field.label }) : '';
      if (field.type === 'email' && !looksLikeEmail(value)) return t.prechatEmail;
      if (field.type === 'phone' && !looksLikePhone(value)) return t.prechatPhone;
      return '';
    };
    // A hint once the guest leaves the field, cleared as soon as it is right.
    control.addEventListener('blur', () => show(problem()));
    control.addEventListener('input', () => control.getAttribute('aria-invalid') === 'true' && show(problem()));
    return { field, control, show, problem, row: h('div', { class: 'db-field' }, label, control, hint) };
  });
  const element = h('fieldset', { class: 'db-prechat', hidden: !rows.length }, h('legend', { class: 'db-sr' }, t.prechatTitle), ...rows.map((r) => r.row));
  return {
    ask: form,
    element,
    check() {
      let first: Control | null = null;
      for (const r of rows) {
        const text = r.problem();
        r.show(text);
        if (text && !first) first = r.control;
      }
      return first;
    },
    answers: () => Object.fromEntries(rows.flatMap((r) => (r.control.value.trim() ? [[r.field.key, r.control.value.trim()]] : []))),
    refused(problems) {
      let first: Control | null = null;
      for (const r of rows) {
        const said = problems.find((p) => p.path === `answers.${r.field.key}`);
        r.show(said ? `${r.field.label} ${said.message}.` : '');
        if (said && !first) first = r.control;
      }
      return first;
    },
  };
}
