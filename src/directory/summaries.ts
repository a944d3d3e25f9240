import type { FirstResponse } from './first-response';
import type { View, ViewFacts } from './views';

/**
 * Each conversation's summary on its directory row (migration 0012): what the inbox views
 * Unassigned, All open and Resolved list and count for agents whose inbox never hears of the
 * conversation. The conversation actor writes it (ConversationActor.updateIndex); the SQL
 * below is the view rule of views.ts for those three views.
 */
export interface ConversationSummary extends Omit<ViewFacts, 'mentionedIds'> {
  readonly id: string;
  readonly title: string;
  readonly avatarUrl: string | null;
  readonly snoozedUntil: string | null;
  readonly serviceSlug: string | null;
  readonly serviceName: string | null;
  readonly assigneeSlug: string | null;
  readonly assigneeName: string | null;
  readonly labelIds: readonly string[];
  readonly lastMessage: { text: string; authorName: string; authorKind?: 'guest' | 'agent' | 'system' | undefined; at: string; seq: number } | null;
  readonly lastActivityAt: string;
}

interface SummaryRow {
  id: string;
  title: string;
  avatar_url: string | null;
  status: ViewFacts['status'];
  snoozed_until: string | null;
  visibility: ViewFacts['visibility'];
  service_id: string | null;
  service_slug: string | null;
  service_name: string | null;
  assignee_id: string | null;
  assignee_slug: string | null;
  assignee_name: string | null;
  agent_ids: string;
  label_ids: string;
  last_message: string | null;
  last_activity_at: string;
}

const toSummary = (r: SummaryRow): ConversationSummary => ({
  id: r.id,
  title: r.title,
  avatarUrl: r.avatar_url,
  status: r.status,
  snoozedUntil: r.snoozed_until,
  visibility: r.visibility,
  serviceId: r.service_id,
  serviceSlug: r.service_slug,
  serviceName: r.service_name,
  assigneeId: r.assignee_id,
  assigneeSlug: r.assignee_slug,
  assigneeName: r.assignee_name,
  agentIds: JSON.parse(r.agent_ids) as string[],
  labelIds: JSON.parse(r.label_ids) as string[],
  lastMessage: r.last_message === null ? null : (JSON.parse(r.last_message) as ConversationSummary['lastMessage']),
  lastActivityAt: r.last_activity_at,
});

const COLUMNS = `c.id, c.title, c.avatar_url, c.status, c.snoozed_until, c.visibility, c.service_id, c.service_slug, s.name AS service_name,
  c.assignee_id, c.assignee_slug, a.name AS assignee_name, c.agent_ids, c.label_ids, c.last_message, c.last_activity_at`;
// Names are read from the directory as they are now (a renamed service or agent shows so everywhere).
const FROM = `conversations c LEFT JOIN services s ON s.id = c.service_id LEFT JOIN agents a ON a.id = c.assignee_id`;

/**
 * The statements that write a summary, for the actor's index batch: the first reads the row's
 * facts as they were (whose consoles showed it), the second writes it unless a later revision
 * is there already. `resolvedAt` (the resolving entry's time, null unless resolved) is what
 * retention counts from (retention/actor.ts); no view shows it.
 */
export function summaryStatements(
  db: D1Database,
  s: ConversationSummary,
  revision: number,
  // Ride on the summary's write, so "usually replies in" (first-response.ts) and retention cost no write of their own.
  firstResponse: FirstResponse,
  resolvedAt: string | null,
): [D1PreparedStatement, D1PreparedStatement] {
  return [
    db.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = ? AND c.summary_revision > 0`).bind(s.id),
    db
      .prepare(
        `UPDATE conversations SET summary_revision = ?, title = ?, avatar_url = ?, status = ?, snoozed_until = ?, visibility = ?,
           service_id = ?, service_slug = ?, assignee_id = ?, assignee_slug = ?, agent_ids = ?, label_ids = ?, last_message = ?, last_activity_at = ?,
           first_asked_at = ?, first_answered_at = ?, resolved_at = ?
         WHERE id = ? AND summary_revision < ?`,
      )
      .bind(
        revision, s.title, s.avatarUrl, s.status, s.snoozedUntil, s.visibility, s.serviceId, s.serviceSlug, s.assigneeId, s.assigneeSlug,
        JSON.stringify(s.agentIds), JSON.stringify(s.labelIds), s.lastMessage === null ? null : JSON.stringify(s.lastMessage), s.lastActivityAt,
        firstResponse.askedAt, firstResponse.answeredAt, resolvedAt,
        s.id, revision,
      ),
  ];
}

/** The summary the first of summaryStatements read, from its batch result. */
export const summaryOf = (result: D1Result): ConversationSummary | null => {
  const row = (result.results as SummaryRow[])[0];
  return row ? toSummary(row) : null;
};

/** Filters every view takes (slugs and a label id); absent: any. */
export interface ViewFilters {
  status?: ViewFacts['status'] | undefined;
  service?: string | undefined;
  label?: string | undefined;
  assignee?: string | undefined;
}

export type SummaryView = Extract<View, 'unassigned' | 'all' | 'resolved'>;

// ?1 the agent's id; ?2–?5 the filters. A summary row is in no view before its first write.
const VISIBLE_AND_FILTERED = `c.summary_revision > 0
  AND (c.visibility = 'public' OR EXISTS (SELECT 1 FROM json_each(c.agent_ids) WHERE value = ?1))
  AND (?2 IS NULL OR c.status = ?2)
  AND (?3 IS NULL OR c.service_slug = ?3)
  AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(c.label_ids) WHERE value = ?4))
  AND (?5 IS NULL OR c.assignee_slug = ?5)`;
const IN_VIEW: Record<SummaryView, string> = {
  unassigned: `(c.status != 'resolved' AND c.assignee_id IS NULL AND c.service_id IN (SELECT service_id FROM memberships WHERE agent_id = ?1))`,
  all: `(c.status != 'resolved')`,
  resolved: `(c.status = 'resolved')`,
};

const bindFilters = (agentId: string, f: ViewFilters) => [agentId, f.status ?? null, f.service ?? null, f.label ?? null, f.assignee ?? null];

/** The view's conversations, latest activity first. */
export async function listView(db: D1Database, view: SummaryView, agentId: string, filters: ViewFilters, limit: number): Promise<ConversationSummary[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${VISIBLE_AND_FILTERED} AND ${IN_VIEW[view]} ORDER BY c.last_activity_at DESC, c.id LIMIT ?6`)
    .bind(...bindFilters(agentId, filters), limit)
    .all<SummaryRow>();
  return results.map(toSummary);
}

/** How many conversations each summary view holds for the agent, and whether they may open any conversation at all. */
export async function countViews(db: D1Database, agentId: string, filters: ViewFilters): Promise<Record<SummaryView, number> & { anything: boolean }> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(${IN_VIEW.unassigned}), 0) AS unassigned, coalesce(sum(${IN_VIEW.all}), 0) AS all_open,
              coalesce(sum(${IN_VIEW.resolved}), 0) AS resolved,
              (SELECT EXISTS (SELECT 1 FROM conversations c WHERE ${VISIBLE_AND_FILTERED.replace(/\?[2-5]/g, 'NULL')})) AS anything
       FROM conversations c WHERE ${VISIBLE_AND_FILTERED}`,
    )
    .bind(...bindFilters(agentId, filters))
    .first<{ unassigned: number; all_open: number; resolved: number; anything: number }>();
  return { unassigned: row!.unassigned, all: row!.all_open, resolved: row!.resolved, anything: row!.anything === 1 };
}
