import { found, notFound } from '../http/errors';
import { getAgentBySlug } from './agents';
import { withConstraints } from './constraints';
import { newId } from './ids';
import { isAssignable, isLicensed } from './licensing';
import { DEFAULT_PRECHAT, type PrechatForm } from './prechat';
import type { Greetings, License, ServiceCreate, ServiceUpdate } from './schemas';
import type { BusinessHours } from '../time/hours';

export interface Member {
  id: string;
  slug: string;
  name: string;
  avatarUrl: string | null;
  license: License;
  licensed: boolean;
}

export interface Service {
  id: string;
  slug: string;
  name: string;
  avatarUrl: string | null;
  members: Member[];
  licensedMembers: Member[];
  assignable: boolean;
  /** Sites allowed to embed this service's widget (besides GUEST_ORIGINS), sorted. */
  embedOrigins: string[];
  /** Resolving a conversation of the service emails its guests a transcript. */
  transcripts: boolean;
  /** Its greeting per language (docs/widget.md "Languages"). */
  greetings: Greetings;
  /** What the widget and the service page ask before the first message. */
  prechat: PrechatForm;
  /** Null: always open. */
  hours: BusinessHours | null;
  /** Days its resolved conversations are kept; null: the organisation's retention. */
  retentionDays: number | null;
  createdAt: string;
  updatedAt: string;
}

interface ServiceRow {
  id: string;
  slug: string;
  name: string;
  avatar_url: string | null;
  transcripts: number;
  greetings: string;
  prechat: string | null;
  hours: string | null;
  retention_days: number | null;
  created_at: string;
  updated_at: string;
}

interface MemberRow {
  service_id: string;
  id: string;
  slug: string;
  name: string;
  avatar_url: string | null;
  license: License;
}

interface OriginRow {
  service_id: string;
  origin: string;
}

const toMember = (m: MemberRow): Member => ({
  id: m.id,
  slug: m.slug,
  name: m.name,
  avatarUrl: m.avatar_url,
  license: m.license,
  licensed: isLicensed(m.license),
});

