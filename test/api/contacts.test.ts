import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  addGuestContactEndpoint,
  createContactEndpoint,
  deleteContactEndpoint,
  getContactEndpoint,
  guestContactEndpoint,
  listContactsEndpoint,
  updateContactEndpoint,
} from '../../src/directory/contact-endpoints';
import { runEndpoint, type Endpoint } from '../../src/http/endpoint';
import { errorResponse } from '../../src/http/errors';
import { asAgent, BASE, call, directorySnapshot, guestWrites, newGuest } from '../helpers';

/**
 * The phonebook routes are called the way the Worker's router calls them (runEndpoint with
 * the matched path params, errors answered as the JSON envelope), so these tests hold
 * before the routes are listed in src/index.ts.
 */
async function invoke(
  endpoint: Endpoint<any, any, any, any, any>,
  method: string,
  path: string,
  options: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const request = Object.assign(new Request(`${BASE}${path}`, { method, headers, body }), { params: options.params ?? {} });
  let response: Response;
  try {
    response = await runEndpoint(endpoint, request, env, createExecutionContext());
  } catch (err) {
    response = errorResponse(err);
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const ALICE_ID = 'ag_demoAlice00000001';

const create = async (body: unknown, who = 'alice') =>
  invoke(createContactEndpoint, 'POST', '/api/contacts', { headers: await asAgent(who), body });
const read = async (id: string) => invoke(getContactEndpoint, 'GET', `/api/contacts/${id}`, { headers: await asAgent('alice'), params: { id } });
const patch = async (id: string, body: unknown) =>
  invoke(updateContactEndpoint, 'PATCH', `/api/contacts/${id}`, { headers: await asAgent('alice'), params: { id }, body });
const search = async (query: string) => invoke(listContactsEndpoint, 'GET', `/api/contacts?${query}`, { headers: await asAgent('alice') });
const addGuest = async (conversationId: string, body: unknown, who = 'alice') =>
  invoke(addGuestContactEndpoint, 'POST', `/api/conversations/${conversationId}/contact`, {
    headers: await asAgent(who),
    params: { id: conversationId },
    body,
  });
const guestContact = async (guestId: string) =>
  invoke(guestContactEndpoint, 'GET', `/api/guests/${guestId}/contact`, { headers: await asAgent('alice'), params: { guestId } });

async function contactsWith(column: 'email' | 'phone', value: string): Promise<any[]> {
  const { results } = await env.DB.prepare(`SELECT * FROM contacts WHERE ${column} = ?`).bind(value).all();
  return results;
}

describe('phonebook: adding contacts', () => {
  it('creates a contact with a normalised phone and lowercased email, and reads it back', async () => {
    const created = await create({ name: ' Nora Quist ', email: 'Nora@Example.COM', phone: '+1 (212) 555-0101', company: 'Globex', notes: 'Met at the fair' });
    expect(created.status).toBe(201);
    expect(created.body.merged).toBe(false);
    expect(created.body.contact).toMatchObject({
      name: 'Nora Quist',
      email: 'nora@example.com',
      phone: '+12125550101',
      company: 'Globex',
      notes: 'Met at the fair',
      guestId: null,
      createdBy: ALICE_ID,
    });
    expect(created.body.contact.id).toMatch(/^ct_/);
    const again = await read(created.body.contact.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body.contact);
  });

  it('refuses a duplicate email whatever its case, shows the existing contact and changes nothing', async () => {
    const first = await create({ name: 'Owen Park', email: 'owen@example.com', company: 'Initech' });
    expect(first.status).toBe(201);
    const before = await directorySnapshot();
    const dup = await create({ name: 'O. Park', email: 'OWEN@Example.com', company: 'Umbrella', phone: '0612345678' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('contact_exists');
    expect(dup.body.error.details.contact).toEqual(first.body.contact);
    expect(dup.body.error.details.conflicts).toEqual(['email']);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('refuses a duplicate phone written in another format', async () => {
    const first = await create({ name: 'Pia Laurent', phone: '+33612345678' });
    expect(first.status).toBe(201);
    const before = await directorySnapshot();
    const dup = await create({ name: 'Pia L', phone: '+33 6 12 34 56 78', email: 'pia@example.fr' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('contact_exists');
    expect(dup.body.error.details.contact.id).toBe(first.body.contact.id);
    expect(dup.body.error.details.conflicts).toEqual(['phone']);
    expect(await directorySnapshot()).toEqual(before);
    expect(await contactsWith('phone', '+33612345678')).toHaveLength(1);
  });

  it('a merge fills only empty fields and reports the fields that differ', async () => {
    const first = await create({ name: 'Ben Ray', email: 'ben@example.com', notes: 'VIP customer' });
    expect(first.status).toBe(201);
    const merged = await create({
      name: 'Benjamin Ray',
      email: 'Ben@example.com',
      phone: '+44 20 7946 0958',
      company: 'Acme',
      notes: 'Prefers mornings',
      merge: true,
    });
    expect(merged.status).toBe(200);
    expect(merged.body.merged).toBe(true);
    expect(merged.body.contact).toMatchObject({
      id: first.body.contact.id,
      name: 'Ben Ray',
      email: 'ben@example.com',
      phone: '+442079460958',
      company: 'Acme',
      notes: 'VIP customer',
      createdBy: ALICE_ID,
    });
    expect([...merged.body.filled].sort()).toEqual(['company', 'phone']);
    expect(merged.body.differences).toEqual([
      { field: 'name', stored: 'Ben Ray', given: 'Benjamin Ray' },
      { field: 'notes', stored: 'VIP customer', given: 'Prefers mornings' },
    ]);
    expect(await contactsWith('email', 'ben@example.com')).toHaveLength(1);
    expect((await read(first.body.contact.id)).body).toEqual(merged.body.contact);
  });

  it('refuses details whose email is one contact and phone another, even with merge', async () => {
    const a = await create({ name: 'Cara Blue', email: 'cara@example.com' });
    const b = await create({ name: 'Carl Green', phone: '+49 30 1234567' });
    expect([a.status, b.status]).toEqual([201, 201]);
    const before = await directorySnapshot();
    for (const merge of [false, true]) {
      const split = await create({ name: 'Cara Green', email: 'cara@example.com', phone: '+49301234567', merge });
      expect(split.status).toBe(409);
      expect(split.body.error.code).toBe('contact_conflict');
      const named = split.body.error.details.contacts.map((c: any) => [c.contact.id, c.conflicts]);
      expect(named).toEqual(
        expect.arrayContaining([
          [a.body.contact.id, ['email']],
          [b.body.contact.id, ['phone']],
        ]),
      );
      expect(named).toHaveLength(2);
    }
    expect(await directorySnapshot()).toEqual(before);
  });
});

describe("phonebook: a conversation's guest", () => {
  it("adds the guest with the guest's email, linked, and finds the contact by guest", async () => {
    const cleo = await newGuest('Cleo Park', 'cleo@example.com');
    const started = await guestWrites(cleo, 'alice');
    expect(started.status).toBe(200);
    const conversationId = started.body.conversation.id;
    expect((await guestContact(cleo.id)).status).toBe(404);

    const added = await addGuest(conversationId, { phone: '+1 415 555 0100', company: 'Hooli' });
    expect(added.status).toBe(201);
    expect(added.body.contact).toMatchObject({
      name: 'Cleo Park',
      email: 'cleo@example.com',
      phone: '+14155550100',
      company: 'Hooli',
      guestId: cleo.id,
      createdBy: ALICE_ID,
    });

    const linked = await guestContact(cleo.id);
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual(added.body.contact);

    // Adding the same guest again is a duplicate, not a second contact.
    const before = await directorySnapshot();
    const again = await addGuest(conversationId, { company: 'Pied Piper' }, 'carol');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('contact_exists');
    expect(again.body.error.details.contact.id).toBe(added.body.contact.id);
    expect([...again.body.error.details.conflicts].sort()).toEqual(['email', 'guestId']);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('links a guest to the contact that already has their email when merging', async () => {
    const existing = await create({ name: 'Dora Vance', email: 'dora@example.com', company: 'Vance & Co' });
    expect(existing.status).toBe(201);
    const dora = await newGuest('Dora', 'dora@example.com');
    const { body } = await guestWrites(dora, 'alice');
    const refused = await addGuest(body.conversation.id, {});
    expect(refused.status).toBe(409);
    expect((await guestContact(dora.id)).status).toBe(404);

    const merged = await addGuest(body.conversation.id, { merge: true, company: 'Other Ltd' });
    expect(merged.status).toBe(200);
    expect(merged.body.contact).toMatchObject({ id: existing.body.contact.id, name: 'Dora Vance', company: 'Vance & Co', guestId: dora.id });
    expect(merged.body.filled).toEqual(['guestId']);
    expect(merged.body.differences.map((d: any) => d.field).sort()).toEqual(['company', 'name']);
    expect((await guestContact(dora.id)).body.id).toBe(existing.body.contact.id);
  });

  it("refuses a guest of a private conversation the agent cannot open, and stores nothing", async () => {
    const eli = await newGuest('Eli Stone', 'eli@example.com');
    const { body } = await guestWrites(eli, 'alice');
    const id = body.conversation.id;
    const priv = await call('PATCH', `/api/conversations/${id}`, { headers: await asAgent('alice'), body: { visibility: 'private' } });
    expect(priv.body.visibility).toBe('private');

    const before = await directorySnapshot();
    const refused = await addGuest(id, { phone: '+33 1 23 45 67 89' }, 'carol');
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('not_found');
    expect(await directorySnapshot()).toEqual(before);
    expect((await guestContact(eli.id)).status).toBe(404);

    // The participant can: the refusal was about opening the conversation.
    expect((await addGuest(id, {}, 'alice')).status).toBe(201);
  });

  it('refuses a conversation that does not exist and a guestId that is not in the conversation', async () => {
    const before = await directorySnapshot();
    const missing = await addGuest(`cv_${'0'.repeat(32)}`, { email: 'x@example.com' });
    expect(missing.status).toBe(404);

    const fay = await newGuest('Fay Moss', 'fay@example.com');
    const stranger = await newGuest('Gus Kent', 'gus@example.com');
    const { body } = await guestWrites(fay, 'alice');
    const afterGuests = await directorySnapshot();
    expect(afterGuests).not.toEqual(before);
    const wrong = await addGuest(body.conversation.id, { guestId: stranger.id });
    expect(wrong.status).toBe(404);
    expect(await directorySnapshot()).toEqual(afterGuests);

    const chosen = await addGuest(body.conversation.id, { guestId: fay.id });
    expect(chosen.status).toBe(201);
    expect(chosen.body.contact).toMatchObject({ name: 'Fay Moss', guestId: fay.id });
  });

  it('refuses a guest with neither an email nor a phone', async () => {
    const hal = await newGuest('Hal Noemail');
    const { body } = await guestWrites(hal, 'alice');
    const before = await directorySnapshot();
    const refused = await addGuest(body.conversation.id, {});
    expect(refused.status).toBe(400);
    expect(await directorySnapshot()).toEqual(before);
    const withPhone = await addGuest(body.conversation.id, { phone: '020 7946 0000' });
    expect(withPhone.status).toBe(201);
    expect(withPhone.body.contact).toMatchObject({ email: null, phone: '02079460000', guestId: hal.id });

    // Other details for the same guest still find the guest's contact: one contact per guest.
    const snapshot = await directorySnapshot();
    const other = await addGuest(body.conversation.id, { phone: '020 7946 1111' });
    expect(other.status).toBe(409);
    expect(other.body.error.details).toMatchObject({ contact: { id: withPhone.body.contact.id }, conflicts: ['guestId'] });
    expect(await directorySnapshot()).toEqual(snapshot);
    const merged = await addGuest(body.conversation.id, { phone: '020 7946 1111', company: 'Noemail Inc', merge: true });
    expect(merged.status).toBe(200);
    expect(merged.body.contact).toMatchObject({ id: withPhone.body.contact.id, phone: '02079460000', company: 'Noemail Inc' });
    expect(merged.body.differences).toEqual([{ field: 'phone', stored: '02079460000', given: '02079461111' }]);
  });
});

describe('phonebook: search, edit, delete', () => {
  it('searches name, email, phone and company case-insensitively, ordered by name, in pages', async () => {
    for (const c of [
      { name: 'Yara Quinn', phone: '+1 (415) 555-0199' },
      { name: 'Tom Hart', email: 'tom@quokka.io' },
      { name: 'Mia Stone', email: 'mia@example.net', company: 'Quokka Labs' },
      { name: 'abel Quokka', email: 'abel@example.net' },
    ]) {
      expect((await create(c)).status).toBe(201);
    }
    const all = await search('q=QUOKKA');
    expect(all.status).toBe(200);
    expect(all.body.contacts.map((c: any) => c.name)).toEqual(['abel Quokka', 'Mia Stone', 'Tom Hart']);
    expect(all.body.nextCursor).toBeNull();

    const byPhone = await search(`q=${encodeURIComponent('555-0199')}`);
    expect(byPhone.body.contacts.map((c: any) => c.name)).toEqual(['Yara Quinn']);

    const first = await search('q=quokka&limit=2');
    expect(first.body.contacts.map((c: any) => c.name)).toEqual(['abel Quokka', 'Mia Stone']);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await search(`q=quokka&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.contacts.map((c: any) => c.name)).toEqual(['Tom Hart']);
    expect(second.body.nextCursor).toBeNull();

    const everyone = await search('limit=100');
    const names = everyone.body.contacts.map((c: any) => c.name);
    expect(names).toEqual([...names].sort((x: string, y: string) => x.toLowerCase().localeCompare(y.toLowerCase())));
    expect(names).toContain('Yara Quinn');

    expect((await search('q=%25')).body.contacts).toEqual([]);
    expect((await search('limit=101')).status).toBe(400);
    expect((await search('cursor=not-a-cursor')).status).toBe(400);
  });

  it("edits a contact, and refuses another contact's email or phone", async () => {
    const a = await create({ name: 'Ida West', email: 'ida@example.com', phone: '+3225550001' });
    const b = await create({ name: 'Jon East', email: 'jon@example.com' });
    expect([a.status, b.status]).toEqual([201, 201]);
    const id = b.body.contact.id;

    const edited = await patch(id, { company: 'Soylent', phone: '+32 2 555 00 02' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ company: 'Soylent', phone: '+3225550002', email: 'jon@example.com' });
    const saved = (await read(id)).body;
    expect(saved).toEqual(edited.body);

    const before = await directorySnapshot();
    const takeEmail = await patch(id, { email: 'IDA@example.com' });
    expect(takeEmail.status).toBe(409);
    expect(takeEmail.body.error.code).toBe('contact_exists');
    expect(takeEmail.body.error.details.contact.id).toBe(a.body.contact.id);
    const takePhone = await patch(id, { phone: '+32 2 555 00 01' });
    expect(takePhone.status).toBe(409);
    expect(takePhone.body.error.details.conflicts).toEqual(['phone']);
    expect((await patch(id, {})).status).toBe(400);
    expect((await patch(id, { email: null, phone: null })).status).toBe(400);
    expect((await patch(id, { guestId: 'gu_abcdefghijabcdefghij' })).status).toBe(400);
    expect(await directorySnapshot()).toEqual(before);

    // Keeping one's own email is not a conflict; clearing one of two ways to reach is fine.
    const own = await patch(id, { email: 'JON@example.com', company: null });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ email: 'jon@example.com', company: null });
    expect((await patch('ct_doesnotexist0000000', { company: 'x' })).status).toBe(404);
  });

  it('deletes a contact', async () => {
    const made = await create({ name: 'Kim Lowe', email: 'kim@example.com' });
    const id = made.body.contact.id;
    const gone = await invoke(deleteContactEndpoint, 'DELETE', `/api/contacts/${id}`, { headers: await asAgent('alice'), params: { id } });
    expect(gone.status).toBe(204);
    expect((await read(id)).status).toBe(404);
    expect(await contactsWith('email', 'kim@example.com')).toHaveLength(0);
    const twice = await invoke(deleteContactEndpoint, 'DELETE', `/api/contacts/${id}`, { headers: await asAgent('alice'), params: { id } });
    expect(twice.status).toBe(404);
  });
});

describe('phonebook: bad input and callers', () => {
  it.each([
    ['neither email nor phone', { name: 'Lea Void' }],
    ['a phone with letters', { name: 'Lea Void', phone: '+33 6 12 ab 56' }],
    ['a phone too short', { name: 'Lea Void', phone: '123-45' }],
    ['a phone too long', { name: 'Lea Void', phone: '+1234567890123456789012' }],
    ['a bad email', { name: 'Lea Void', email: 'not-an-email' }],
    ['an unknown field', { name: 'Lea Void', email: 'lea@example.com', vip: true }],
    ['notes over 2000 characters', { name: 'Lea Void', email: 'lea@example.com', notes: 'x'.repeat(2001) }],
    ['an empty name', { name: '  ', email: 'lea@example.com' }],
    ['merge that is not a boolean', { name: 'Lea Void', email: 'lea@example.com', merge: 'yes' }],
  ])('refuses %s with 400 and changes nothing', async (_label, body) => {
    const before = await directorySnapshot();
    const refused = await create(body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(await directorySnapshot()).toEqual(before);
  });

  it('accepts notes of exactly 2000 characters', async () => {
    const ok = await create({ name: 'Max Note', email: 'max@example.com', notes: 'x'.repeat(2000) });
    expect(ok.status).toBe(201);
    expect(ok.body.contact.notes).toHaveLength(2000);
  });

  it('refuses unknown fields on the conversation route', async () => {
    const nia = await newGuest('Nia Fields', 'nia@example.com');
    const { body } = await guestWrites(nia, 'alice');
    const before = await directorySnapshot();
    const refused = await addGuest(body.conversation.id, { name: 'Someone Else' });
    expect(refused.status).toBe(400);
    expect(await directorySnapshot()).toEqual(before);
  });

  it('refuses guests (403 agents_only) and anonymous callers (401)', async () => {
    const guest = await newGuest('Ola Guest', 'ola@example.com');
    const before = await directorySnapshot();
    const asGuest = await invoke(createContactEndpoint, 'POST', '/api/contacts', { headers: guest.headers, body: { name: 'Ola', email: 'ola2@example.com' } });
    expect(asGuest.status).toBe(403);
    expect((await invoke(listContactsEndpoint, 'GET', '/api/contacts', { headers: guest.headers })).status).toBe(403);
    expect((await invoke(guestContactEndpoint, 'GET', `/api/guests/${guest.id}/contact`, { headers: guest.headers, params: { guestId: guest.id } })).status).toBe(403);
    expect((await invoke(listContactsEndpoint, 'GET', '/api/contacts')).status).toBe(401);
    expect(await directorySnapshot()).toEqual(before);
    // The same request from an agent succeeds, so the refusals were about the caller.
    expect((await create({ name: 'Ola', email: 'ola2@example.com' })).status).toBe(201);
  });
});

describe('phonebook routes through the Worker', () => {
  it('adds, finds and refuses a duplicate as a client would; guests are refused', async () => {
    const alice = await asAgent('alice');
    const created = await call('POST', '/api/contacts', { headers: alice, body: { name: 'Route Person', email: 'route.person@example.com' } });
    expect(created.status).toBe(201);
    const duplicate = await call('POST', '/api/contacts', { headers: alice, body: { name: 'Other', email: 'ROUTE.person@example.com' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('contact_exists');
    const found = await call('GET', '/api/contacts?q=route', { headers: alice });
    expect(found.body.contacts.map((c: any) => c.email)).toContain('route.person@example.com');
    const ann = await newGuest('Ann');
    expect((await call('GET', '/api/contacts', { headers: ann.headers })).status).toBe(403);
  });
});
