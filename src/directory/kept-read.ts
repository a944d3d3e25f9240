/**
 * A small directory read that every object in an isolate asks for (the label catalog, who has
 * a console open), kept in the isolate for `ttlMs` instead of read from D1 by each of them.
 * `forget()` after an edit through this isolate makes the next call read again; a read begun
 * before the edit is answered but not kept. Other isolates see an edit within `ttlMs`.
 */
export function keptRead<T>(ttlMs: number, read: (db: D1Database) => Promise<T>) {
  let kept: { until: number; value: T } | null = null;
  let edits = 0;
  return {
    async get(db: D1Database): Promise<T> {
      if (kept && kept.until > Date.now()) return kept.value;
      const editsBefore = edits;
      const value = await read(db);
      if (edits === editsBefore) kept = { until: Date.now() + ttlMs, value };
      return value;
    },
    forget(): void {
      kept = null;
      edits++;
    },
  };
}
