import type { Env } from '../env';
import { notFound } from '../http/errors';

/**
 * Conversations this isolate has seen recorded. A conversation is never deleted, so a hit is
 * final; only misses go to D1. Bounded so a long-lived isolate does not grow without end.
 */
const known = new Set<string>();
const KNOWN_MAX = 10_000;

const remember = (id: string): void => {
  if (known.size >= KNOWN_MAX) known.clear();
  known.add(id);
};

/** Records that a conversation exists; called by its actor before it creates itself, so idempotent. */
export async function recordConversation(db: D1Database, id: string): Promise<void> {
  await db.prepare('INSERT OR IGNORE INTO conversations (id) VALUES (?)').bind(id).run();
  remember(id);
}

export async function conversationExists(db: D1Database, id: string): Promise<boolean> {
  if (known.has(id)) return true;
  const row = await db.prepare('SELECT 1 AS found FROM conversations WHERE id = ?').bind(id).first<{ found: number }>();
  if (row) remember(id);
  return row !== null;
}

/**
 * The actor of a conversation that exists. Any other id is answered 404 here, as for a
 * conversation the caller may not open, without a Durable Object being created for it:
 * `get` alone creates nothing, but the first call to the stub would.
 */
export async function existingConversation(env: Env, id: string) {
  if (!(await conversationExists(env.DB, id))) throw notFound('Conversation');
  return env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(id));
}
