/**
 * The search index's SQL (migrations/0006_search.sql). The conversation actor's `search`
 * jobs write it; GET /api/search reads it. Queries arrive already escaped by
 * search/query.ts: the MATCH argument is always a string of quoted terms.
 */

/** What search filters on and checks access with, as the conversation now is. */
export interface SearchFacts {
  conversationId: string;
  title: string;
  serviceSlug: string | null;
  visibility: 'public' | 'private';
  agents: ReadonlyArray<{ id: string; slug: string }>;
}

export interface SearchEntry {
  seq: number;
  authorKind: 'guest' | 'agent' | 'system';
  authorName: string;
  at: string;
  text: string;
  agentsOnly: boolean;
}

/** Highlight markers snippet() puts around matched words; removed from indexed text, so they only ever mean a match. */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
const MARKERS = /[\u0002\u0003]/g;

/**
 * D1 keeps a bound string under 2 MB; a page of long messages can come near that as JSON, so
 * the rows are split into arrays of at most this many characters (a busy conversation's page
 * a second is one).
 */
const ROWS_CHARS = 256 * 1024;

/**
 * Entries in a statement per ROWS_CHARS of them rather than one each: a statement costs local
 * D1 the same fixed work whatever it holds, and a busy conversation hands over a page a second.
 */
