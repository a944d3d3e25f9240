import { HttpError, found, notFound } from '../http/errors';
import { newId } from './ids';

/**
 * The organisation's phonebook (C11). Email (case-insensitive) and phone (normalised) are
 * each unique, and a contact may be linked to the guest it came from. A new contact that
 * matches an existing one is never stored twice nor silently written over: the caller is
 * told about the existing contact, or asks for a merge that only fills empty fields.
 */
export interface Contact {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  notes: string | null;
  guestId: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The columns of a contact, named as the Contact's fields: a row read with them is a Contact. */
const CONTACT = 'id, name, email, phone, company, notes, guest_id AS guestId, created_by AS createdBy, created_at AS createdAt, updated_at AS updatedAt';

/** Separators people write phone numbers with; a leading + is kept. */
const PHONE_SEPARATORS = /[\s\-.()]/g;

/** "+33 6 12-34.56 (78)" → "+33612345678"; null when it is not 6–20 digits with an optional leading +. */
export function normalisePhone(input: string): string | null {
  const stripped = input.replace(PHONE_SEPARATORS, '');
  return /^\+?\d{6,20}$/.test(stripped) ? stripped : null;
}

/** What a contact is saved from: already validated and normalised (email lowercased, phone normalised). */
export interface ContactInput {
  name: string;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  company?: string | null | undefined;
  notes?: string | null | undefined;
  guestId?: string | null | undefined;
}

export type ContactField = 'name' | 'email' | 'phone' | 'company' | 'notes' | 'guestId';
export type MatchField = 'email' | 'phone' | 'guestId';

export interface Difference {
  field: ContactField;
  /** The value kept. */
  stored: string;
  /** The value given and not stored. */
  given: string;
}

export type Saved =
  | { created: true; contact: Contact; merged: false; filled: ContactField[]; differences: Difference[] }
  | { created: false; contact: Contact; merged: true; filled: ContactField[]; differences: Difference[] };

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const blankToNull = (value: string | null | undefined): string | null => (value === undefined || value === null || value.trim() === '' ? null : value);

export async function findContact(db: D1Database, id: string): Promise<Contact | null> {
  return db.prepare(`SELECT ${CONTACT} FROM contacts WHERE id = ?`).bind(id).first<Contact>();
}

export const getContact = async (db: D1Database, id: string): Promise<Contact> => found(await findContact(db, id), 'Contact');

/** The contact linked to a guest (the oldest, should several ever be). */
export async function findContactByGuest(db: D1Database, guestId: string): Promise<Contact | null> {
  return db
    .prepare(`SELECT ${CONTACT} FROM contacts WHERE guest_id = ? ORDER BY created_at, id LIMIT 1`)
    .bind(guestId)
    .first<Contact>();
}

/** Existing contacts matching an email, a phone or a guest, each with the fields it matched on. */
async function matchesFor(
  db: D1Database,
  keys: { email: string | null; phone: string | null; guestId: string | null },
  exceptId: string | null = null,
): Promise<Array<{ contact: Contact; conflicts: MatchField[] }>> {
  const { results } = await db
    .prepare(
      `SELECT ${CONTACT} FROM contacts
        WHERE ((?1 IS NOT NULL AND email = ?1) OR (?2 IS NOT NULL AND phone = ?2) OR (?3 IS NOT NULL AND guest_id = ?3))
          AND (?4 IS NULL OR id <> ?4)
        ORDER BY created_at, id`,
    )
    .bind(keys.email, keys.phone, keys.guestId, exceptId)
    .all<Contact>();
  return results.map((contact) => {
    const conflicts: MatchField[] = [];
    // The column is COLLATE NOCASE; compare the same way here.
    if (keys.email !== null && contact.email?.toLowerCase() === keys.email.toLowerCase()) conflicts.push('email');
    if (keys.phone !== null && contact.phone === keys.phone) conflicts.push('phone');
    if (keys.guestId !== null && contact.guestId === keys.guestId) conflicts.push('guestId');
    return { contact, conflicts };
  });
}

const isUniqueFailure = (err: unknown): boolean =>
  /UNIQUE constraint failed: contacts\./.test(err instanceof Error ? err.message : String(err));
const isCheckFailure = (err: unknown): boolean => /CHECK constraint failed/.test(err instanceof Error ? err.message : String(err));

const unreachable = (): HttpError =>
  new HttpError(400, 'invalid_request', 'A contact needs an email address or a phone number.', {
    where: 'body',
    problems: [{ path: '(root)', message: 'give an email or a phone' }],
  });

function existsError(match: { contact: Contact; conflicts: MatchField[] }): HttpError {
  const what = match.conflicts.map((c) => (c === 'guestId' ? 'guest' : c)).join(' and ');
  return new HttpError(
    409,
    'contact_exists',
    `${match.contact.name} is already in the phonebook with this ${what}; nothing was changed. Send "merge": true to fill their empty fields.`,
    { contact: match.contact, conflicts: match.conflicts },
  );
}

function conflictError(matches: Array<{ contact: Contact; conflicts: MatchField[] }>): HttpError {
  return new HttpError(
    409,
    'contact_conflict',
    `These details belong to ${matches.length} different contacts (${matches.map((m) => m.contact.name).join(', ')}); nothing was changed.`,
    { contacts: matches.map((m) => ({ contact: m.contact, conflicts: m.conflicts })) },
  );
}

const same = (field: ContactField, a: string, b: string): boolean =>
  field === 'notes' || field === 'guestId' ? a === b : a.toLowerCase() === b.toLowerCase();

/**
 * Adds a contact, deduplicated by email, phone and linked guest. A match answers 409
 * `contact_exists` (or `contact_conflict` when the details match several contacts) and
 * changes nothing, unless `merge` is set: then only the existing contact's empty fields
 * are filled, in SQL (COALESCE), so even a concurrent edit is never overwritten.
 */
export async function saveContact(
  db: D1Database,
  input: ContactInput,
  options: { merge: boolean; createdBy: string | null },
): Promise<Saved> {
  const given = {
    name: input.name,
    email: blankToNull(input.email),
    phone: blankToNull(input.phone),
    company: blankToNull(input.company),
    notes: blankToNull(input.notes),
    guestId: blankToNull(input.guestId),
  };
  if (given.email === null && given.phone === null) throw unreachable();

  // A concurrent insert of the same email or phone makes ours fail on the UNIQUE index;
  // looking again then finds it and answers as if it had been there first.
  for (let attempt = 0; ; attempt++) {
    try {
      const matches = await matchesFor(db, given);
      if (matches.length > 1) throw conflictError(matches);
      const match = matches[0];
      if (!match) {
        const id = newId('ct');
        const contact = await db
          .prepare(
            `INSERT INTO contacts (id, name, email, phone, company, notes, guest_id, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${CONTACT}`,
          )
          .bind(id, given.name, given.email, given.phone, given.company, given.notes, given.guestId, options.createdBy)
          .first<Contact>();
        return { created: true, contact: contact!, merged: false, filled: [], differences: [] };
      }
      if (!options.merge) throw existsError(match);

      const before = match.contact;
      const after = await db
        .prepare(
          `UPDATE contacts SET
             email = COALESCE(email, ?), phone = COALESCE(phone, ?), company = COALESCE(company, ?),
             notes = COALESCE(notes, ?), guest_id = COALESCE(guest_id, ?), updated_at = ${NOW}
           WHERE id = ? RETURNING ${CONTACT}`,
        )
        .bind(given.email, given.phone, given.company, given.notes, given.guestId, before.id)
        .first<Contact>();
      if (!after) continue; // Deleted meanwhile: start over (it will be created).
      const filled: ContactField[] = [];
      const differences: Difference[] = [];
      for (const field of ['name', 'email', 'phone', 'company', 'notes', 'guestId'] as const) {
        const value = given[field];
        if (value === null) continue;
        if (before[field] === null && after[field] === value) filled.push(field);
        else if (after[field] !== null && !same(field, after[field]!, value)) differences.push({ field, stored: after[field]!, given: value });
      }
      return { created: false, contact: after, merged: true, filled, differences };
    } catch (err) {
      if (isUniqueFailure(err) && attempt < 2) continue;
      if (isUniqueFailure(err)) throw new HttpError(409, 'contact_exists', 'Another contact took these details at the same moment; try again.');
      throw err;
    }
  }
}

export interface ContactPatch {
  name?: string | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  company?: string | null | undefined;
  notes?: string | null | undefined;
}

const patchColumns: Record<keyof ContactPatch, string> = {
  name: 'name',
  email: 'email',
  phone: 'phone',
  company: 'company',
  notes: 'notes',
};

/** Edits a contact; taking another contact's email or phone answers 409 `contact_exists`. */
export async function updateContact(db: D1Database, id: string, patch: ContactPatch): Promise<Contact> {
  const current = await getContact(db, id);
  const entries = (Object.entries(patch) as Array<[keyof ContactPatch, string | null | undefined]>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, k === 'name' ? v : blankToNull(v)] as [keyof ContactPatch, string | null]);
  if (entries.length === 0) {
    throw new HttpError(400, 'invalid_request', 'The request body is not valid: name at least one field to change.', {
      where: 'body',
      problems: [{ path: '(root)', message: 'name at least one field to change' }],
    });
  }
  const next = { ...current, ...Object.fromEntries(entries) } as Contact;
  if (next.email === null && next.phone === null) throw unreachable();

