import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/directory/search';

describe('jsonChunks: rows of the search index as JSON arrays D1 accepts as one bound string', () => {
  it('keeps a page of ordinary messages in one array, in order', () => {
    const rows = Array.from({ length: 200 }, (_, i) => [i, 'guest', 'Ann', '2026-12-02T10:00:00.000Z', `message ${i}`, 0]);
    const chunks = jsonChunks(rows);
    expect(chunks).toHaveLength(1);
    expect(JSON.parse(chunks[0]!)).toEqual(rows);
  });

  it('splits long rows into arrays of at most 256 KiB characters, losing and repeating none', () => {
    // Quotes double in JSON: each row is about 8,000 characters.
    const rows = Array.from({ length: 100 }, (_, i) => [i, 'guest', 'Ann', '2026-12-02T10:00:00.000Z', '"'.repeat(4000), 0]);
    const chunks = jsonChunks(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(256 * 1024);
    expect(chunks.flatMap((c) => JSON.parse(c))).toEqual(rows);
  });

  it('gives no array for no rows', () => {
    expect(jsonChunks([])).toEqual([]);
  });
});
