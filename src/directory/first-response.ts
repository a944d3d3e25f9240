/**
 * "Usually replies in" (docs/rules.md "First response"): the median time from a conversation's
 * first guest message to the first agent message after it, over the conversations of a service
 * first answered in the last 30 days. Each conversation's actor writes the two instants on its
 * directory row with the summary (summaries.ts); a conversation no agent answered does not count.
 */
/** A conversation's two instants (ms): its first guest message, and the first agent message after it. */
export interface FirstResponse {
  askedAt: number | null;
  answeredAt: number | null;
}

export const FIRST_RESPONSE_WINDOW_MS = 30 * 24 * 60 * 60_000;

/** Median in whole seconds, or null while no conversation of the window was answered. */
export async function firstResponseSeconds(db: D1Database, serviceId: string, now: number): Promise<number | null> {
  // The usual SQLite median: the middle row, or the mean of the middle two.
  const row = await db
    .prepare(
      `WITH answered AS (
         SELECT first_answered_at - first_asked_at AS wait FROM conversations
         WHERE service_id = ?1 AND first_answered_at IS NOT NULL AND first_answered_at >= ?2
       )
       SELECT avg(wait) AS median FROM (
         SELECT wait FROM answered ORDER BY wait
         LIMIT 2 - (SELECT count(*) FROM answered) % 2 OFFSET ((SELECT count(*) FROM answered) - 1) / 2
       )`,
    )
    .bind(serviceId, now - FIRST_RESPONSE_WINDOW_MS)
    .first<{ median: number | null }>();
  return row?.median == null ? null : Math.round(row.median / 1000);
}
