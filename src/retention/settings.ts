/**
 * The organisation's retention (docs/privacy.md "Retention"), one row of org_settings
 * (migration 0024): days a resolved conversation and a past meeting are kept. Null, the
 * default and the value while no row exists, keeps them for good.
 */
export interface RetentionSettings {
  conversationDays: number | null;
  meetingDays: number | null;
}

export async function readRetention(db: D1Database): Promise<RetentionSettings> {
  const row = await db
    .prepare('SELECT conversation_days, meeting_days FROM org_settings WHERE singleton = 1')
    .first<{ conversation_days: number | null; meeting_days: number | null }>();
  return { conversationDays: row?.conversation_days ?? null, meetingDays: row?.meeting_days ?? null };
}

/** Changes the fields given (null clears one) and answers the settings as they are now. */
export async function updateRetention(db: D1Database, patch: Partial<RetentionSettings>): Promise<RetentionSettings> {
  const next = { ...(await readRetention(db)), ...patch };
  await db
    .prepare(
      `INSERT INTO org_settings (singleton, conversation_days, meeting_days) VALUES (1, ?1, ?2)
       ON CONFLICT (singleton) DO UPDATE SET conversation_days = ?1, meeting_days = ?2`,
    )
    .bind(next.conversationDays, next.meetingDays)
    .run();
  return next;
}

/**
 * A page of the conversations retention deletes at `now` (ISO): resolved, by their resolution
 * (their last activity for rows summarised before resolutions were recorded), longer ago than
 * their service's days or else the organisation's. Ordered by id, so the sweep pages on with `after`.
 */
export async function expiredConversations(db: D1Database, now: string, conversationDays: number | null, after: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT c.id FROM conversations c LEFT JOIN services s ON s.id = c.service_id
       WHERE c.status = 'resolved' AND c.id > ?3
         AND coalesce(c.resolved_at, c.last_activity_at) < strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-' || coalesce(s.retention_days, ?2) || ' days')
       ORDER BY c.id LIMIT ?4`,
    )
    .bind(now, conversationDays, after, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** A page of agents' ids after `after`: each has a calendar whose old meetings may go. */
export async function agentIdsAfter(db: D1Database, after: string, limit: number): Promise<string[]> {
  const { results } = await db.prepare('SELECT id FROM agents WHERE id > ? ORDER BY id LIMIT ?').bind(after, limit).all<{ id: string }>();
  return results.map((r) => r.id);
}
