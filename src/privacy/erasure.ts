import { calendarActor } from '../calendar/stub';
import { conversationActor } from '../conversation/stub';
import { GUEST_CONVERSATIONS } from '../directory/conversations';
import type { RetryPolicy } from '../actor/jobs';
import { scrubStatements } from '../audit/log';
import { getGuest } from '../directory/guests';
import type { Env } from '../env';

/** What an erased guest is called everywhere their name was (docs/privacy.md). */
export const DELETED_GUEST = 'Deleted guest';

/** A step is retried until it is done: an erasure must finish even if an actor or D1 failed for a while. */
export const ERASURE_RETRY: RetryPolicy = { maxAttempts: Infinity, backoff: { baseMs: 5_000, capMs: 10 * 60_000 } };

export interface ErasureView {
  id: string;
  guestId: string;
  state: 'running' | 'complete';
  steps: { done: number; total: number };
  createdAt: string;
  completedAt: string | null;
}

/** A guest has one erasure, named after them, so asking twice (or two requests at once) starts one. */
export const erasureIdOf = (guestId: string): string => `er_${guestId.replace(/^gu_/, '')}`;

const conversationStep = (id: string): string => `conversation:${id}`;
const calendarStep = (agentId: string): string => `calendar:${agentId}`;

/**
 * Erases a guest: what the directory holds at once, in one batch (name and email, the token
 * check's `erased_at`, the phonebook contacts, the audit entries naming them, a step per
 * conversation they took part in), then the actors' parts one step after the other
 * (advanceErasure). Every statement is idempotent: asking again changes nothing done and
 * resumes what is left.
 */
export async function startErasure(env: Env, guestId: string): Promise<ErasureView> {
  const id = erasureIdOf(guestId);
  const db = env.DB;
  const guest = await getGuest(db, guestId);
  await db.batch([
    ...(await scrubStatements(db, { guestId, email: guest.email, name: guest.name }, DELETED_GUEST)),
    db.prepare('INSERT OR IGNORE INTO erasures (id, guest_id) VALUES (?, ?)').bind(id, guestId),
    // The guest's own contact and any with their address: both are the phonebook's record of them.
    db
      .prepare('DELETE FROM contacts WHERE guest_id = ?1 OR (email IS NOT NULL AND email = (SELECT email FROM guests WHERE id = ?1))')
      .bind(guestId),
    db.prepare('DELETE FROM digest_unsubscribes WHERE email = (SELECT email FROM guests WHERE id = ?)').bind(guestId),
    db
      .prepare(`UPDATE guests SET name = ?, email = NULL, external_id = NULL, identity_scope = NULL, erased_at = coalesce(erased_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE id = ?`)
      .bind(DELETED_GUEST, guestId),
    db.prepare(`INSERT OR IGNORE INTO erasure_steps (erasure_id, target) SELECT ?2, 'conversation:' || id FROM (${GUEST_CONVERSATIONS})`).bind(guestId, id),
  ]);
  await advanceErasure(env, id);
  return (await findErasure(db, id))!;
}

/**
 * Hands the next step to its actor, which runs it as a job and calls finishErasureStep when
 * done; an actor that holds nothing of the guest says so and the step is done at once.
 */
export async function advanceErasure(env: Env, erasureId: string): Promise<void> {
  for (;;) {
    const next = await env.DB.prepare(
      'SELECT s.target, e.guest_id FROM erasure_steps s JOIN erasures e ON e.id = s.erasure_id WHERE s.erasure_id = ? AND s.done = 0 ORDER BY s.target LIMIT 1',
    )
      .bind(erasureId)
      .first<{ target: string; guest_id: string }>();
    if (!next) {
      await env.DB.prepare("UPDATE erasures SET completed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND completed_at IS NULL").bind(erasureId).run();
      return;
    }
    const [kind, target] = [next.target.slice(0, next.target.indexOf(':')), next.target.slice(next.target.indexOf(':') + 1)];
    const actor = kind === 'calendar' ? calendarActor(env, target) : conversationActor(env, target);
    if (await actor.eraseGuest(erasureId, next.guest_id)) return;
    await markDone(env.DB, erasureId, next.target, []);
  }
}

/**
 * A conversation's part is done; the calendar of the agent it was with (a meeting's agent,
 * or a personal link's) becomes a step too, for the meetings booked there.
 */
export async function finishConversationStep(env: Env, erasureId: string, conversationId: string, agentId: string | null): Promise<void> {
  await markDone(env.DB, erasureId, conversationStep(conversationId), agentId ? [calendarStep(agentId)] : []);
  await advanceErasure(env, erasureId);
}

export async function finishCalendarStep(env: Env, erasureId: string, agentId: string): Promise<void> {
  await markDone(env.DB, erasureId, calendarStep(agentId), []);
  await advanceErasure(env, erasureId);
}

async function markDone(db: D1Database, erasureId: string, target: string, more: readonly string[]): Promise<void> {
  await db.batch([
    ...more.map((step) => db.prepare('INSERT OR IGNORE INTO erasure_steps (erasure_id, target) VALUES (?, ?)').bind(erasureId, step)),
    db.prepare('UPDATE erasure_steps SET done = 1 WHERE erasure_id = ? AND target = ?').bind(erasureId, target),
  ]);
}

export async function findErasure(db: D1Database, id: string): Promise<ErasureView | null> {
  const row = await db
    .prepare(
      `SELECT e.id, e.guest_id, e.created_at, e.completed_at, count(s.target) AS total, coalesce(sum(s.done), 0) AS done
       FROM erasures e LEFT JOIN erasure_steps s ON s.erasure_id = e.id WHERE e.id = ? GROUP BY e.id`,
    )
    .bind(id)
    .first<{ id: string; guest_id: string; created_at: string; completed_at: string | null; total: number; done: number }>();
  return row
    ? {
        id: row.id,
        guestId: row.guest_id,
        state: row.completed_at ? 'complete' : 'running',
        steps: { done: row.done, total: row.total },
        createdAt: row.created_at,
        completedAt: row.completed_at,
      }
    : null;
}
