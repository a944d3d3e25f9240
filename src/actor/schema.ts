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
