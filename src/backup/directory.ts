import { constraintBroken, insertRow, misfit, quote, ROWID, type Cell } from '../actor/backup';
import { HttpError } from '../http/errors';

/**
 * The directory (D1) in a backup (docs/backups.md): every table that holds data, found from
 * the schema rather than listed, so a table a later migration adds is in the backup too.
 * Left out: wrangler's migration log, this feature's own restore log, and the full-text index,
 * which the search_entries trigger rebuilds as its rows are restored.
 */

export interface DirectoryTable {
  name: string;
  columns: string[];
  /** The tables its foreign keys name: they are restored first. */
  references: string[];
}

const NOT_BACKED_UP = new Set(['d1_migrations', 'backup_restores']);

/** The tables in the order a restore must write them: each after the tables it references. */
export function restoreOrder(tables: DirectoryTable[]): DirectoryTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: DirectoryTable[] = [];
  const placed = new Set<string>();
  const place = (table: DirectoryTable, path: Set<string>): void => {
    if (placed.has(table.name) || path.has(table.name)) return;
    path.add(table.name);
    for (const name of table.references) {
      const referenced = byName.get(name);
      if (referenced) place(referenced, path);
    }
    placed.add(table.name);
    ordered.push(table);
  };
  for (const table of [...tables].sort((a, b) => a.name.localeCompare(b.name))) place(table, new Set());
  return ordered;
}

/** The tables that hold data, in restore order. */
export async function directoryTables(db: D1Database): Promise<DirectoryTable[]> {
  const { results } = await db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{ name: string; sql: string | null }>();
  const virtual = results.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? '')).map((t) => t.name);
  const names = results
    .map((t) => t.name)
    .filter((n) => !NOT_BACKED_UP.has(n) && !/^(sqlite|_cf)_/i.test(n) && !virtual.some((v) => n === v || n.startsWith(`${v}_`)));
  if (names.length === 0) return [];
  const answers = await db.batch(names.flatMap((n) => [db.prepare(`PRAGMA table_info(${quote(n)})`), db.prepare(`PRAGMA foreign_key_list(${quote(n)})`)]));
  return restoreOrder(
    names.map((name, i) => ({
      name,
      columns: (answers[2 * i]!.results as Array<{ name: string }>).map((c) => c.name),
      references: [...new Set((answers[2 * i + 1]!.results as Array<{ table: string }>).map((f) => f.table))],
    })),
  );
}

export async function directoryTable(db: D1Database, name: string): Promise<DirectoryTable> {
  const table = (await directoryTables(db)).find((t) => t.name === name);
  if (!table) throw new HttpError(404, 'not_found', `The directory has no table ${name} a backup holds.`);
  return table;
}

export async function rowCounts(db: D1Database, tables: DirectoryTable[]): Promise<number[]> {
  if (tables.length === 0) return [];
  const answers = await db.batch(tables.map((t) => db.prepare(`SELECT count(*) AS n FROM ${quote(t.name)}`)));
  return answers.map((a) => (a.results[0] as { n: number }).n);
}

/** A page of a table's rows after `after` (a rowid), at most `limit` rows and about `budget` bytes of JSON. */
export async function tableRows(
  db: D1Database,
  table: DirectoryTable,
  after: number,
  limit: number,
  budget: number,
): Promise<{ rows: Array<Record<string, Cell>>; next: number | null }> {
  const { results } = await db
    .prepare(`SELECT rowid AS ${ROWID}, * FROM ${quote(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    .bind(after, limit)
    .all<Record<string, Cell>>();
  const rows: Array<Record<string, Cell>> = [];
  let bytes = 0;
  let last = after;
  for (const { [ROWID]: rowid, ...row } of results) {
    bytes += JSON.stringify(row).length;
    if (rows.length > 0 && bytes > budget) return { rows, next: last };
    rows.push(row);
    last = rowid as number;
  }
  return { rows, next: results.length === limit ? last : null };
}

/**
 * Writes a page of a table's rows, in one batch (all or nothing). A row already there (the
 * page sent again) is left as it is, so a restore can be run again from the start.
 */
export async function insertRows(db: D1Database, table: DirectoryTable, rows: Array<Record<string, Cell>>): Promise<void> {
  const known = new Set(table.columns);
  for (const row of rows) {
    const problem = misfit(table.name, known, row);
    if (problem) throw new HttpError(400, 'backup_incompatible', problem, { table: table.name });
  }
  if (rows.length === 0) return;
  const statements = rows.map((row) => {
    const { query, values } = insertRow(table.name, row);
    return db.prepare(query).bind(...values);
  });
  await db.batch(statements).catch((err: unknown) => {
    throw new HttpError(400, 'backup_incompatible', constraintBroken(err), { table: table.name });
  });
}

/** The tables that hold any row: a restore goes only into a directory where this is empty. */
export async function nonEmptyTables(db: D1Database): Promise<string[]> {
  const tables = await directoryTables(db);
  const counts = await rowCounts(db, tables);
  return tables.filter((_, i) => counts[i]! > 0).map((t) => t.name);
}
