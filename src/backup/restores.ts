import { z } from 'zod';
import { HttpError } from '../http/errors';
import { nonEmptyTables } from './directory';

/** The restores of backups (D1 `backup_restores`, migration 0027): which one runs, so its pages are taken. */
export const RestoreView = z.object({
  backupId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  resumed: z.boolean().describe('True when this restore had begun before: it goes on, its pages already written stay.'),
});
type RestoreView = z.infer<typeof RestoreView>;

interface Row {
  backup_id: string;
  started_at: string;
  finished_at: string | null;
}

const view = (row: Row, resumed: boolean): RestoreView => ({ backupId: row.backup_id, startedAt: row.started_at, finishedAt: row.finished_at, resumed });

const findRestore = (db: D1Database, backupId: string): Promise<Row | null> =>
  db.prepare('SELECT * FROM backup_restores WHERE backup_id = ?').bind(backupId).first<Row>();

/**
 * Begins a restore. A deployment holding anything is refused: a restore adds rows and never
 * overwrites, so into a used directory it would mix two deployments. The same backup's
 * restore still running is taken up again, so a cut-off import can simply be run again.
 */
export async function startRestore(db: D1Database, backupId: string): Promise<RestoreView> {
  const running = await findRestore(db, backupId);
  if (running && running.finished_at === null) return view(running, true);
  const tables = await nonEmptyTables(db);
  if (tables.length > 0) {
    throw new HttpError(409, 'not_empty', `A backup is restored only into an empty deployment; this one has rows in ${tables.join(', ')}.`, { tables });
  }
  const row = await db.prepare('INSERT INTO backup_restores (backup_id) VALUES (?) ON CONFLICT DO UPDATE SET started_at = excluded.started_at, finished_at = NULL RETURNING *').bind(backupId).first<Row>();
  return view(row!, false);
}

export async function requireRunningRestore(db: D1Database, backupId: string): Promise<void> {
  const row = await findRestore(db, backupId);
  if (!row || row.finished_at !== null) {
    throw new HttpError(409, 'restore_not_running', `No restore of backup ${backupId} is running: begin it with POST /api/admin/backup/restores${row ? ' (it has finished)' : ''}.`);
  }
}

export async function finishRestore(db: D1Database, backupId: string): Promise<RestoreView> {
  await requireRunningRestore(db, backupId);
  const row = await db.prepare("UPDATE backup_restores SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE backup_id = ? RETURNING *").bind(backupId).first<Row>();
  return view(row!, false);
}
