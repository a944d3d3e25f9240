/**
 * A small directory read that every object in an isolate asks for (the label catalog, who has
 * a console open, the webhook subscribers), kept in the isolate for `ttlMs` instead of read
 * from D1 by each of them. `forget()` after an edit through this isolate makes the next call
 * read again; a read begun before the edit is answered but not kept. Other isolates see an
 * edit within `ttlMs`.
 */
export function keptRead<T>(ttlMs: number, read: (db: D1Database) => Promise<T>) {
  let kept: { readAt: number; value: T } | null = null;
  let edits = 0;
  /** Reads D1 whatever is kept (a refresh replacing it), and keeps the answer. */
  const reread = async (db: D1Database): Promise<T> => {
    const editsBefore = edits;
    const value = await read(db);
    if (edits === editsBefore) kept = { readAt: Date.now(), value };
    return value;
  };
  return {
    get: (db: D1Database): Promise<T> => (kept && Date.now() - kept.readAt < ttlMs ? Promise.resolve(kept.value) : reread(db)),
    reread,
    /** What is kept however old, with its age, for a caller with its own rule; null when nothing is. */
    peek: (): { value: T; ageMs: number } | null => (kept ? { value: kept.value, ageMs: Date.now() - kept.readAt } : null),
    forget(): void {
      kept = null;
      edits++;
    },
  };
}
