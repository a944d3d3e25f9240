import { z } from 'zod';
import { unwrap } from '../actor/outcome';
import type { Caller } from '../conversation/actor';
import type { Env } from '../env';
import type { Routes } from '../http/api';
import { collection } from '../http/collection';
import { endpointsFor } from '../http/endpoint';
import { notFound } from '../http/errors';
import { displayText } from '../http/validation';
import {
  decodeCursor,
  deleteContact,
  findContactByGuest,
  getContact,
  normalisePhone,
  saveContact,
  searchContacts,
  updateContact,
  type Saved,
} from './contacts';
import type { Agent } from './agents';
import { existingConversationActor } from '../conversation/stub';
import { getGuest } from './guests';
import { ConversationParams, DisplayName, Email, Id } from './schemas';


export const LIMITS = { company: 120, notes: 2000, query: 120, page: 100 } as const;

/** Written with spaces, dashes, dots or parentheses as people do; stored as digits with an optional leading +. */
export const Phone = z
  .string()
  .max(40, 'must be at most 40 characters')
  .transform((value, ctx) => {
    const phone = normalisePhone(value);
    if (phone === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number of 6–20 digits, optionally starting with +' });
      return z.NEVER;
    }
    return phone;
  });

const Company = displayText(LIMITS.company, 0);
const Notes = z.string().trim().max(LIMITS.notes, `must be at most ${LIMITS.notes} characters`);
const Merge = z.boolean().default(false).describe('Fill the existing contact’s empty fields instead of answering 409 contact_exists.');

export const ContactView = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
  notes: z.string().nullable(),
  guestId: z.string().nullable(),
  createdBy: z.string().nullable().describe('The agent who added the contact.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const Field = z.enum(['name', 'email', 'phone', 'company', 'notes', 'guestId']);

export const ContactSaved = z.object({
  contact: ContactView,
  merged: z.boolean().describe('True when the details matched an existing contact and were merged into it (200).'),
  filled: z.array(Field).describe('Empty fields of the existing contact that the merge filled.'),
  differences: z
    .array(z.object({ field: Field, stored: z.string(), given: z.string() }))
    .describe('Fields that were already set to something else: the stored value was kept.'),
});

export const ContactCreate = z
  .strictObject({
    name: DisplayName,
    email: Email.optional(),
    phone: Phone.optional(),
    company: Company.optional(),
    notes: Notes.optional(),
    merge: Merge,
  })
  .refine((v) => v.email !== undefined || v.phone !== undefined, 'give an email or a phone');

export const GuestContactCreate = z.strictObject({
  email: Email.optional().describe("Defaults to the guest's own email."),
  phone: Phone.optional(),
  company: Company.optional(),
  notes: Notes.optional(),
  guestId: Id.optional().describe('Which guest of the conversation; the first guest by default.'),
  merge: Merge,
});

export const ContactUpdate = z
  .strictObject({
    name: DisplayName.optional(),
    email: Email.nullable().optional(),
    phone: Phone.nullable().optional(),
    company: Company.nullable().optional(),
    notes: Notes.nullable().optional(),
  })
  .refine((v) => Object.values(v).some((value) => value !== undefined), 'name at least one field to change');

const ContactParams = z.object({ id: Id });
const GuestParams = z.object({ guestId: Id });

const ContactQuery = z.object({
  q: z.string().max(LIMITS.query, `must be at most ${LIMITS.query} characters`).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.page).default(50),
  cursor: z
    .string()
    .max(1024)
    .transform((text, ctx) => {
      const cursor = decodeCursor(text);
      if (!cursor) {
        ctx.addIssue({ code: 'custom', message: 'must be a nextCursor from a previous page' });
        return z.NEVER;
      }
      return cursor;
    })
    .optional(),
});

const tag = 'Phonebook';
const readContact = ({ env, params }: { env: Env; params: { id: string } }) => getContact(env.DB, params.id);
const contacts = collection({ tag, access: 'agent', params: ContactParams, view: ContactView, unique: true, audit: { entity: 'contact', read: readContact } });
const define = endpointsFor(tag, 'agent');

