import { found } from '../http/errors';
import { newId } from './ids';

export interface Guest {
  id: string;
  name: string;
  email: string | null;
  createdAt: string;
}

interface GuestRow {
  id: string;
  name: string;
  email: string | null;
  created_at: string;
}

const toGuest = (row: GuestRow): Guest => ({ id: row.id, name: row.name, email: row.email, createdAt: row.created_at });

export async function createGuest(db: D1Database, input: { name: string; email?: string | undefined }): Promise<Guest> {
  const id = newId('gu');
  const row = await db
    .prepare('INSERT INTO guests (id, name, email) VALUES (?, ?, ?) RETURNING *')
    .bind(id, input.name, input.email ?? null)
    .first<GuestRow>();
  return toGuest(row!);
}

export async function findGuest(db: D1Database, id: string): Promise<Guest | null> {
  const row = await db.prepare('SELECT * FROM guests WHERE id = ?').bind(id).first<GuestRow>();
  return row ? toGuest(row) : null;
}

export const getGuest = async (db: D1Database, id: string): Promise<Guest> => found(await findGuest(db, id), 'Guest');
