import { describe, expect, it } from 'vitest';
import { ADMIN, asAgent, call, directorySnapshot, guestWrites, newGuest } from '../helpers';
import { dayFromNow, slots } from '../meetings';

// Names and titles end up in email headers, calendar invites and other people's screens: a CR/LF
// broke every email of a booking, and a bidi override reverses the text around a name.
const HOSTILE = [
  ['CR LF', 'Ann\r\nBcc: victim@example.com'],
  ['LF', 'Ann\nLee'],
  ['NUL', 'Ann\u0000Lee'],
  ['tab', 'Ann\tLee'],
  ['ESC', 'Ann\u001b[31mLee'],
  ['DEL', 'Ann\u007fLee'],
  ['C1 NEL', 'Ann\u0085Lee'],
  ['C1 CSI', 'Ann\u009bLee'],
  ['RLO', 'Ann \u202egnp.exe'],
  ['LRE', '\u202aAnn'],
  ['PDF', 'Ann\u202c'],
  ['RLI', 'Ann\u2067Lee'],
  ['PDI', 'Ann Lee\u2069'],
  ['trailing LF', 'Ann Lee\n'],
] as const;

type Route = { label: string; field: string; send: (value: string) => Promise<{ status: number; body: any }> };

async function routes(): Promise<Route[]> {
  const alice = await asAgent('alice');
  const guest = await newGuest('Gus Hostile');
  const started = await guestWrites(guest, 'alice', 'hi');
  const conversationId = started.body.conversation.id as string;
  const contact = await call('POST', '/api/contacts', { headers: alice, body: { name: 'Kim Contact', email: 'kim.contact@example.com' } });
  const slot = (await slots('alice', 'UTC', 30, dayFromNow(4)))[0]!.start;
  const agent = { slug: 'hostile', email: 'hostile@example.com', license: 'basic', timeZone: 'UTC' };
  return [
    { label: 'POST /api/guests', field: 'name', send: (name) => call('POST', '/api/guests', { body: { name } }) },
    { label: 'POST /api/admin/agents', field: 'name', send: (name) => call('POST', '/api/admin/agents', { headers: ADMIN, body: { ...agent, name } }) },
    { label: 'PATCH /api/admin/agents/{slug}', field: 'name', send: (name) => call('PATCH', '/api/admin/agents/carol', { headers: ADMIN, body: { name } }) },
    { label: 'POST /api/admin/services', field: 'name', send: (name) => call('POST', '/api/admin/services', { headers: ADMIN, body: { slug: 'hostile', name } }) },
    { label: 'PATCH /api/admin/services/{slug}', field: 'name', send: (name) => call('PATCH', '/api/admin/services/billing', { headers: ADMIN, body: { name } }) },
    { label: 'PATCH /api/conversations/{id}', field: 'name', send: (name) => call('PATCH', `/api/conversations/${conversationId}`, { headers: guest.headers, body: { name } }) },
    { label: 'POST /api/contacts', field: 'name', send: (name) => call('POST', '/api/contacts', { headers: alice, body: { name, email: 'new.contact@example.com' } }) },
    { label: 'POST /api/contacts (company)', field: 'company', send: (company) => call('POST', '/api/contacts', { headers: alice, body: { name: 'Co Person', email: 'co.person@example.com', company } }) },
    { label: 'PATCH /api/contacts/{id}', field: 'name', send: (name) => call('PATCH', `/api/contacts/${contact.body.contact.id}`, { headers: alice, body: { name } }) },
    { label: 'POST /api/agents/{slug}/bookings', field: 'name', send: (name) => call('POST', '/api/agents/alice/bookings', { body: { start: slot, durationMinutes: 30, name, email: 'hostile.booker@example.com', timeZone: 'UTC' } }) },
    { label: 'POST /api/calendar/meetings', field: 'name', send: (name) => call('POST', '/api/calendar/meetings', { headers: alice, body: { start: slot, durationMinutes: 30, name, email: 'hostile.booked@example.com', timeZone: 'UTC' } }) },
    { label: 'POST /api/admin/webhooks (description)', field: 'description', send: (description) => call('POST', '/api/admin/webhooks', { headers: ADMIN, body: { url: 'https://hooks.example.com/x', events: ['meeting.booked'], description } }) },
  ];
}

describe('display strings refuse control characters and bidi overrides', () => {
  it('every route taking a name or title answers 400 invalid_request naming the field, and changes nothing', async () => {
    const list = await routes();
    const before = await directorySnapshot();
    const wrong: string[] = [];
    for (const route of list) {
      for (const [what, value] of HOSTILE) {
        const { status, body } = await route.send(value);
        const fields = (body?.error?.details?.problems ?? []).map((p: { path: string }) => p.path);
        if (status !== 400 || body.error.code !== 'invalid_request' || !fields.includes(route.field)) {
          wrong.push(`${route.label} with ${what}: ${status} ${JSON.stringify(body?.error ?? body)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await directorySnapshot()).toEqual(before);
  }, 30_000);

  it('ordinary names of every script still pass, spaces around them trimmed', async () => {
    for (const name of ['Ann Lee', 'José Ñúñez', 'محمد علي', 'שרה כהן', '李小龍', "O'Brien-Smith", '  Ann  ']) {
      const { status, body } = await call('POST', '/api/guests', { body: { name } });
      expect([name, status]).toEqual([name, 201]);
      expect(body.guest.name).toBe(name.trim());
    }
  });
});