/** 201 for a new contact, 200 for a merge into an existing one. */
const answer = (saved: Saved): Response =>
  Response.json(ContactSaved.parse(saved), { status: saved.created ? 201 : 200 });

export const createContactEndpoint = define({
  summary: 'Add a contact to the phonebook; a matching email or phone answers 409 contact_exists unless "merge": true (200)',
  body: ContactCreate,
  response: ContactSaved,
  status: 201,
  errors: [409],
  audit: { entity: 'contact' },
  handle: async ({ env, principal, body }) => {
    const { merge, ...input } = body;
    return answer(await saveContact(env.DB, input, { merge, createdBy: principal.agent.id }));
  },
});

const asCaller = (agent: Agent): Caller => ({
  kind: 'agent',
  agent: { id: agent.id, slug: agent.slug, name: agent.name, avatarUrl: agent.avatarUrl, license: agent.license },
});

export const addGuestContactEndpoint = define({
  summary: "Add a conversation's guest to the phonebook, linked to the guest (same dedupe and merge rules)",
  params: ConversationParams,
  body: GuestContactCreate,
  response: ContactSaved,
  status: 201,
  errors: [404, 409],
  audit: { entity: 'contact' },
  handle: async ({ env, principal, params, body }) => {
    // Only a conversation the agent can open (404 otherwise, as for one that does not exist).
    const view = unwrap(await (await existingConversationActor(env, params.id)).view(asCaller(principal.agent)));
    const guests = view.participants.filter((p) => p.kind === 'guest');
    const chosen = body.guestId === undefined ? guests[0] : guests.find((g) => g.id === body.guestId);
    if (!chosen) throw notFound(body.guestId === undefined ? 'A guest in this conversation' : 'This guest in this conversation');
    const guest = await getGuest(env.DB, chosen.id);
    const { merge, guestId: _chosen, ...details } = body;
    const saved = await saveContact(
      env.DB,
      { ...details, name: guest.name, email: details.email ?? guest.email, guestId: guest.id },
      { merge, createdBy: principal.agent.id },
    );
    return answer(saved);
  },
});

export const listContactsEndpoint = contacts.list({
  summary: 'Search the phonebook by name, email, phone or company (case-insensitive), ordered by name; paginate with cursor',
  query: ContactQuery,
  response: z.object({ contacts: z.array(ContactView), nextCursor: z.string().nullable() }),
  handle: ({ env, query }) => searchContacts(env.DB, query),
});

export const getContactEndpoint = contacts.get({
  summary: 'Read a contact',
  handle: readContact,
});

export const updateContactEndpoint = contacts.update({
  summary: "Edit a contact (null clears a field); another contact's email or phone answers 409 contact_exists",
  body: ContactUpdate,
  handle: ({ env, params, body }) => updateContact(env.DB, params.id, body),
});

export const deleteContactEndpoint = contacts.delete({
  summary: 'Delete a contact',
  handle: ({ env, params }) => deleteContact(env.DB, params.id),
});

export const guestContactEndpoint = define({
  summary: 'The contact linked to a guest, e.g. to show it beside a conversation; 404 when none',
  params: GuestParams,
  response: ContactView,
  errors: [404],
  handle: async ({ env, params }) => {
    const contact = await findContactByGuest(env.DB, params.guestId);
    if (!contact) throw notFound('A contact linked to this guest');
    return contact;
  },
});

export const contactRoutes: Routes = (api) =>
  api
    .get('/api/contacts', listContactsEndpoint)
    .post('/api/contacts', createContactEndpoint)
    .get('/api/contacts/:id', getContactEndpoint)
    .patch('/api/contacts/:id', updateContactEndpoint)
    .delete('/api/contacts/:id', deleteContactEndpoint)
    .post('/api/conversations/:id/contact', addGuestContactEndpoint)
    .get('/api/guests/:guestId/contact', guestContactEndpoint);
