import { z } from 'zod';
import { decodeCursor, PAGE_BYTES } from '../actor/backup';
import type { Routes } from '../http/api';
import { endpointsFor } from '../http/endpoint';
import { HttpError } from '../http/errors';
import { ACTOR_KIND_NAMES, actorIds, countActors, dumpActor, restoreActor } from './actors';
import { directoryTable, directoryTables, insertRows, rowCounts, tableRows } from './directory';
import { finishRestore, requireRunningRestore, RestoreView, startRestore } from './restores';

/**
 * Backups (docs/backups.md): the pages `npm run export` walks and `npm run import` writes.
 * Admins only. The export pages are reads; the restore pages write only while a restore of
 * that backup runs, which begins only in an empty deployment.
 */
const admin = endpointsFor('Admin: backups', 'admin');

/** The backup files' format; a restore refuses another. */
export const BACKUP_FORMAT = 1 as const;
/** A restore page's body: a page of the export with room to spare (PAGE_BYTES). */
const RESTORE_BODY_BYTES = 1024 * 1024;
const MAX_PAGE_ROWS = 1000;

const Cell = z.union([z.string(), z.number(), z.null()]);
const Row = z.record(z.string().regex(/^\w{1,64}$/, 'a column name'), Cell).describe('One row: column name → value.');
const StoredRow = z.union([
  z.strictObject({ table: z.string().regex(/^\w{1,64}$/, 'a table name'), row: Row }),
  z.strictObject({ key: z.string().min(1).max(2048), value: z.json() }),
]).describe('A row of one of the actor’s SQLite tables, or one of its key-value entries.');
const TableParams = z.object({ table: z.string().regex(/^\w{1,64}$/, 'a table name') });
const Kind = z.enum(ACTOR_KIND_NAMES);
const ActorId = z.string().regex(/^[\w.-]{1,128}$/, 'an actor’s name');
const BackupId = z.string().regex(/^[\w-]{8,64}$/, '8 to 64 letters, digits, - or _');
const digits = (max: number) =>
  z.string().regex(/^\d{1,16}$/, 'a whole number').transform(Number).pipe(z.number().int().min(0).max(max));

export const backupSummaryEndpoint = admin({
  summary: 'What a backup holds: the directory’s tables (restore order, columns, rows) and how many actors of each kind',
  response: z.object({
    format: z.literal(BACKUP_FORMAT),
    tables: z.array(z.object({ name: z.string(), columns: z.array(z.string()), references: z.array(z.string()), rows: z.number().int() })),
    actors: z.array(z.object({ kind: Kind, count: z.number().int() })),
  }),
  audit: { entity: 'backup', action: 'export', id: () => 'deployment', access: true },
  handle: async ({ env }) => {
    const tables = await directoryTables(env.DB);
    const counts = await rowCounts(env.DB, tables);
    const actors = await Promise.all(ACTOR_KIND_NAMES.map(async (kind) => ({ kind, count: await countActors(env, kind) })));
    return { format: BACKUP_FORMAT, tables: tables.map((t, i) => ({ ...t, rows: counts[i]! })), actors };
  },
});

export const backupTableEndpoint = admin({
  summary: 'A page of a directory table’s rows, in rowid order',
  params: TableParams,
  query: z.strictObject({
    after: digits(Number.MAX_SAFE_INTEGER).default(0).describe('The previous page’s `next`.'),
    limit: digits(MAX_PAGE_ROWS).pipe(z.number().min(1)).default(500).describe(`Rows per page, 1 to ${MAX_PAGE_ROWS}; fewer when they are large.`),
  }),
  response: z.object({ rows: z.array(Row), next: z.number().int().nullable() }),
  errors: [404],
  handle: async ({ env, params, query }) => tableRows(env.DB, await directoryTable(env.DB, params.table), query.after, query.limit, PAGE_BYTES),
});

export const backupActorsEndpoint = admin({
  summary: 'A page of the names of one kind of actor, in name order',
  params: z.object({ kind: Kind }),
  query: z.strictObject({
    after: ActorId.optional().describe('The previous page’s `next`.'),
    limit: digits(MAX_PAGE_ROWS).pipe(z.number().min(1)).default(500),
  }),
  response: z.object({ ids: z.array(z.string()), next: z.string().nullable() }),
  handle: ({ env, params, query }) => actorIds(env, params.kind, query.after ?? '', query.limit),
});

