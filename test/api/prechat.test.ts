import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, clientId, deleteAllWebhooks, directorySnapshot, newGuest, webhookReceiver } from '../helpers';

/** The pre-chat form (docs/widget.md "Pre-chat form"): its config, the server's check of the answers, who sees them. */

const SLUG = 'prechat-desk';
const FORM = {
  email: 'required',
  fields: [
    { key: 'company', label: 'Company', type: 'text' },
    { key: 'phone', label: 'Phone number', type: 'phone', required: true },
    { key: 'plan', label: 'Your plan', type: 'select', options: ['Free', 'Pro'], required: true },
  ],
};
const GOOD = { phone: '+33 6 12 34 56 78', plan: 'Pro', company: 'Acme' };

const start = (guest: { headers: Record<string, string> }, answers?: Record<string, unknown>, target: Record<string, unknown> = { kind: 'service', slug: SLUG, widget: true }) =>
  call('POST', '/api/conversations', { headers: guest.headers, body: { target, clientId: clientId(), text: 'Hello', ...(answers === undefined ? {} : { answers }) } });
const patch = (body: Record<string, unknown>) => call('PATCH', `/api/admin/services/${SLUG}`, { headers: ADMIN, body });

beforeAll(async () => {
  expect((await call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: SLUG, name: 'Prechat desk', prechat: FORM } })).status).toBe(201);
  expect((await call('PUT', `/api/admin/services/${SLUG}/members/alice`, { headers: ADMIN })).status).toBe(200);
});

let stopIntercepting: (() => void) | null = null;
afterEach(async () => {
  stopIntercepting?.();
  stopIntercepting = null;
  await deleteAllWebhooks();
});

describe('the form’s config', () => {
  it('a service without one asks a required name and an optional email, and no fields', async () => {
    const card = await call('GET', '/api/public/services/sales');
    expect(card.body.prechat).toEqual({ name: 'required', email: 'optional', fields: [] });
  });

  it('is on the admin view and the public card, with defaults filled in', async () => {
    const admin = await call('GET', `/api/admin/services/${SLUG}`, { headers: ADMIN });
    const expected = { name: 'required', email: 'required', fields: [{ ...FORM.fields[0], required: false }, FORM.fields[1], FORM.fields[2]] };
    expect(admin.body.prechat).toEqual(expected);
    const card = await call('GET', `/api/public/services/${SLUG}`);
    expect(card.body.prechat).toEqual(expected);
    // Still no private fields on the card.
    expect(card.body.members).toBeUndefined();
  });

  it('a bad form is refused naming the field, and changes nothing', async () => {
    const before = await directorySnapshot();
    for (const [prechat, path] of [
      [{ fields: [{ key: 'a', label: 'A', type: 'text' }, { key: 'a', label: 'B', type: 'email' }] }, 'prechat.fields.1.key'],
      [{ fields: [{ key: 'size', label: 'Size', type: 'select' }] }, 'prechat.fields.0.options'],
      [{ fields: [{ key: 'size', label: 'L'.repeat(81), type: 'text' }] }, 'prechat.fields.0.label'],
      [{ email: 'always' }, 'prechat.email'],
    ] as const) {
      const { status, body } = await patch({ prechat });
      expect(status).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details.problems.map((p: { path: string }) => p.path)).toContain(path);
    }
    expect(await directorySnapshot()).toEqual(before);
  });
});

