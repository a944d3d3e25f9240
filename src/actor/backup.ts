import { accept, refuse, type Outcome } from './outcome';

/**
 * An actor's whole storage as backup pages (docs/backups.md): every row of its SQLite tables,
 * table by table in rowid order, then its key-value entries. Generic over the tables, so a
 * table a later schema step adds is in the backup without anyone remembering to add it.
 * `schema_version` stays out: the restoring actor's constructor has migrated its own schema.
 */

/** A cell as a backup holds it: JSON's own types. No actor table stores a blob. */
export type Cell = string | number | null;
/** A key-value entry's value: the actors store JSON values only (a structured clone could hold more). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type StoredRow = { table: string; row: Record<string, Cell> } | { key: string; value: Json };

export interface DumpPage {
  rows: StoredRow[];
  /** Where the next page starts (an opaque string for the query); null after the last row. */
  next: string | null;
}

/** What one page may hold, as JSON: well under the restore route's body limit, page for page. */
export const PAGE_BYTES = 256 * 1024;

/** Where a dump stopped: after a row of a table (its rowid), or after a key-value entry (null: before the first). */
export type Cursor = { table: string; after: number } | { key: string | null };

export const encodeCursor = (cursor: Cursor): string =>
  'key' in cursor ? (cursor.key === null ? 'k' : `k:${cursor.key}`) : `t:${cursor.after}:${cursor.table}`;

/** The cursor a page's `next` was, or null for anything a dump never answered. */
export function decodeCursor(text: string): Cursor | null {
  if (text === 'k') return { key: null };
  if (text.startsWith('k:')) return { key: text.slice(2) };
  const table = /^t:(-?\d{1,19}):(\w{1,64})$/.exec(text);
  return table ? { table: table[2]!, after: Number(table[1]) } : null;
}

