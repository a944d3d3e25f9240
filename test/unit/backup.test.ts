import { describe, expect, it } from 'vitest';
import { constraintBroken, decodeCursor, encodeCursor, insertRow, misfit } from '../../src/actor/backup';
import { restoreOrder, type DirectoryTable } from '../../src/backup/directory';

const table = (name: string, references: string[] = []): DirectoryTable => ({ name, columns: ['id'], references });

describe('backups: the pure parts', () => {
  it('orders the tables so each comes after the tables it references, whatever order they were found in', () => {
    const found = [table('memberships', ['services', 'agents']), table('contacts', ['guests', 'agents']), table('agents'), table('services'), table('guests'), table('erasure_steps', ['erasures']), table('erasures')];
    const ordered = restoreOrder(found).map((t) => t.name);
    expect([...ordered].sort()).toEqual(found.map((t) => t.name).sort());
    for (const t of found) for (const parent of t.references) expect(ordered.indexOf(t.name), `${t.name} after ${parent}`).toBeGreaterThan(ordered.indexOf(parent));
  });

  it('survives a table referencing itself or a cycle, and references to tables not in a backup', () => {
    const ordered = restoreOrder([table('a', ['b']), table('b', ['a']), table('c', ['c', 'd_migrations'])]).map((t) => t.name);
    expect(ordered.sort()).toEqual(['a', 'b', 'c']);
  });

  it('round-trips every cursor a dump answers, and answers null for anything else', () => {
    for (const cursor of [{ table: 'timeline', after: 42 }, { table: 'jobs', after: -3 }, { key: null }, { key: 'watch:cv_x' }, { key: 'k:odd:key' }]) {
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    }
    for (const junk of ['', 't:', 't:1:', 't:x:timeline', 't:1:drop table;', 'x:1', `t:1:${'a'.repeat(65)}`]) expect(decodeCursor(junk)).toBeNull();
  });

  it('writes a row as an insert that leaves an existing row alone, and names what does not fit', () => {
    expect(insertRow('timeline', { seq: 3, text: 'hi "there"' })).toEqual({ query: 'INSERT INTO "timeline" ("seq", "text") VALUES (?, ?) ON CONFLICT DO NOTHING', values: [3, 'hi "there"'] });
    expect(misfit('timeline', new Set(['seq', 'text']), { seq: 1 })).toBeNull();
    expect(misfit('timeline', new Set(['seq']), { seq: 1, mood: 'x' })).toMatch(/no column mood/);
    expect(misfit('nope', undefined, {})).toMatch(/no table nope/);
    expect(constraintBroken(new Error('D1_ERROR: NOT NULL constraint failed: labels.name_key: SQLITE_CONSTRAINT'))).toMatch(/NOT NULL constraint failed: labels.name_key/);
    expect(() => constraintBroken(new Error('network lost'))).toThrow('network lost');
  });
});
