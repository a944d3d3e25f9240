/**
 * Brings an actor's SQLite schema up to date, one step per version. The version lives in
 * a table of its own (Durable Objects do not allow PRAGMA user_version), so an object
 * created by an older deploy is migrated in its constructor before it serves anything.
 */
export function migrateSchema(sql: SqlStorage, steps: readonly string[]): void {
  sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const version = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0]?.version ?? 0;
  for (let next = version; next < steps.length; next++) sql.exec(steps[next]!);
  if (version === 0) sql.exec('INSERT INTO schema_version (version) VALUES (?)', steps.length);
  else if (version < steps.length) sql.exec('UPDATE schema_version SET version = ?', steps.length);
}

/**
 * The table of the job kernel (actor/jobs.ts), one per actor that has due work (calendar,
 * conversation, webhook endpoint, CRM provider): the alarm is set to the earliest `due_at`;
 * a job's key makes enqueueing it twice harmless, and `attempts`/`last_error` drive retries.
 */
export const JOBS_TABLE = `CREATE TABLE jobs (
     key TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     due_at INTEGER NOT NULL,
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE INDEX jobs_by_due ON jobs (due_at);`;