describe('the answers', () => {
  it('are refused per field when wrong, and nothing is created', async () => {
    const ann = await newGuest('Ann Lee', 'ann@example.com');
    const cases: Array<[Record<string, unknown> | undefined, string[]]> = [
      [undefined, ['answers.phone', 'answers.plan']],
      [{ ...GOOD, phone: '' }, ['answers.phone']],
      [{ ...GOOD, phone: 'call me maybe' }, ['answers.phone']],
      [{ ...GOOD, plan: 'Enterprise' }, ['answers.plan']],
      [{ ...GOOD, shoe: '42' }, ['answers.shoe']],
      [{ ...GOOD, plan: 7 }, ['answers.plan']],
    ];
    for (const [answers, paths] of cases) {
      const { status, body } = await start(ann, answers);
      expect(status, JSON.stringify(answers)).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(body.error.details.problems.map((p: { path: string }) => p.path)).toEqual(paths);
    }
    // Nothing was created: the guest has no conversation yet.
    const { results } = await env.DB.prepare('SELECT id FROM conversations WHERE guest_id = ?').bind(ann.id).all();
    expect(results).toEqual([]);
  });

  it('a required email the guest never gave is refused', async () => {
    const bo = await newGuest('Bo Chen');
    const { status, body } = await start(bo, GOOD);
    expect(status).toBe(400);
    expect(body.error.details.problems.map((p: { path: string }) => p.path)).toEqual(['email']);
  });

  it('an agent’s personal link has no form: any answer is unknown', async () => {
    const cy = await newGuest('Cy Diaz');
    const refused = await start(cy, { company: 'Acme' }, { kind: 'agent', slug: 'alice' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.problems).toEqual([{ path: 'answers.company', message: 'is not a field of this pre-chat form' }]);
    expect((await start(cy, {}, { kind: 'agent', slug: 'alice' })).status).toBe(200);
  });

  it('are kept with labels: agents see them in the view and details, the guest who gave them too, an invited guest never', async () => {
    const receiver = await webhookReceiver('https://prechat.receiver.example', ['conversation.created']);
    stopIntercepting = receiver.stop;
    const dee = await newGuest('Dee Ford', 'dee@example.com');
    const started = await start(dee, GOOD);
    expect(started.status).toBe(200);
    const id = started.body.conversation.id as string;
    const labelled = [
      { key: 'company', label: 'Company', value: 'Acme' },
      { key: 'phone', label: 'Phone number', value: '+33 6 12 34 56 78' },
      { key: 'plan', label: 'Your plan', value: 'Pro' },
    ];
    const alice = await asAgent('alice');
    expect((await call('GET', `/api/conversations/${id}`, { headers: alice })).body.answers).toEqual(labelled);
    expect((await call('GET', `/api/conversations/${id}/details`, { headers: alice })).body.answers).toEqual(labelled);
    expect((await call('GET', `/api/conversations/${id}`, { headers: dee.headers })).body.answers).toEqual(labelled);

    const [event] = await receiver.delivered(1);
    expect(event.type).toBe('conversation.created');
    expect(event.data.conversation.id).toBe(id);
    expect(event.data.answers).toEqual(labelled);

    // A relabelled form does not relabel what the guest answered.
    expect((await patch({ prechat: { ...FORM, fields: FORM.fields.map((f) => ({ ...f, label: `${f.label} (new)` })) } })).status).toBe(200);
    expect((await call('GET', `/api/conversations/${id}`, { headers: alice })).body.answers).toEqual(labelled);
    expect((await patch({ prechat: FORM })).status).toBe(200);

    const eve = await newGuest('Eve Gray');
    const invite = await call('POST', `/api/conversations/${id}/invites`, { headers: alice });
    const accepted = await call('POST', '/api/invites/accept', { headers: eve.headers, body: { invite: invite.body.invite } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.answers).toBeUndefined();
    expect((await call('GET', `/api/conversations/${id}`, { headers: eve.headers })).body.answers).toBeUndefined();
  });

  it('a conversation without a form has no answers', async () => {
    const fay = await newGuest('Fay Hill');
    const { body } = await start(fay, undefined, { kind: 'service', slug: 'sales' });
    expect(body.conversation.answers).toEqual([]);
    expect((await call('GET', `/api/conversations/${body.conversation.id}/details`, { headers: await asAgent('alice') })).body.answers).toEqual([]);
  });
});
