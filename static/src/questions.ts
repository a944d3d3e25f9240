// A meeting type's booking questions as form fields (docs/meetings.md "Booking questions"), for
// the booking page and the chat's offer card alike: the same kinds, labels and checks as the
// server's (src/calendar/meeting-types.ts, checkAnswers), which checks them again. In the widget's
// shadow root too: classes only, no inline styles (docs/widget.md CSP).
import { h } from './chat-view';
import type { ChatStrings } from './i18n';

export type Question = { id: string; label: string; kind: 'short' | 'long' | 'phone' | 'select' | 'checkbox'; required: boolean; options?: string[] };
type Words = Pick<ChatStrings, 'mtOptional' | 'mtPick' | 'mtRequired' | 'mtPhoneInvalid'>;
type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/**
 * A labelled form field with its own error line (announced, and tied to the input for screen
 * readers), classed `{cls}` and `{cls}-error`. `invalid('')` clears it; it answers whether the
 * field is fine.
 */
export function labelledField(cls: string, label: string, input: Control, ...extra: Node[]) {
  if (!input.id) input.id = `f-${Math.random().toString(36).slice(2, 9)}`;
  const error = h('span', { class: `${cls}-error`, id: `${input.id}-error`, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', error.id);
  const wrap = h('div', { class: cls }, h('label', { for: input.id }, label), input, ...extra, error);
  const invalid = (message: string): boolean => {
    error.textContent = message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    return !message;
  };
  // A complaint about what was typed goes away as soon as the person types again.
  input.addEventListener('input', () => error.textContent && invalid(''));
  return { wrap, invalid };
}

const PHONE = /^\+?[0-9][0-9 ().-]{3,28}[0-9]$/;

/**
 * The questions as fields classed `cls` (see labelledField). `check()` names each unanswered
 * required question or malformed answer under its field, puts the focus on the first, and
 * answers whether all are fine; `answers()` is a booking's `answers`.
 */
export function questionFields(questions: Question[], t: Words, cls = 'field') {
  const rows = questions.map((q) => {
    const label = q.required ? q.label : `${q.label} ${t.mtOptional}`;
    const name = `q-${q.id}`;
    if (q.kind === 'checkbox') {
      const box = h('input', { type: 'checkbox', name });
      const f = labelledField(cls, label, box);
      f.wrap.classList.add('check');
      return { q, ...f, focus: () => box.focus(), value: (): string | boolean => box.checked };
    }
    const input =
      q.kind === 'select'
        ? h('select', { name }, h('option', { value: '' }, t.mtPick), ...q.options!.map((o) => h('option', { value: o }, o)))
        : q.kind === 'long'
          ? h('textarea', { name, rows: '3', maxlength: '4000' })
          : h('input', { name, maxlength: q.kind === 'phone' ? '30' : '200', ...(q.kind === 'phone' ? { type: 'tel', autocomplete: 'tel' } : {}) });
    if (q.required) input.setAttribute('aria-required', 'true');
    return { q, ...labelledField(cls, label, input), focus: () => input.focus(), value: (): string | boolean => input.value.trim() };
  });
  const problem = (q: Question, value: string | boolean): string => {
    if (q.kind === 'checkbox') return q.required && value !== true ? t.mtRequired : '';
    if (!value) return q.required ? t.mtRequired : '';
    return q.kind === 'phone' && !PHONE.test(String(value)) ? t.mtPhoneInvalid : '';
  };
  return {
    wraps: rows.map((r) => r.wrap),
    check(): boolean {
      const bad = rows.filter((r) => !r.invalid(problem(r.q, r.value())));
      bad[0]?.focus();
      return bad.length === 0;
    },
    answers(): Record<string, string | boolean> {
      return Object.fromEntries(
        rows.flatMap((r) => {
          const value = r.value();
          return value === '' || value === false ? [] : [[r.q.id, value]];
        }),
      );
    },
  };
}