  const keys = {
    email: patch.email !== undefined ? next.email : null,
    phone: patch.phone !== undefined ? next.phone : null,
    guestId: null,
  };
  const taken = (await matchesFor(db, keys, current.id))[0];
  if (taken) throw existsError(taken);

  const assignments = entries.map(([key]) => `${patchColumns[key]} = ?`).join(', ');
  try {
    const contact = await db
      .prepare(`UPDATE contacts SET ${assignments}, updated_at = ${NOW} WHERE id = ? RETURNING ${CONTACT}`)
      .bind(...entries.map(([, v]) => v), current.id)
      .first<Contact>();
    if (!contact) throw notFound('Contact');
    return contact;
  } catch (err) {
    if (isUniqueFailure(err)) {
      const raced = (await matchesFor(db, keys, current.id))[0];
      throw raced ? existsError(raced) : new HttpError(409, 'contact_exists', 'Another contact has this email or phone.');
    }
    if (isCheckFailure(err)) throw unreachable();
    throw err;
  }
}

export async function deleteContact(db: D1Database, id: string): Promise<void> {
  const { meta } = await db.prepare('DELETE FROM contacts WHERE id = ?').bind(id).run();
  if (meta.changes === 0) throw notFound('Contact');
}

/** Escapes LIKE wildcards so a search for "50%" means the text "50%". */
const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface ContactPage {
  contacts: Contact[];
  nextCursor: string | null;
}

