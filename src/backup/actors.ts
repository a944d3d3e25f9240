import type { BackupAnswer, BackupOp, Cursor, DumpPage, StoredRow } from '../actor/backup';
import { unwrap, type Outcome } from '../actor/outcome';
import { calendarActor } from '../calendar/stub';
import { conversationActor } from '../conversation/stub';
import type { Env } from '../env';
import { HttpError } from '../http/errors';
import { inboxActor } from '../inbox/stub';
import { CRM_PROVIDERS } from '../integrations/crm';
import { crmActor, webhookActor } from '../integrations/stub';

/**
 * The actors a backup holds (docs/backups.md), by kind: how to reach one and where the
 * directory lists them, since a Durable Object namespace cannot be listed. The retention
 * sweep's actor is left out: it holds only a sweep in progress, which the next cron redoes.
 */
interface Target {
  backup(op: BackupOp): Promise<BackupAnswer>;
}

interface Kind {
  actor: (env: Env, id: string) => Target;
  /** The directory table whose `id`s are the actors' names, or the fixed names. */
  ids: { table: string } | { fixed: readonly string[] };
}

/** An actor's stub as a Target: tsc gives up unfolding the RPC types of the recursive Json values. */
const target = (stub: object): Target => stub as Target;

export const ACTOR_KINDS = {
  conversation: { actor: (env, id) => target(conversationActor(env, id)), ids: { table: 'conversations' } },
  calendar: { actor: (env, id) => target(calendarActor(env, id)), ids: { table: 'agents' } },
  inbox: { actor: (env, id) => target(inboxActor(env, id)), ids: { table: 'agents' } },
  webhook: { actor: (env, id) => target(webhookActor(env, id)), ids: { table: 'webhook_endpoints' } },
  crm: { actor: (env, id) => target(crmActor(env, id as (typeof CRM_PROVIDERS)[number])), ids: { fixed: CRM_PROVIDERS } },
} satisfies Record<string, Kind>;

export type ActorKind = keyof typeof ACTOR_KINDS;
export const ACTOR_KIND_NAMES = Object.keys(ACTOR_KINDS) as [ActorKind, ...ActorKind[]];

const kindOf = (kind: ActorKind): Kind => ACTOR_KINDS[kind];

/** A page of the ids of a kind's actors after `after` (in id order). */
export async function actorIds(env: Env, kind: ActorKind, after: string, limit: number): Promise<{ ids: string[]; next: string | null }> {
  const names = kindOf(kind).ids;
  const ids =
    'table' in names
      ? (await env.DB.prepare(`SELECT id FROM ${names.table} WHERE id > ? ORDER BY id LIMIT ?`).bind(after, limit).all<{ id: string }>()).results.map((r) => r.id)
      : names.fixed.filter((id) => id > after).slice(0, limit);
  return { ids, next: ids.length === limit ? ids.at(-1)! : null };
}

export async function countActors(env: Env, kind: ActorKind): Promise<number> {
  const names = kindOf(kind).ids;
  if (!('table' in names)) return names.fixed.length;
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${names.table}`).first<{ n: number }>())?.n ?? 0;
}

/** Whether the directory lists `id` as an actor of `kind`. */
async function listed(env: Env, kind: ActorKind, id: string): Promise<boolean> {
  const names = kindOf(kind).ids;
  if (!('table' in names)) return names.fixed.includes(id);
  return (await env.DB.prepare(`SELECT 1 FROM ${names.table} WHERE id = ?`).bind(id).first()) !== null;
}

/** Only a listed actor is read: asking an object for its storage would create it, schema and all. */
export async function dumpActor(env: Env, kind: ActorKind, id: string, cursor: Cursor | null): Promise<DumpPage> {
  if (!(await listed(env, kind, id))) throw new HttpError(404, 'not_found', `The directory lists no ${kind} actor ${id}.`);
  return (await kindOf(kind).actor(env, id).backup({ dump: cursor })) as DumpPage;
}

export const restoreActor = async (env: Env, kind: ActorKind, id: string, rows: StoredRow[], reset: boolean): Promise<{ written: number }> =>
  unwrap((await kindOf(kind).actor(env, id).backup({ restore: rows, reset })) as Outcome<{ written: number }>);
