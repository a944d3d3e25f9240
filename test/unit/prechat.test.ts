import { describe, expect, it } from 'vitest';
import { checkAnswers, DEFAULT_PRECHAT, PrechatForm } from '../../src/directory/prechat';
import sample from '../support/prechat-form.json';

// The fault suite's Quiz form (test/faults/prechat.test.mjs), with a required email.
const form = PrechatForm.parse({ ...sample, email: 'required' });

const paths = (result: ReturnType<typeof checkAnswers>) => ('problems' in result ? result.problems.map((p) => p.path) : []);

describe('the pre-chat form', () => {
  it('defaults to what Doorbell always asked: name required, email optional, no fields', () => {
    expect(PrechatForm.parse({})).toEqual(DEFAULT_PRECHAT);
    expect(form).toMatchObject({ name: 'required', email: 'required' });
    expect(form.fields[0]!.required).toBe(false);
  });

  it('refuses duplicate keys, a select without options, options elsewhere, long labels and too many fields, naming the field', () => {
    const issues = (value: unknown) => {
      const parsed = PrechatForm.safeParse(value);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(issues({ fields: [{ key: 'a', label: 'A', type: 'text' }, { key: 'a', label: 'B', type: 'text' }] })).toEqual(['fields.1.key']);
    expect(issues({ fields: [{ key: 'size', label: 'Size', type: 'select' }] })).toEqual(['fields.0.options']);
    expect(issues({ fields: [{ key: 'size', label: 'Size', type: 'select', options: [] }] })).toEqual(['fields.0.options']);
    expect(issues({ fields: [{ key: 'size', label: 'Size', type: 'select', options: ['S', 'S'] }] })).toEqual(['fields.0.options']);
    expect(issues({ fields: [{ key: 'n', label: 'N', type: 'text', options: ['x'] }] })).toEqual(['fields.0.options']);
    expect(issues({ fields: [{ key: 'n', label: 'x'.repeat(81), type: 'text' }] })).toEqual(['fields.0.label']);
    expect(issues({ fields: [{ key: 'Bad Key', label: 'N', type: 'text' }] })).toEqual(['fields.0.key']);
    expect(issues({ fields: [{ key: 'n', label: 'N', type: 'date' }] })).toEqual(['fields.0.type']);
    expect(issues({ fields: Array.from({ length: 11 }, (_, i) => ({ key: `f${i}`, label: `F${i}`, type: 'text' })) })).toEqual(['fields']);
    expect(issues({ name: 'maybe' })).toEqual(['name']);
    expect(issues({ colour: 'red' })).toEqual(['']);
  });

  it('keeps valid answers in the form’s order, with labels, trimmed, and drops blank optional ones', () => {
    expect(checkAnswers(form, { plan: 'Pro', phone: ' +33 1 23-45.67 (89) ', company: '  ', work: 'a@b.co' })).toEqual({
      answers: [
        { key: 'phone', label: 'Phone', value: '+33 1 23-45.67 (89)' },
        { key: 'work', label: 'Work email', value: 'a@b.co' },
        { key: 'plan', label: 'Plan', value: 'Pro' },
      ],
    });
  });

  it('names every wrong field: required missing, malformed email or phone, a value not offered, an unknown key', () => {
    expect(paths(checkAnswers(form, {}))).toEqual(['answers.phone', 'answers.plan']);
    expect(paths(checkAnswers(form, { phone: '12', plan: 'Pro' }))).toEqual(['answers.phone']);
    expect(paths(checkAnswers(form, { phone: 'call me', plan: 'Pro' }))).toEqual(['answers.phone']);
    expect(paths(checkAnswers(form, { phone: '1'.repeat(16), plan: 'Pro' }))).toEqual(['answers.phone']);
    expect(paths(checkAnswers(form, { phone: '0612345678', plan: 'pro' }))).toEqual(['answers.plan']);
    expect(paths(checkAnswers(form, { phone: '0612345678', plan: 'Pro', work: 'not-an-address' }))).toEqual(['answers.work']);
    expect(paths(checkAnswers(form, { phone: '0612345678', plan: 'Pro', shoe: '42' }))).toEqual(['answers.shoe']);
  });

  it('a form without fields (a personal link) takes no answers at all', () => {
    expect(checkAnswers(DEFAULT_PRECHAT, {})).toEqual({ answers: [] });
    expect(paths(checkAnswers(DEFAULT_PRECHAT, { company: 'Acme' }))).toEqual(['answers.company']);
  });
});
