import { keptRead } from './kept-read';
import { HttpError, notFound } from '../http/errors';
import { newId } from './ids';

/** At most this many labels in the organisation: enough for a team, few enough for one menu. */
export const MAX_LABELS = 100;

export interface Label {
  id: string;
  name: string;
  /** `#rrggbb`, lower case. */
  color: string;
  createdAt: string;
  updatedAt: string;
}

interface LabelRow {
  id: string;
  name: string;
  name_key: string;
  color: string;
  created_at: string;
  updated_at: string;
}

const toLabel = (row: LabelRow): Label => ({ id: row.id, name: row.name, color: row.color, createdAt: row.created_at, updatedAt: row.updated_at });

const nameKey = (name: string): string => name.toLowerCase();

async function uniqueName<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (/UNIQUE constraint failed/.test(err instanceof Error ? err.message : String(err))) {
      throw new HttpError(409, 'label_exists', `There is already a label named "${name}" (names are compared ignoring case).`, { field: 'name' });
    }
    throw err;
  }
}

/** By name, ignoring case. */
export async function listLabels(db: D1Database): Promise<Label[]> {
  const { results } = await db.prepare('SELECT * FROM labels ORDER BY name_key, id').all<LabelRow>();
  return results.map(toLabel);
}

export async function findLabel(db: D1Database, id: string): Promise<Label | null> {
  const row = await db.prepare('SELECT * FROM labels WHERE id = ?').bind(id).first<LabelRow>();
  return row ? toLabel(row) : null;
}

/** The count and the insert are one statement, so two requests at once cannot pass the limit. */
export async function createLabel(db: D1Database, input: { name: string; color: string }): Promise<Label> {
  const row = await uniqueName(input.name, () =>
    db
      .prepare('INSERT INTO labels (id, name, name_key, color) SELECT ?, ?, ?, ? WHERE (SELECT count(*) FROM labels) < ? RETURNING *')
      .bind(newId('lb'), input.name, nameKey(input.name), input.color.toLowerCase(), MAX_LABELS)
      .first<LabelRow>(),
  );
  forgetLabels();
  if (!row) {
    throw new HttpError(409, 'label_limit', `There are already ${MAX_LABELS} labels, the most allowed: delete one first.`, { limit: MAX_LABELS });
  }
  return toLabel(row);
}

export async function updateLabel(db: D1Database, id: string, patch: { name?: string | undefined; color?: string | undefined }): Promise<Label> {
  const row = await uniqueName(patch.name ?? '', () =>
    db
      .prepare(
        `UPDATE labels SET name = coalesce(?, name), name_key = coalesce(?, name_key), color = coalesce(?, color),
           updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id = ? RETURNING *`,
      )
      .bind(patch.name ?? null, patch.name === undefined ? null : nameKey(patch.name), patch.color?.toLowerCase() ?? null, id)
      .first<LabelRow>(),
  );
  forgetLabels();
  if (!row) throw notFound('Label');
  return toLabel(row);
}

/** Conversations keep the id; it shows nowhere once the label is gone (see labelCatalog). */
export async function deleteLabel(db: D1Database, id: string): Promise<void> {
  const { meta } = await db.prepare('DELETE FROM labels WHERE id = ?').bind(id).run();
  forgetLabels();
  if (meta.changes === 0) throw notFound('Label');
}

/** What a conversation shows of a label. */
export type LabelChip = Pick<Label, 'id' | 'name' | 'color'>;

// What paths that cannot wait for D1 (a view pushed on a socket) show: the last catalog read, however old.
let last: ReadonlyMap<string, LabelChip> = new Map();

/**
 * Every conversation view and inbox row shows its labels as they are now, so an isolate keeps
 * the whole (small) table for a few seconds instead of reading D1 for each. Edits through this
 * isolate clear it at once; another isolate sees them within 5 s.
 */
const catalog = keptRead(5000, async (db) => {
  const { results } = await db.prepare('SELECT id, name, color FROM labels').all<LabelChip>();
  last = new Map(results.map((l) => [l.id, { id: l.id, name: l.name, color: l.color }]));
  return last;
});

export const forgetLabels = (): void => catalog.forget();

export const labelCatalog = (db: D1Database): Promise<ReadonlyMap<string, LabelChip>> => catalog.get(db);

export const lastLabelCatalog = (): ReadonlyMap<string, LabelChip> => last;

/** The chips of `ids` that still exist, by name. */
export const chipsOf = (catalog: ReadonlyMap<string, LabelChip>, ids: readonly string[]): LabelChip[] =>
  ids
    .flatMap((id) => catalog.get(id) ?? [])
    .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
