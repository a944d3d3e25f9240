/**
 * Conversations this isolate has seen recorded; only misses go to D1. Bounded so a long-lived
 * isolate does not grow without end. A conversation deleted by retention may stay here in
 * other isolates: its actor then answers 404 itself, as it holds nothing any more.
 */
const known = new Set<string>();
const KNOWN_MAX = 10_000;

const remember = (id: string): void => {
  if (known.size >= KNOWN_MAX) known.clear();
  known.add(id);
};

/** Records that a conversation exists and which guest started it; called by its actor before it creates itself, so idempotent. */
export async function recordConversation(db: D1Database, id: string, guestId: string): Promise<void> {
  await db.prepare('INSERT OR IGNORE INTO conversations (id, guest_id) VALUES (?, ?)').bind(id, guestId).run();
  remember(id);
}

/** Records that a guest joins a conversation they did not start (an invite); called by its actor before it adds them, so idempotent. */
export async function recordGuestJoined(db: D1Database, id: string, guestId: string): Promise<void> {
  await db.prepare('INSERT OR IGNORE INTO conversation_guests (guest_id, conversation_id) VALUES (?, ?)').bind(guestId, id).run();
}

/**
 * Every conversation a guest took part in, started or joined (docs/privacy.md), as a query
 * of `id, created_at` with the guest's id as ?1. A joined one may be listed although the join
 * was then refused (the row is written first): its actor, which knows its guests, holds
 * nothing of them then.
 */
export const GUEST_CONVERSATIONS = `SELECT id, created_at FROM conversations WHERE guest_id = ?1
  UNION SELECT c.id, c.created_at FROM conversation_guests g JOIN conversations c ON c.id = g.conversation_id WHERE g.guest_id = ?1`;

/** The first `limit` of them, oldest first. */
export async function conversationsOfGuest(db: D1Database, guestId: string, limit: number): Promise<string[]> {
  const { results } = await db.prepare(`${GUEST_CONVERSATIONS} ORDER BY created_at, id LIMIT ?2`).bind(guestId, limit).all<{ id: string }>();
  return results.map((row) => row.id);
}

/** The ids of the other conversations a guest started, newest first. */
export async function conversationsStartedBy(db: D1Database, guestId: string, exceptId: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT id FROM conversations WHERE guest_id = ? AND id != ? ORDER BY created_at DESC, id LIMIT ?')
    .bind(guestId, exceptId, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

export async function conversationExists(db: D1Database, id: string): Promise<boolean> {
  if (known.has(id)) return true;
  const row = await db.prepare('SELECT 1 AS found FROM conversations WHERE id = ?').bind(id).first<{ found: number }>();
  if (row) remember(id);
  return row !== null;
}

/**
 * Removes every directory row of a deleted conversation (retention/actor.ts): its record and
 * summary, and its search index rows (the FTS index follows by trigger). One batch, so it is
 * gone from views and search at once; running it again deletes nothing.
 */
export async function forgetConversation(db: D1Database, id: string): Promise<void> {
  await db.batch([
    db.prepare('DELETE FROM search_entries WHERE conversation_id = ?').bind(id),
    db.prepare('DELETE FROM search_participants WHERE conversation_id = ?').bind(id),
    db.prepare('DELETE FROM search_conversations WHERE conversation_id = ?').bind(id),
    db.prepare('DELETE FROM conversation_guests WHERE conversation_id = ?').bind(id),
    db.prepare('DELETE FROM conversations WHERE id = ?').bind(id),
  ]);
  known.delete(id);
}
