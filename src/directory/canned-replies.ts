import { HttpError, notFound } from '../http/errors';
import { newId } from './ids';

/** At most this many canned replies per owner (the organisation, or one agent). */
export const MAX_CANNED_REPLIES_PER_OWNER = 200;

export interface CannedReply {
  id: string;
  /** null: the organisation's; else the agent whose personal reply it is. */
  ownerId: string | null;
  shortcut: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}

interface CannedReplyRow {
  id: string;
  owner_id: string | null;
  shortcut: string;
  text: string;
  created_at: string;
  updated_at: string;
}

const toCannedReply = (row: CannedReplyRow): CannedReply => ({
  id: row.id,
  ownerId: row.owner_id,
  shortcut: row.shortcut,
  text: row.text,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

// The organisation is keyed as '' in the unique index; the queries use the same expression so
// that the index serves them.
const ownerKey = (ownerId: string | null): string => ownerId ?? '';

const exists = (shortcut: string): HttpError =>
  new HttpError(409, 'canned_reply_exists', `There is already a canned reply with the shortcut "${shortcut}".`, { field: 'shortcut' });

async function uniqueShortcut<T>(shortcut: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (/UNIQUE constraint failed/.test(err instanceof Error ? err.message : String(err))) throw exists(shortcut);
    throw err;
  }
}

/** The organisation's replies, and `agentId`'s own when given; ordered by shortcut, the organisation's first on a tie. */
export async function listCannedReplies(db: D1Database, agentId: string | null): Promise<CannedReply[]> {
  const { results } = await db
    .prepare("SELECT * FROM canned_replies WHERE coalesce(owner_id, '') IN ('', ?) ORDER BY shortcut, owner_id IS NOT NULL")
    .bind(ownerKey(agentId))
    .all<CannedReplyRow>();
  return results.map(toCannedReply);
}

export async function findCannedReply(db: D1Database, id: string): Promise<CannedReply | null> {
  const row = await db.prepare('SELECT * FROM canned_replies WHERE id = ?').bind(id).first<CannedReplyRow>();
  return row ? toCannedReply(row) : null;
}

/**
 * Adds a reply for `ownerId`. The count and the insert are one statement, so two requests at
 * once cannot take an owner past the limit.
 */
export async function createCannedReply(db: D1Database, ownerId: string | null, input: { shortcut: string; text: string }): Promise<CannedReply> {
  const row = await uniqueShortcut(input.shortcut, () =>
    db
      .prepare(
        `INSERT INTO canned_replies (id, owner_id, shortcut, text)
         SELECT ?, ?, ?, ? WHERE (SELECT count(*) FROM canned_replies WHERE coalesce(owner_id, '') = ?) < ?
         RETURNING *`,
      )
      .bind(newId('cr'), ownerId, input.shortcut, input.text, ownerKey(ownerId), MAX_CANNED_REPLIES_PER_OWNER)
      .first<CannedReplyRow>(),
  );
  if (!row) {
    throw new HttpError(
      409,
      'canned_reply_limit',
      `There are already ${MAX_CANNED_REPLIES_PER_OWNER} canned replies here, the most allowed: delete one first.`,
      { limit: MAX_CANNED_REPLIES_PER_OWNER },
    );
  }
  return toCannedReply(row);
}

/** Changes the reply `id` of `ownerId`; 404 when that owner has no such reply (any more). */
export async function updateCannedReply(
  db: D1Database,
  id: string,
  ownerId: string | null,
  patch: { shortcut?: string | undefined; text?: string | undefined },
): Promise<CannedReply> {
  const row = await uniqueShortcut(patch.shortcut ?? '', () =>
    db
      .prepare(
        `UPDATE canned_replies SET shortcut = coalesce(?, shortcut), text = coalesce(?, text),
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? AND owner_id IS ? RETURNING *`,
      )
      .bind(patch.shortcut ?? null, patch.text ?? null, id, ownerId)
      .first<CannedReplyRow>(),
  );
  if (!row) throw notFound('Canned reply');
  return toCannedReply(row);
}

export async function deleteCannedReply(db: D1Database, id: string, ownerId: string | null): Promise<void> {
  const { meta } = await db.prepare('DELETE FROM canned_replies WHERE id = ? AND owner_id IS ?').bind(id, ownerId).run();
  if (meta.changes === 0) throw notFound('Canned reply');
}
