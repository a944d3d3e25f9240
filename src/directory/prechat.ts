// A service's pre-chat form (docs/widget.md "Pre-chat form"): which of name and email the
// widget and the service page ask, and the custom fields a guest answers before the first
// message. The server checks the answers against the form as it is when the conversation
// starts (checkAnswers), so a page with an old or forged form cannot slip anything past it.
import { z } from 'zod';
import { displayText, type Problem } from '../http/validation';
import { looksLikeEmail, looksLikePhone } from './prechat-values';

export const PRECHAT_MAX_FIELDS = 10;
export const PRECHAT_MAX_OPTIONS = 20;
export const PRECHAT_ANSWER_CHARS = 500;

const Ask = z.enum(['required', 'optional', 'hidden']);

export const PrechatField = z
  .strictObject({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be 1–32 lowercase letters, digits or underscores, starting with a letter'),
    label: displayText(80),
    type: z.enum(['text', 'email', 'phone', 'select']),
    options: z.array(displayText(80)).min(1, 'must offer at least one option').max(PRECHAT_MAX_OPTIONS, `at most ${PRECHAT_MAX_OPTIONS} options`).optional(),
    required: z.boolean().default(false),
  })
  .superRefine((field, ctx) => {
    if (field.type === 'select' && !field.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select field must list its options' });
    if (field.type !== 'select' && field.options) ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select field has options' });
    if (field.options && new Set(field.options).size !== field.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must be different' });
  });
export type PrechatField = z.output<typeof PrechatField>;

export const PrechatForm = z
  .strictObject({
    name: Ask.default('required').describe('Whether the page asks the guest’s name: required (the default), optional or hidden.'),
    email: Ask.default('optional').describe('Whether the page asks the guest’s email: optional (the default), required or hidden. Required: a conversation is refused while the guest has none.'),
    fields: z.array(PrechatField).max(PRECHAT_MAX_FIELDS, `at most ${PRECHAT_MAX_FIELDS} fields`).default([]),
  })
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.fields.forEach((field, i) => {
      if (seen.has(field.key)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'key'], message: `duplicate key "${field.key}"` });
      seen.add(field.key);
    });
  });
export type PrechatForm = z.output<typeof PrechatForm>;

/** A service that never set a form asks what Doorbell always asked: a name, and an email if the guest wants. */
export const DEFAULT_PRECHAT: PrechatForm = { name: 'required', email: 'optional', fields: [] };

/** What the guest sends with the first message: one string per field key. */
export const PrechatAnswersInput = z.record(z.string().max(40), z.string().max(PRECHAT_ANSWER_CHARS, `must be at most ${PRECHAT_ANSWER_CHARS} characters`));

/** Answers as stored with the conversation: each with the label the guest read, so a later change of the form does not relabel it. */
export const PrechatAnswerView = z.array(z.object({ key: z.string(), label: z.string(), value: z.string() }));
export type PrechatAnswer = z.infer<typeof PrechatAnswerView>[number];

function answerProblem(field: PrechatField, value: string): string | null {
  if (field.type === 'email' && !looksLikeEmail(value)) return 'must be an email address';
  if (field.type === 'phone' && !looksLikePhone(value)) return 'must be a phone number (6 to 15 digits, optionally +, spaces, dashes, dots or brackets)';
  if (field.type === 'select' && !field.options!.includes(value)) return `must be one of: ${field.options!.join(', ')}`;
  return null;
}

/**
 * The answers in the form's order, or a problem per field (path `answers.<key>`). Blank
 * answers count as not given; an answer to a key the form does not have is refused, so a
 * personal link (no form, `fields` empty) takes none.
 */
export function checkAnswers(form: PrechatForm, given: Record<string, string>): { answers: PrechatAnswer[] } | { problems: Problem[] } {
  const found: Problem[] = [];
  const answers: PrechatAnswer[] = [];
  const keys = new Set(form.fields.map((f) => f.key));
  for (const key of Object.keys(given)) if (!keys.has(key)) found.push({ path: `answers.${key}`, message: 'is not a field of this pre-chat form' });
  for (const field of form.fields) {
    const value = given[field.key]?.trim() ?? '';
    const problem = value ? answerProblem(field, value) : field.required ? 'is required' : null;
    if (problem) found.push({ path: `answers.${field.key}`, message: problem });
    else if (value) answers.push({ key: field.key, label: field.label, value });
  }
  return found.length ? { problems: found } : { answers };
}
