import type { Availability } from './availability';
import { keptRead } from './kept-read';

/**
 * How often an inbox that is not offline rewrites its row, and how old such a row may be
 * before it is read as offline: an object that died with its sockets never says "offline",
 * so its last word expires instead.
 */
export const PRESENCE_HEARTBEAT_MS = 5 * 60_000;
export const PRESENCE_STALE_MS = 2 * PRESENCE_HEARTBEAT_MS + 60_000;

/** Written by the agent's InboxActor whenever its effective availability changes, and on each heartbeat. */
export async function writePresence(db: D1Database, agentId: string, availability: Availability, now = Date.now()): Promise<void> {
  await db
    .prepare(
      `INSERT INTO agent_presence (agent_id, availability, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (agent_id) DO UPDATE SET availability = excluded.availability, updated_at = excluded.updated_at`,
    )
    .bind(agentId, availability, now)
    .run();
  watching.forget();
}

/**
 * Agents with a console open (their inbox's presence row is fresh and not offline) and the
 * services each is a member of: whom a changed summary may concern. Every conversation asks
 * after each change it hands over, so an isolate keeps the answer for a second, the time
 * inbox rows may lag anyway (docs/architecture.md); a presence written through this isolate
 * is seen at once.
 */
const watching = keptRead(1000, async (db) => {
  const { results } = await db
    .prepare(
      `SELECT p.agent_id, group_concat(m.service_id) AS services FROM agent_presence p LEFT JOIN memberships m ON m.agent_id = p.agent_id
       WHERE p.availability != 'offline' AND p.updated_at >= ? GROUP BY p.agent_id`,
    )
    .bind(Date.now() - PRESENCE_STALE_MS)
    .all<{ agent_id: string; services: string | null }>();
  return results.map((r) => ({ agentId: r.agent_id, serviceIds: new Set(r.services ? r.services.split(',') : []) }));
});

export const watchingAgents = (db: D1Database): Promise<Array<{ agentId: string; serviceIds: Set<string> }>> => watching.get(db);

interface PresenceRow {
  agent_id: string;
  availability: Availability;
  updated_at: number;
}

const fresh = (row: PresenceRow | undefined, now: number): Availability =>
  !row || (row.availability !== 'offline' && row.updated_at < now - PRESENCE_STALE_MS) ? 'offline' : row.availability;

/** The availability of each agent named, one query; an agent without a (fresh) row is offline. */
export async function availabilityOf(db: D1Database, agentIds: readonly string[], now = Date.now()): Promise<Map<string, Availability>> {
  const result = new Map<string, Availability>(agentIds.map((id) => [id, 'offline']));
  if (agentIds.length === 0) return result;
  const { results } = await db
    .prepare(`SELECT agent_id, availability, updated_at FROM agent_presence WHERE agent_id IN (${agentIds.map(() => '?').join(', ')})`)
    .bind(...agentIds)
    .all<PresenceRow>();
  for (const row of results) result.set(row.agent_id, fresh(row, now));
  return result;
}
