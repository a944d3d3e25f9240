import type { Availability } from './availability';

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
}

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