function toService(row: ServiceRow, memberRows: MemberRow[], originRows: OriginRow[]): Service {
  const members = memberRows.map(toMember);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    avatarUrl: row.avatar_url,
    members,
    licensedMembers: members.filter((m) => m.licensed),
    assignable: isAssignable(members),
    embedOrigins: originRows.map((o) => o.origin),
    transcripts: row.transcripts === 1,
    greetings: JSON.parse(row.greetings) as Greetings,
    prechat: row.prechat ? (JSON.parse(row.prechat) as PrechatForm) : DEFAULT_PRECHAT,
    hours: row.hours === null ? null : (JSON.parse(row.hours) as BusinessHours),
    retentionDays: row.retention_days,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const MEMBERS_SQL = `SELECT m.service_id, a.id, a.slug, a.name, a.avatar_url, a.license
  FROM memberships m JOIN agents a ON a.id = m.agent_id`;

const ORIGINS_SQL = 'SELECT e.service_id, e.origin FROM embed_origins e';

export async function listServices(db: D1Database): Promise<Service[]> {
  const [services, members, origins] = await db.batch([
    db.prepare('SELECT * FROM services ORDER BY name, slug'),
    db.prepare(`${MEMBERS_SQL} ORDER BY a.name, a.slug`),
    db.prepare(`${ORIGINS_SQL} ORDER BY e.origin`),
  ]);
  const byService = Map.groupBy(members!.results as MemberRow[], (m) => m.service_id);
  const originsBy = Map.groupBy(origins!.results as OriginRow[], (o) => o.service_id);
  return (services!.results as ServiceRow[]).map((row) => toService(row, byService.get(row.id) ?? [], originsBy.get(row.id) ?? []));
}

async function findServiceBy(db: D1Database, column: 'slug' | 'id', value: string): Promise<Service | null> {
  const [service, members, origins] = await db.batch([
    db.prepare(`SELECT * FROM services WHERE ${column} = ?`).bind(value),
    db.prepare(`${MEMBERS_SQL} JOIN services s ON s.id = m.service_id WHERE s.${column} = ? ORDER BY a.name, a.slug`).bind(value),
    db.prepare(`${ORIGINS_SQL} JOIN services s ON s.id = e.service_id WHERE s.${column} = ? ORDER BY e.origin`).bind(value),
  ]);
  const row = service!.results[0] as ServiceRow | undefined;
  return row ? toService(row, members!.results as MemberRow[], origins!.results as OriginRow[]) : null;
}

/** Replaces a service's embed allowlist, in the same batch as the change that goes with it. */
const setEmbedOrigins = (db: D1Database, serviceId: string, origins: string[]): D1PreparedStatement[] => [
  db.prepare('DELETE FROM embed_origins WHERE service_id = ?').bind(serviceId),
  ...origins.map((origin) => db.prepare('INSERT INTO embed_origins (service_id, origin) VALUES (?, ?)').bind(serviceId, origin)),
];

/** A service's members as the directory has them now (none once it is deleted), without the service row. */
export async function serviceMembers(db: D1Database, serviceId: string): Promise<Member[]> {
  const { results } = await db.prepare(`${MEMBERS_SQL} WHERE m.service_id = ? ORDER BY a.name, a.slug`).bind(serviceId).all<MemberRow>();
  return results.map(toMember);
}

export const findServiceBySlug = (db: D1Database, slug: string) => findServiceBy(db, 'slug', slug);
export const findServiceById = (db: D1Database, id: string) => findServiceBy(db, 'id', id);

export const getServiceBySlug = async (db: D1Database, slug: string): Promise<Service> => found(await findServiceBySlug(db, slug), `Service "${slug}"`);

export async function createService(db: D1Database, input: ServiceCreate): Promise<Service> {
  const id = newId('sv');
  await withConstraints(() =>
    db.batch([
      db
        .prepare('INSERT INTO services (id, slug, name, avatar_url, transcripts, greetings, prechat, hours, retention_days) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .bind(id, input.slug, input.name, input.avatarUrl ?? null, input.transcripts ? 1 : 0, JSON.stringify(input.greetings ?? {}), columnValue(input.prechat), columnValue(input.hours), input.retentionDays ?? null),
      ...setEmbedOrigins(db, id, input.embedOrigins ?? []),
    ]),
  );
  return (await findServiceById(db, id))!;
}

type ServiceColumn = Exclude<keyof ServiceUpdate, 'embedOrigins'>;
const serviceColumns: Record<ServiceColumn, string> = {
  slug: 'slug',
  name: 'name',
  avatarUrl: 'avatar_url',
  transcripts: 'transcripts',
  greetings: 'greetings',
  prechat: 'prechat',
  hours: 'hours',
  retentionDays: 'retention_days',
};

/** A field's value as its column holds it: booleans as 0/1, objects (greetings, the form, hours) as JSON. */
const columnValue = (v: unknown): unknown => (typeof v === 'boolean' ? Number(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : (v ?? null));

export async function updateService(db: D1Database, slug: string, patch: ServiceUpdate): Promise<Service> {
  const current = await getServiceBySlug(db, slug);
  const { embedOrigins, ...columns } = patch;
  const entries = Object.entries(columns).filter(([, v]) => v !== undefined) as Array<[ServiceColumn, unknown]>;
  const assignments = entries.map(([key]) => `${serviceColumns[key]} = ?, `).join('');
  await withConstraints(() =>
    db.batch([
      db
        .prepare(`UPDATE services SET ${assignments}updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`)
        .bind(...entries.map(([, v]) => columnValue(v)), current.id),
      ...(embedOrigins ? setEmbedOrigins(db, current.id, embedOrigins) : []),
    ]),
  );
  return (await findServiceById(db, current.id))!;
}

export async function deleteService(db: D1Database, slug: string): Promise<void> {
  const { meta } = await db.prepare('DELETE FROM services WHERE slug = ?').bind(slug).run();
  if (meta.changes === 0) throw notFound(`Service "${slug}"`);
}

/** Adding a member twice is not an error: the membership simply exists. */
export async function addMember(db: D1Database, serviceSlug: string, agentSlug: string): Promise<Service> {
  const [service, agent] = await Promise.all([getServiceBySlug(db, serviceSlug), getAgentBySlug(db, agentSlug)]);
  await db
    .prepare('INSERT INTO memberships (service_id, agent_id) VALUES (?, ?) ON CONFLICT DO NOTHING')
    .bind(service.id, agent.id)
    .run();
  return (await findServiceById(db, service.id))!;
}

export async function removeMember(db: D1Database, serviceSlug: string, agentSlug: string): Promise<Service> {
  const [service, agent] = await Promise.all([getServiceBySlug(db, serviceSlug), getAgentBySlug(db, agentSlug)]);
  const { meta } = await db
    .prepare('DELETE FROM memberships WHERE service_id = ? AND agent_id = ?')
    .bind(service.id, agent.id)
    .run();
  if (meta.changes === 0) throw notFound(`Agent "${agentSlug}" in service "${serviceSlug}"`);
  return (await findServiceById(db, service.id))!;
}

/** Whether resolving a conversation of this service emails its guests a transcript; false once it is deleted. */
export async function transcriptsOn(db: D1Database, serviceId: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 FROM services WHERE id = ? AND transcripts = 1').bind(serviceId).first()) !== null;
}

/** Whether some service lets pages on this origin embed it: such sites get CORS (src/http/embed.ts). */
export async function embedsSomeService(db: D1Database, origin: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 FROM embed_origins WHERE origin = ? LIMIT 1').bind(origin).first()) !== null;
}

/** Whether the service with this slug lets pages on this origin embed it; false for an unknown service. */
export async function serviceEmbeddableFrom(db: D1Database, slug: string, origin: string): Promise<boolean> {
  const row = await db
    .prepare('SELECT 1 FROM embed_origins e JOIN services s ON s.id = e.service_id WHERE s.slug = ? AND e.origin = ?')
    .bind(slug, origin)
    .first();
  return row !== null;
}