export interface Cursor {
  name: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  const bytes = new TextEncoder().encode(JSON.stringify([cursor.name, cursor.id]));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Null when the text is not a cursor this server made. */
export function decodeCursor(text: string): Cursor | null {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { name: value[0], id: value[1] };
    }
  } catch {
    // Not base64 or not JSON.
  }
  return null;
}

/**
 * Contacts whose name, email, phone or company contains `q` (case-insensitive for ASCII
 * letters, as SQLite's LIKE is), ordered by name then id; keyset pagination by cursor.
 * A query that looks like a phone number also matches phones written without separators.
 */
export async function searchContacts(
  db: D1Database,
  options: { q?: string | undefined; limit: number; cursor?: Cursor | undefined },
): Promise<ContactPage> {
  const q = options.q?.trim() ? options.q.trim() : null;
  const pattern = q === null ? null : `%${likeEscape(q)}%`;
  const digits = q !== null && /^[\d\s\-.()+]+$/.test(q) ? q.replace(PHONE_SEPARATORS, '') : null;
  const phonePattern = digits && digits.replace(/\D/g, '').length >= 3 ? `%${likeEscape(digits)}%` : pattern;
  const { results } = await db
    .prepare(
      `SELECT ${CONTACT} FROM contacts
        WHERE (?1 IS NULL OR name LIKE ?1 ESCAPE '\\' OR email LIKE ?1 ESCAPE '\\' OR company LIKE ?1 ESCAPE '\\'
               OR phone LIKE ?2 ESCAPE '\\')
          AND (?3 IS NULL OR name > ?3 COLLATE NOCASE OR (name = ?3 COLLATE NOCASE AND id > ?4))
        ORDER BY name COLLATE NOCASE, id
        LIMIT ?5`,
    )
    .bind(pattern, phonePattern, options.cursor?.name ?? null, options.cursor?.id ?? null, options.limit + 1)
    .all<Contact>();
  const contacts = results.slice(0, options.limit);
  const last = contacts[contacts.length - 1];
  return { contacts, nextCursor: results.length > options.limit && last ? encodeCursor(last) : null };
}
