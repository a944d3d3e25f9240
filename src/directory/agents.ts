import { found, notFound } from '../http/errors';
import { withConstraints } from './constraints';
import { newId } from './ids';
import { isLicensed } from './licensing';
import type { AgentCreate, AgentUpdate, License } from './schemas';

export interface Agent {
  id: string;
  slug: string;
  name: string;
  email: string;
  avatarUrl: string | null;
  description: string;
  license: License;
  licensed: boolean;
  timeZone: string;
  createdAt: string;
  updatedAt: string;
}

interface AgentRow {
  id: string;
  slug: string;
  name: string;
  email: string;
  avatar_url: string | null;
  description: string;
  license: License;
  time_zone: string;
  created_at: string;
  updated_at: string;
}

const toAgent = (row: AgentRow): Agent => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  email: row.email,
  avatarUrl: row.avatar_url,
  description: row.description,
  license: row.license,
  licensed: isLicensed(row.license),
  timeZone: row.time_zone,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export async function listAgents(db: D1Database): Promise<Agent[]> {
  const { results } = await db.prepare('SELECT * FROM agents ORDER BY name, slug').all<AgentRow>();
  return results.map(toAgent);
}

async function findAgentBy(db: D1Database, column: 'slug' | 'id' | 'email', value: string): Promise<Agent | null> {
  const row = await db.prepare(`SELECT * FROM agents WHERE ${column} = ?`).bind(value).first<AgentRow>();
  return row ? toAgent(row) : null;
}

export const findAgentBySlug = (db: D1Database, slug: string) => findAgentBy(db, 'slug', slug);
export const findAgentById = (db: D1Database, id: string) => findAgentBy(db, 'id', id);
export const findAgentByEmail = (db: D1Database, email: string) => findAgentBy(db, 'email', email);

/** The agents of these slugs that exist (a note's @mentions); unknown slugs are left out. */
export async function findAgentsBySlugs(db: D1Database, slugs: readonly string[]): Promise<Agent[]> {
  if (slugs.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT * FROM agents WHERE slug IN (${slugs.map(() => '?').join(', ')}) ORDER BY slug`)
    .bind(...slugs)
    .all<AgentRow>();
  return results.map(toAgent);
}

export const getAgentBySlug = async (db: D1Database, slug: string): Promise<Agent> => found(await findAgentBySlug(db, slug), `Agent "${slug}"`);

export async function createAgent(db: D1Database, input: AgentCreate): Promise<Agent> {
  const id = newId('ag');
  await withConstraints(() =>
    db
      .prepare('INSERT INTO agents (id, slug, name, email, avatar_url, description, license, time_zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .bind(id, input.slug, input.name, input.email, input.avatarUrl ?? null, input.description ?? '', input.license, input.timeZone)
      .run(),
  );
  return (await findAgentById(db, id))!;
}

const agentColumns: Record<keyof AgentUpdate, string> = {
  slug: 'slug',
  name: 'name',
  email: 'email',
  avatarUrl: 'avatar_url',
  description: 'description',
  license: 'license',
  timeZone: 'time_zone',
};

export async function updateAgent(db: D1Database, slug: string, patch: AgentUpdate): Promise<Agent> {
  const current = await getAgentBySlug(db, slug);
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as Array<[keyof AgentUpdate, unknown]>;
  const assignments = entries.map(([key]) => `${agentColumns[key]} = ?`).join(', ');
  await withConstraints(() =>
    db
      .prepare(`UPDATE agents SET ${assignments}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`)
      .bind(...entries.map(([, v]) => v ?? null), current.id)
      .run(),
  );
  return (await findAgentById(db, current.id))!;
}

export async function deleteAgent(db: D1Database, slug: string): Promise<void> {
  const { meta } = await db.prepare('DELETE FROM agents WHERE slug = ?').bind(slug).run();
  if (meta.changes === 0) throw notFound(`Agent "${slug}"`);
}