const insertEntries = (db: D1Database, conversationId: string, entries: readonly SearchEntry[]): D1PreparedStatement[] =>
  jsonChunks(entries.map((e) => [e.seq, e.authorKind, e.authorName, e.at, e.text.replace(MARKERS, '\ufffd'), e.agentsOnly ? 1 : 0])).map((rows) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO search_entries (conversation_id, seq, author_kind, author_name, at, text, agents_only)
         SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?2) ORDER BY key`,
      )
      .bind(conversationId, rows),
  );

/** The rows as JSON arrays of at most ROWS_CHARS characters each (a longer row alone). */
export function jsonChunks(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (current.length > 0 && chars + json.length + 1 > ROWS_CHARS) {
      chunks.push(`[${current.join(',')}]`);
      (current = []), (chars = 0);
    }
    current.push(json);
    chars += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** The last seq of the conversation already in the index (0 for none). */
export async function indexedSeq(db: D1Database, conversationId: string): Promise<number> {
  const row = await db.prepare('SELECT indexed_seq FROM search_conversations WHERE conversation_id = ?').bind(conversationId).first<{ indexed_seq: number }>();
  return row?.indexed_seq ?? 0;
}

/**
 * Writes the conversation's facts and the entries after the last indexed seq, in one
 * transaction (a D1 batch) with the statements `also` (the views' summary), whose results
 * it answers. Entries already there are ignored, so a job that failed after this committed,
 * and runs again, stores each entry once.
 */
export async function writeSearchIndex(
  db: D1Database,
  facts: SearchFacts,
  entries: readonly SearchEntry[],
  lastSeq: number,
  also: readonly D1PreparedStatement[] = [],
): Promise<D1Result[]> {
  const id = facts.conversationId;
  const statements = [
    db
      .prepare(
        `INSERT INTO search_conversations (conversation_id, title, service_slug, visibility, indexed_seq) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET title = excluded.title, service_slug = excluded.service_slug,
           visibility = excluded.visibility, indexed_seq = max(indexed_seq, excluded.indexed_seq)`,
      )
      .bind(id, facts.title, facts.serviceSlug, facts.visibility, lastSeq),
    db.prepare('DELETE FROM search_participants WHERE conversation_id = ?').bind(id),
    db
      .prepare(
        `INSERT OR IGNORE INTO search_participants (conversation_id, agent_id, agent_slug)
         SELECT ?1, value ->> 0, value ->> 1 FROM json_each(?2)`,
      )
      .bind(id, JSON.stringify(facts.agents.map((a) => [a.id, a.slug]))),
    ...insertEntries(db, id, entries),
  ];
  const results = await db.batch([...also, ...statements]);
  return results.slice(0, also.length);
}

/**
 * Removes entries from the index and writes others anew (an erased guest's messages and the
 * lines that named them, docs/privacy.md), in one batch; the triggers keep the full-text index in step.
 */
export async function rewriteSearchEntries(db: D1Database, conversationId: string, removed: readonly number[], rewritten: readonly SearchEntry[]): Promise<void> {
  const seqs = [...removed, ...rewritten.map((e) => e.seq)];
  if (seqs.length === 0) return;
  await db.batch([
    db.prepare('DELETE FROM search_entries WHERE conversation_id = ? AND seq IN (SELECT value FROM json_each(?))').bind(conversationId, JSON.stringify(seqs)),
    ...insertEntries(db, conversationId, rewritten),
  ]);
}

export interface SearchRequest {
  /** An FTS5 expression built by ftsQuery (search/query.ts), never the user's text. */
  match: string;
  agentId: string;
  service?: string | undefined;
  /** An agent slug: conversations assigned to them (the views' summary, directory/summaries.ts). */
  assignee?: string | undefined;
  status?: 'open' | 'snoozed' | 'resolved' | undefined;
  /** A label id. */
  label?: string | undefined;
  visibility?: 'public' | 'private' | undefined;
  /** ISO timestamps: from inclusive, to exclusive. */
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

export interface SearchRow {
  conversationId: string;
  seq: number;
  title: string;
  authorKind: 'guest' | 'agent' | 'system';
  authorName: string;
  at: string;
  agentsOnly: boolean;
  /** The matched text around the match, with MARK_START and MARK_END around matched words. */
  snippet: string;
}

interface Row {
  conversation_id: string;
  seq: number;
  title: string;
  author_kind: 'guest' | 'agent' | 'system';
  author_name: string;
  at: string;
  agents_only: number;
  snippet: string;
}

/**
 * Candidates read per result asked for. The full-text index ranks every match cheaply, but the
 * access check, the filters and snippet() cost a lookup per row: over a common word that is
 * thousands of rows for a page of 20. So the best `window` matches are taken first, and only
 * those are checked; most pass (a tenth of conversations are private), and a window too
 * small for the page grows until it is the whole match.
 */
const CANDIDATES_PER_RESULT = 4;
const WINDOW_GROWTH = 16;

/**
 * Best matches first (bm25, then newest), among the conversations the agent may open (C8:
 * public, or private with them in it). The answer is the same page as ranking every match:
 * a match outside the window ranks below all inside it, so a window holding the page's rows
 * (or every match) gives them in order. snippet() runs for the page's rows alone, read in the
 * index's own scan (a lookup of one row by rowid would read each term's whole doclist again).
 */
export async function searchEntries(db: D1Database, r: SearchRequest): Promise<SearchRow[]> {
  const page = db.prepare(
    `WITH candidates AS MATERIALIZED (
       SELECT rowid AS id, bm25(search_index) AS score FROM search_index WHERE search_index MATCH ?1 ORDER BY score, rowid DESC LIMIT ?12
     ),
     page AS MATERIALIZED (
       SELECT e.id, m.score, e.conversation_id, e.seq, c.title, e.author_kind, e.author_name, e.at, e.agents_only
       FROM candidates m
       JOIN search_entries e ON e.id = m.id
       JOIN search_conversations c ON c.conversation_id = e.conversation_id
       LEFT JOIN conversations s ON s.id = e.conversation_id AND s.summary_revision > 0
       WHERE (c.visibility = 'public'
              OR EXISTS (SELECT 1 FROM search_participants p WHERE p.conversation_id = c.conversation_id AND p.agent_id = ?2))
         AND (?3 IS NULL OR s.service_slug = ?3)
         AND (?4 IS NULL OR s.assignee_slug = ?4)
         AND (?10 IS NULL OR s.status = ?10)
         AND (?11 IS NULL OR EXISTS (SELECT 1 FROM json_each(s.label_ids) WHERE value = ?11))
         AND (?5 IS NULL OR e.at >= ?5)
         AND (?6 IS NULL OR e.at < ?6)
         AND (?9 IS NULL OR c.visibility = ?9)
       ORDER BY m.score, e.id DESC
       LIMIT ?7 OFFSET ?8
     ),
     snippets AS MATERIALIZED (
       SELECT rowid AS id, snippet(search_index, 0, char(2), char(3), '…', 16) AS snippet
       FROM search_index WHERE search_index MATCH ?1 AND +rowid IN (SELECT id FROM page)
     )
     SELECT page.*, snippets.snippet FROM page JOIN snippets ON snippets.id = page.id ORDER BY page.score, page.id DESC`,
  );
  // How many matches the window held: fewer than its size, it held them all.
  const matches = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM search_index WHERE search_index MATCH ?1 LIMIT ?2)');
  let results: Row[];
  for (let window = Math.max(100, (r.offset + r.limit) * CANDIDATES_PER_RESULT); ; window *= WINDOW_GROWTH) {
    const [answered, counted] = await db.batch<Row | { n: number }>([
      page.bind(r.match, r.agentId, r.service ?? null, r.assignee ?? null, r.from ?? null, r.to ?? null, r.limit, r.offset, r.visibility ?? null, r.status ?? null, r.label ?? null, window),
      matches.bind(r.match, window),
    ]);
    results = answered!.results as Row[];
    if (results.length >= r.limit || (counted!.results[0] as { n: number }).n < window) break;
  }
  return results.map((row) => ({
    conversationId: row.conversation_id,
    seq: row.seq,
    title: row.title,
    authorKind: row.author_kind,
    authorName: row.author_name,
    at: row.at,
    agentsOnly: row.agents_only === 1,
    snippet: row.snippet,
  }));
}
