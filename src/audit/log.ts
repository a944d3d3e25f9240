import { z } from 'zod';

/** Who made a change: the admin (one token, so one id) or an agent by id. */
export interface AuditActor {
  kind: 'admin' | 'agent';
  id: string;
}

export interface AuditChange {
  actor: AuditActor;
  entity: string;
  entityId: string;
  action: string;
  /** `METHOD /path/pattern`: the pattern, never the URL, so that no token in a path is kept. */
  route: string;
  requestId: string;
  before: unknown;
  after: unknown;
}

export const AuditEntryView = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.object({ kind: z.enum(['admin', 'agent']), id: z.string() }),
  entity: z.string(),
  entityId: z.string(),
  action: z.string(),
  route: z.string(),
  requestId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntryView>;

export const REDACTED = '[redacted]';
/** Fields whose value is a credential: the log says that it changed, not what it is. */
// A feed URL is its own secret: whoever has it reads the calendar.
const SECRET_KEY = /secret|token|password|apikey|api_key|signing|credential|feedurl/i;
/** A bearer JWT or a URL carrying one (a calendar feed's, say), wherever it sits. */
const SECRET_VALUE = /eyJ[\w-]+\.[\w-]+\.[\w-]*|[?&](token|key|secret)=/i;

/** The item with every secret replaced by REDACTED, however deep. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      // Only strings are secrets: a flag such as `secretSet: true` says what the admin needs to know.
      Object.entries(value).map(([key, v]) => [key, SECRET_KEY.test(key) && typeof v === 'string' ? REDACTED : redact(v)]),
    );
  }
  return typeof value === 'string' && SECRET_VALUE.test(value) ? REDACTED : value;
}

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(redact(value)));

export async function recordChange(db: D1Database, change: AuditChange): Promise<void> {
  await db
    .prepare(
      'INSERT INTO audit_log (actor_kind, actor_id, entity, entity_id, action, route, request_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .bind(change.actor.kind, change.actor.id, change.entity, change.entityId, change.action, change.route, change.requestId, json(change.before), json(change.after))
    .run();
}

interface AuditRow {
  seq: number;
  at: string;
  actor_kind: 'admin' | 'agent';
  actor_id: string;
  entity: string;
  entity_id: string;
  action: string;
  route: string;
  request_id: string;
  before: string | null;
  after: string | null;
}

export interface AuditQuery {
  /** Entries older than this `seq` (the previous page's `nextCursor`). */
  before?: number;
  limit: number;
  entity?: string;
  actorId?: string;
}

/** A page of the log, newest first; `next` is the seq to continue before, or null on the last page. */
export async function listAuditEntries(db: D1Database, query: AuditQuery): Promise<{ entries: AuditEntry[]; next: number | null }> {
  const { results } = await db
    .prepare(
      `SELECT * FROM audit_log WHERE seq < ?1 AND (?2 IS NULL OR entity = ?2) AND (?3 IS NULL OR actor_id = ?3)
       ORDER BY seq DESC LIMIT ?4`,
    )
    .bind(query.before ?? Number.MAX_SAFE_INTEGER, query.entity ?? null, query.actorId ?? null, query.limit + 1)
    .all<AuditRow>();
  const page = results.slice(0, query.limit);
  return {
    entries: page.map((r) => ({
      seq: r.seq,
      at: r.at,
      actor: { kind: r.actor_kind, id: r.actor_id },
      entity: r.entity,
      entityId: r.entity_id,
      action: r.action,
      route: r.route,
      requestId: r.request_id,
      before: r.before === null ? null : JSON.parse(r.before),
      after: r.after === null ? null : JSON.parse(r.after),
    })),
    next: results.length > query.limit ? page.at(-1)!.seq : null,
  };
}

/** Whom an erasure removes from the log: a guest, by id and, while it is known, email. */
export interface ErasedPerson {
  guestId: string;
  email: string | null;
  name: string;
}

/** The fields of a record about the person that say who they are; the record's id, company and times stay. */
const PERSONAL_FIELDS = ['email', 'phone', 'notes'] as const;

/**
 * `value` with the person gone: a record of them (a phonebook contact linked to the guest or
 * with their email) has its name replaced and its email, phone and notes nulled, and any other
 * string that is their email or name, however deep, is replaced too.
 */
function scrubbed(value: unknown, person: ErasedPerson, replacement: string): unknown {
  if (Array.isArray(value)) return value.map((v) => scrubbed(v, person, replacement));
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const isTheirs = record.guestId === person.guestId || (person.email !== null && typeof record.email === 'string' && record.email.toLowerCase() === person.email);
    return Object.fromEntries(
      Object.entries(record).map(([key, v]) => {
        if (isTheirs && key === 'name') return [key, replacement];
        if (isTheirs && (PERSONAL_FIELDS as readonly string[]).includes(key)) return [key, null];
        return [key, scrubbed(v, person, replacement)];
      }),
    );
  }
  if (typeof value !== 'string') return value;
  if (person.email !== null && value.toLowerCase() === person.email) return null;
  return value === person.name ? replacement : value;
}

/**
 * The statements that rewrite every entry naming an erased guest (docs/privacy.md "Audit log"),
 * for the erasure's own D1 batch, so the log forgets them together with the directory. Only
 * entries that hold their id or email are read (so a name matches only there), and rewriting
 * one again changes nothing: asking twice is harmless.
 */
export async function scrubStatements(db: D1Database, person: ErasedPerson, replacement: string): Promise<D1PreparedStatement[]> {
  const email = person.email?.toLowerCase() ?? null;
  const { results } = await db
    .prepare(
      `SELECT seq, before, after FROM audit_log
       WHERE instr(before, ?1) OR instr(after, ?1) OR (?2 IS NOT NULL AND (instr(lower(before), ?2) OR instr(lower(after), ?2)))`,
    )
    .bind(person.guestId, email)
    .all<{ seq: number; before: string | null; after: string | null }>();
  const rewrite = (text: string | null) => (text === null ? null : JSON.stringify(scrubbed(JSON.parse(text), { ...person, email }, replacement)));
  return results.map((row) => db.prepare('UPDATE audit_log SET before = ?, after = ? WHERE seq = ?').bind(rewrite(row.before), rewrite(row.after), row.seq));
}
