import { z } from 'zod';
import { MARK_END, MARK_START, searchEntries } from '../directory/search';
import { Id, Slug } from '../directory/schemas';
import { ConversationStatusValue } from '../conversation/protocol';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { ftsQuery, MAX_TERMS, parseSnippet } from './query';

/** Results a cursor can page through: deeper than this, a sharper query serves better than paging. */
const MAX_OFFSET = 1000;
const DAY_MS = 86_400_000;

const SearchQuery = z.strictObject({
  q: z.string().min(1).max(200),
  service: Slug.optional(),
  status: ConversationStatusValue.optional(),
  label: Id.optional(),
  assignee: Slug.optional().describe('Conversations assigned to this agent (their slug).'),
  visibility: z.enum(['public', 'private']).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().regex(/^\d{1,4}$/, 'a cursor from a previous answer').optional(),
});

const SearchResult = z.object({
  conversationId: z.string(),
  seq: z.number().int(),
  title: z.string(),
  author: z.object({ kind: z.enum(['guest', 'agent', 'system']), name: z.string() }),
  at: z.string(),
  agentsOnly: z.boolean(),
  snippet: z.object({ text: z.string(), highlights: z.array(z.tuple([z.number().int(), z.number().int()])) }),
});

const invalidQuery = (message: string): HttpError =>
  new HttpError(400, 'invalid_request', `The request query is not valid: q: ${message}.`, { where: 'query', problems: [{ path: 'q', message }] });

export const searchEndpoint = endpointsFor('Search', 'person')({
  summary: 'Full-text search over the messages of the conversations the agent may open, best match first',
  // A guest token is recognised and refused as such (403) rather than as a bad agent token.
  query: SearchQuery,
  response: z.object({ results: z.array(SearchResult), nextCursor: z.string().nullable() }),
  errors: [403],
  handle: async ({ env, principal, query }) => {
    if (principal.kind !== 'agent') throw new HttpError(403, 'agents_only', 'Only agents search conversations.');
    const fts = ftsQuery(query.q);
    if (!fts.ok) throw invalidQuery(fts.reason === 'no_words' ? 'no words to search for (punctuation and operators are ignored)' : `at most ${MAX_TERMS} words`);
    if (query.from && query.to && query.to < query.from) {
      const message = `${query.to} is before from (${query.from})`;
      throw new HttpError(400, 'invalid_request', `The request query is not valid: to: ${message}.`, { where: 'query', problems: [{ path: 'to', message }] });
    }
    const offset = Number(query.cursor ?? 0);
    if (offset > MAX_OFFSET) throw new HttpError(400, 'invalid_request', 'The request query is not valid: cursor: past the last page.', { where: 'query', problems: [{ path: 'cursor', message: 'past the last page' }] });
    const rows = await searchEntries(env.DB, {
      match: fts.match,
      agentId: principal.agent.id,
      service: query.service,
      assignee: query.assignee,
      status: query.status,
      label: query.label,
      visibility: query.visibility,
      from: query.from ? `${query.from}T00:00:00.000Z` : undefined,
      // `to` names a whole day, the last one searched.
      to: query.to ? new Date(Date.parse(query.to) + DAY_MS).toISOString() : undefined,
      // One more than asked tells whether there is a next page.
      limit: query.limit + 1,
      offset,
    });
    const page = rows.slice(0, query.limit);
    const next = offset + query.limit;
    return {
      results: page.map((r) => ({
        conversationId: r.conversationId,
        seq: r.seq,
        title: r.title,
        author: { kind: r.authorKind, name: r.authorName },
        at: r.at,
        agentsOnly: r.agentsOnly,
        snippet: parseSnippet(r.snippet, MARK_START, MARK_END),
      })),
      nextCursor: rows.length > query.limit && next <= MAX_OFFSET ? String(next) : null,
    };
  },
});

export const searchRoutes: Routes = (api) => api.get('/api/search', searchEndpoint);
