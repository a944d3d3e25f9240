import { HttpError } from '../http/errors';

/**
 * Turns a D1 constraint failure into the 409 a client can act on. D1 reports constraint
 * failures only in the message text, e.g. "UNIQUE constraint failed: agents.slug".
 */
export async function withConstraints<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const unique = /UNIQUE constraint failed: (\w+)\.(\w+)/.exec(message);
    if (unique) {
      const [, table, column] = unique;
      throw new HttpError(409, 'already_exists', `Another ${singular(table!)} already has this ${column}.`, {
        field: column,
      });
    }
    if (/FOREIGN KEY constraint failed/.test(message)) {
      throw new HttpError(409, 'still_referenced', 'Something still refers to this record.');
    }
    throw err;
  }
}

const singular = (table: string): string => table.replace(/s$/, '');