/** The column name a dump reads each row's rowid under, for its cursor. */
export const ROWID = '__backup_rowid';
export const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The insert of one backed-up row; a row already there (a page sent again) is left as it is. */
export function insertRow(table: string, row: Record<string, Cell>): { query: string; values: Cell[] } {
  const columns = Object.keys(row);
  return {
    query: `INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
    values: columns.map((c) => row[c]!),
  };
}

/**
 * Why SQLite refused a page's rows (a NOT NULL, CHECK or foreign key it breaks), as the
 * refusal's message; rethrows anything else, which is a fault of ours.
 */
export function constraintBroken(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const broken = /(?:NOT NULL|CHECK|FOREIGN KEY) constraint failed[^:]*(?::\s*[\w.]+)?/i.exec(message);
  if (!broken) throw err;
  return `A row of the page does not fit this deployment (${broken[0]}): nothing of the page was written.`;
}

/** Why a backed-up row does not fit a table of this version (null: it fits). */
export function misfit(table: string, columns: ReadonlySet<string> | undefined, row: Record<string, Cell>): string | null {
  if (!columns) return `There is no table ${table}: the backup is from another version of Doorbell.`;
  const unknown = Object.keys(row).find((c) => !columns.has(c));
  return unknown === undefined ? null : `Table ${table} has no column ${unknown}: the backup is from another version of Doorbell.`;
}

/**
 * The actor's own tables, by name. Left out: SQLite's (`sqlite_sequence` follows from the
 * restored rows) and the runtime's (`_cf_…`, whose key-value entries are read through `storage.kv`).
 */
function dataTables(sql: SqlStorage): string[] {
  return sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name != 'schema_version' ORDER BY name")
    .toArray()
    .map((r) => r.name);
}

const columnsOf = (sql: SqlStorage, table: string): Set<string> =>
  new Set(sql.exec<{ name: string }>('SELECT name FROM pragma_table_info(?)', table).toArray().map((r) => r.name));

function cell(value: SqlStorageValue, table: string, column: string): Cell {
  if (value instanceof ArrayBuffer) throw new Error(`backup: ${table}.${column} holds a blob, which backups do not carry`);
  return value;
}

const sizeOf = (row: StoredRow): number => JSON.stringify(row).length;

/** One page of the storage from `cursor` (null: the start), at most `budget` bytes of JSON (but at least one row). */
export function dumpStorage(storage: DurableObjectStorage, cursor: Cursor | null, budget = PAGE_BYTES): DumpPage {
  const rows: StoredRow[] = [];
  let bytes = 0;
  const full = (row: StoredRow): boolean => {
    const size = sizeOf(row);
    if (rows.length > 0 && bytes + size > budget) return true;
    rows.push(row);
    bytes += size;
    return false;
  };
  if (!cursor || 'table' in cursor) {
    const tables = dataTables(storage.sql).filter((t) => !cursor || t >= cursor.table);
    for (const table of tables) {
      let after = cursor && table === cursor.table ? cursor.after : Number.MIN_SAFE_INTEGER;
      for (;;) {
        const batch = storage.sql.exec(`SELECT rowid AS ${ROWID}, * FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT 100`, after).toArray();
        for (const { [ROWID]: rowid, ...values } of batch) {
          const row = Object.fromEntries(Object.entries(values).map(([c, v]) => [c, cell(v, table, c)]));
          if (full({ table, row })) return { rows, next: encodeCursor({ table, after }) };
          after = rowid as number;
        }
        if (batch.length < 100) break;
      }
    }
  }
  let lastKey = cursor && 'key' in cursor ? cursor.key : null;
  for (;;) {
    const batch = [...storage.kv.list<Json>(lastKey === null ? { limit: 100 } : { startAfter: lastKey, limit: 100 })];
    for (const [key, value] of batch) {
      if (full({ key, value })) return { rows, next: encodeCursor({ key: lastKey }) };
      lastKey = key;
    }
    if (batch.length < 100) return { rows, next: null };
  }
}

/**
 * Writes a page of a backup into this actor, in one transaction: the page is checked against
 * the actor's tables first, so a page that does not fit writes nothing. The first page
 * (`reset`) empties the storage before, which takes away what a constructor made (the
 * calendar's default meeting type) so the actor is exactly the one backed up; a page sent
 * again inserts nothing twice (`ON CONFLICT DO NOTHING`). `arm` re-arms the actor's alarm for
 * its restored jobs.
 */
export async function restoreStorage(storage: DurableObjectStorage, rows: StoredRow[], reset: boolean, arm: () => Promise<void>): Promise<Outcome<{ written: number }>> {
  const tables = new Map(dataTables(storage.sql).map((t) => [t, columnsOf(storage.sql, t)]));
  for (const entry of rows) {
    const problem = 'table' in entry ? misfit(entry.table, tables.get(entry.table), entry.row) : null;
    if (problem) return refuse(400, 'backup_incompatible', problem);
  }
  try {
    write(storage, [...tables.keys()], rows, reset);
  } catch (err) {
    return refuse(400, 'backup_incompatible', constraintBroken(err));
  }
  await arm();
  return accept({ written: rows.length });
}

function write(storage: DurableObjectStorage, tables: string[], rows: StoredRow[], reset: boolean): void {
  storage.transactionSync(() => {
    if (reset) {
      for (const table of tables) storage.sql.exec(`DELETE FROM ${quote(table)}`);
      for (const [key] of [...storage.kv.list()]) storage.kv.delete(key);
    }
    for (const entry of rows) {
      if (!('table' in entry)) {
        storage.kv.put(entry.key, entry.value);
        continue;
      }
      const { query, values } = insertRow(entry.table, entry.row);
      storage.sql.exec(query, ...values);
    }
  });
}

/** What an actor's one `backup` RPC method does: answer a page of its storage, or write one. */
export type BackupOp = { dump: Cursor | null } | { restore: StoredRow[]; reset: boolean };
export type BackupAnswer = DumpPage | Outcome<{ written: number }>;

export const backupStorage = (storage: DurableObjectStorage, op: BackupOp, arm: () => Promise<void>): Promise<BackupAnswer> | BackupAnswer =>
  'dump' in op ? dumpStorage(storage, op.dump) : restoreStorage(storage, op.restore, op.reset, arm);
