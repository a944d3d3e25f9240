import { z } from 'zod';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { AuditEntryView, listAuditEntries } from './log';

const AuditQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'a nextCursor from the previous page')
    .optional()
    .describe('The previous page’s nextCursor: the page continues with older entries, even while new ones are written.'),
  // Digits only: a coerced number would also take ' 5' and '0x10'.
  limit: z.string().regex(/^\d{1,3}$/, 'a whole number from 1 to 100').transform(Number).pipe(z.number().int().min(1).max(100)).default(50).describe('Entries per page, 1 to 100; 50 unless said.'),
  entity: z
    .string()
    .regex(/^[a-z_]{1,40}$/, 'an entity such as agent, service, webhook')
    .optional()
    .describe('Only changes to this kind of item: agent, service, identity_secret, webhook, canned_reply, label, contact, meeting_type, calendar_settings, calendar_feed, inbox_settings.'),
  actor: z.string().regex(/^[\w-]{1,64}$/, "admin, or an agent's id").optional().describe("Only changes by this actor: `admin`, or an agent's id."),
});

export const auditLogEndpoint = endpointsFor('Admin: audit log', 'admin')({
  summary: 'Who changed what and when, newest first: the item before and after each change, secrets redacted',
  query: AuditQuery,
  response: z.object({ entries: z.array(AuditEntryView), nextCursor: z.string().nullable() }),
  handle: async ({ env, query }) => {
    const page = await listAuditEntries(env.DB, { before: query.cursor ? Number(query.cursor) : undefined, limit: query.limit, entity: query.entity, actorId: query.actor });
    return { entries: page.entries, nextCursor: page.next === null ? null : String(page.next) };
  },
});

export const auditRoutes: Routes = (api) => api.get('/api/admin/audit', auditLogEndpoint);