export const backupActorEndpoint = admin({
  summary: 'A page of one actor’s storage: its tables’ rows, then its key-value entries',
  params: z.object({ kind: Kind, id: ActorId }),
  query: z.strictObject({
    cursor: z
      .string()
      .max(2200)
      .transform((text, ctx) => decodeCursor(text) ?? (ctx.addIssue({ code: 'custom', message: 'a `next` from the previous page' }), z.NEVER))
      .optional()
      .describe('The previous page’s `next`.'),
  }),
  response: z.object({ rows: z.array(StoredRow), next: z.string().nullable() }),
  errors: [404],
  handle: ({ env, params, query }) => dumpActor(env, params.kind, params.id, query.cursor ?? null),
});

export const backupFilesEndpoint = admin({
  summary: 'A page of the files in R2 (names and sizes: a backup lists them, it does not copy them)',
  query: z.strictObject({ cursor: z.string().max(1024).optional().describe('The previous page’s `next`.') }),
  response: z.object({ files: z.array(z.object({ key: z.string(), size: z.number().int(), uploaded: z.string() })), next: z.string().nullable() }),
  handle: async ({ env, query }) => {
    const listed = await env.FILES.list({ limit: 1000, ...(query.cursor ? { cursor: query.cursor } : {}) });
    return {
      files: listed.objects.map((o) => ({ key: o.key, size: o.size, uploaded: o.uploaded.toISOString() })),
      next: listed.truncated ? listed.cursor : null,
    };
  },
});

export const startRestoreEndpoint = admin({
  summary: 'Begin restoring a backup: only into an empty deployment, or again for the restore of this backup still running',
  body: z.strictObject({ backupId: BackupId, format: z.number().int() }),
  response: RestoreView,
  errors: [409],
  handle: async ({ env, body }) => {
    if (body.format !== BACKUP_FORMAT) {
      throw new HttpError(400, 'backup_incompatible', `This deployment restores backups of format ${BACKUP_FORMAT}; this one is format ${body.format}.`);
    }
    return startRestore(env.DB, body.backupId);
  },
});

const RestoreParams = z.object({ backupId: BackupId });
const Written = z.object({ written: z.number().int() });

export const restoreTableEndpoint = admin({
  summary: 'Write a page of a directory table’s rows (a row already there is left as it is)',
  params: RestoreParams.extend(TableParams.shape),
  body: z.strictObject({ rows: z.array(Row).max(MAX_PAGE_ROWS) }),
  maxBodyBytes: RESTORE_BODY_BYTES,
  response: Written,
  errors: [404, 409],
  handle: async ({ env, params, body }) => {
    await requireRunningRestore(env.DB, params.backupId);
    await insertRows(env.DB, await directoryTable(env.DB, params.table), body.rows);
    return { written: body.rows.length };
  },
});

export const restoreActorEndpoint = admin({
  summary: 'Write a page of one actor’s storage, in one transaction; `reset` on its first page empties the actor first',
  params: RestoreParams.extend({ kind: Kind, id: ActorId }),
  body: z.strictObject({ reset: z.boolean(), rows: z.array(StoredRow).max(MAX_PAGE_ROWS) }),
  maxBodyBytes: RESTORE_BODY_BYTES,
  response: Written,
  errors: [409],
  handle: async ({ env, params, body }) => {
    await requireRunningRestore(env.DB, params.backupId);
    return restoreActor(env, params.kind, params.id, body.rows, body.reset);
  },
});

export const finishRestoreEndpoint = admin({
  summary: 'End a restore: its pages are refused from now on',
  params: RestoreParams,
  response: RestoreView,
  errors: [409],
  // The one audit entry of a restore: written after the restored log, it cannot take a
  // sequence number the backup's own entries need (the earlier calls are not recorded).
  audit: { entity: 'backup', action: 'restore', id: ({ params }) => params.backupId },
  handle: ({ env, params }) => finishRestore(env.DB, params.backupId),
});

export const backupRoutes: Routes = (api) =>
  api
    .get('/api/admin/backup', backupSummaryEndpoint)
    .get('/api/admin/backup/tables/:table', backupTableEndpoint)
    .get('/api/admin/backup/actors/:kind', backupActorsEndpoint)
    .get('/api/admin/backup/actors/:kind/:id', backupActorEndpoint)
    .get('/api/admin/backup/files', backupFilesEndpoint)
    .post('/api/admin/backup/restores', startRestoreEndpoint)
    .post('/api/admin/backup/restores/:backupId/tables/:table', restoreTableEndpoint)
    .post('/api/admin/backup/restores/:backupId/actors/:kind/:id', restoreActorEndpoint)
    .post('/api/admin/backup/restores/:backupId/finish', finishRestoreEndpoint);
