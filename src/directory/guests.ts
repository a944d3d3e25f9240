import { found } from '../http/errors';
import { newId } from './ids';

export interface Guest {
  id: string;
  name: string;
  email: string | null;
  /** A verified user token's `sub` and whose keys signed it; null for an anonymous guest (docs/widget.md "Identified visitors"). */
  identity: GuestIdentity | null;
  createdAt: string;
  /** When the guest was erased (docs/privacy.md); their tokens are refused from then on. */
  erasedAt: string | null;
}

export interface GuestIdentity {
  /** `service:<id>` for a service's secret, `organisation` for IDENTITY_JWKS_URL. */
  scope: string;
  externalId: string;
}

export const identityView = (identity: GuestIdentity) => ({
  externalId: identity.externalId,
  verifiedBy: identity.scope === 'organisation' ? ('organisation' as const) : ('service_secret' as const),
});

interface GuestRow {
  id: string;
  name: string;
  email: string | null;
  identity_scope: string | null;
  external_id: string | null;
  created_at: string;
  erased_at: string | null;
}

const toGuest = (row: GuestRow): Guest => ({
  id: row.id,
  name: row.name,
  email: row.email,
  identity: row.identity_scope && row.external_id ? { scope: row.identity_scope, externalId: row.external_id } : null,
  createdAt: row.created_at,
  erasedAt: row.erased_at,
});

/**
 * A booking's guest, recorded once the booking has won its slot: a refused attempt leaves no
 * name or address behind. A retry of the same booking finds the record made the first time.
 */
export async function recordBookingGuest(db: D1Database, guest: { id: string; name: string; email: string }): Promise<void> {
  await db.prepare('INSERT INTO guests (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').bind(guest.id, guest.name, guest.email).run();
}

export async function createGuest(db: D1Database, input: { name: string; email?: string | undefined }): Promise<Guest> {
  const id = newId('gu');
  const row = await db
    .prepare('INSERT INTO guests (id, name, email) VALUES (?, ?, ?) RETURNING *')
    .bind(id, input.name, input.email ?? null)
    .first<GuestRow>();
  return toGuest(row!);
}

/**
 * The one guest of a verified user (scope, sub), made the first time; the name and email of
 * each newer token replace the old ones, since the site vouches for them.
 */
export async function identifiedGuest(db: D1Database, identity: GuestIdentity, input: { name: string; email: string | null }): Promise<Guest> {
  const row = await db
    .prepare(
      `INSERT INTO guests (id, name, email, identity_scope, external_id) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (identity_scope, external_id) WHERE external_id IS NOT NULL DO UPDATE SET name = excluded.name, email = excluded.email
       RETURNING *`,
    )
    .bind(newId('gu'), input.name, input.email, identity.scope, identity.externalId)
    .first<GuestRow>();
  return toGuest(row!);
}

export async function findGuest(db: D1Database, id: string): Promise<Guest | null> {
  const row = await db.prepare('SELECT * FROM guests WHERE id = ?').bind(id).first<GuestRow>();
  return row ? toGuest(row) : null;
}

export const getGuest = async (db: D1Database, id: string): Promise<Guest> => found(await findGuest(db, id), 'Guest');

