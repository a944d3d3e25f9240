import { describe, expect, it } from 'vitest';
import { CLOSE, ERROR_CODES, type ErrorCode } from '../../src/errors';
import api from '../../docs/api.md?raw';
import protocol from '../../docs/protocol.md?raw';
import readme from '../../README.md?raw';

const docs: Record<string, string> = import.meta.glob('../../docs/*.md', { query: '?raw', import: 'default', eager: true });
const codes = Object.keys(ERROR_CODES) as ErrorCode[];
const pairsOf = (code: ErrorCode): string[] => ERROR_CODES[code].status.map((status) => `${status} ${code}`);
const backticked = (cell: string): string[] => [...cell.matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]!);

/** The rows of the markdown table whose header line is `header`, as arrays of cells. */
function table(doc: string, header: string): string[][] {
  const lines = doc.split('\n').map((line) => line.trim());
  const start = lines.indexOf(header);
  if (start < 0) throw new Error(`no table headed ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split('|').map((cell) => cell.trim()));
  }
  return rows;
}

describe('error codes (src/errors.ts) and the docs', () => {
  it("docs/api.md's error table lists every HTTP code with each of its statuses, and nothing else", () => {
    const listed = table(api, '| status | code | when |').flatMap(([status, cell]) => backticked(cell!).map((code) => `${status} ${code}`));
    expect(new Set(listed).size, 'a status and code listed twice').toBe(listed.length);
    expect(listed.sort()).toEqual(codes.flatMap(pairsOf).sort());
  });

  it("docs/protocol.md's socket error table lists exactly the codes socket error frames carry", () => {
    const errors = protocol.slice(protocol.indexOf('## Errors'));
    const listed = table(errors, '| code | when |').flatMap(([cell]) => backticked(cell!));
    const socket = codes.filter((code) => 'socket' in ERROR_CODES[code]);
    expect(listed.sort()).toEqual(socket.sort());
  });

  it("docs/protocol.md's close-code table lists exactly the close codes the server sends", () => {
    const closes = protocol.slice(protocol.indexOf('## Close codes'));
    const listed = table(closes, '| code | sent by the server when |').map(([code]) => Number(code));
    expect(listed.sort()).toEqual(Object.values(CLOSE).sort());
  });

  it('every status and code the docs name together is one the server answers', () => {
    const known = new Set(codes.flatMap(pairsOf));
    const named: string[] = [];
    for (const [path, text] of Object.entries({ ...docs, README: readme })) {
      for (const line of text.split('\n')) {
        const row = /^\s*\|\s*(\d{3})\s*\|([^|]*)\|/.exec(line);
        if (row) named.push(...backticked(row[2]!).map((code) => `${path}: ${row[1]} ${code}`));
      }
      for (const m of text.matchAll(/`(\d{3}) ([a-z][a-z0-9_]*)`/g)) named.push(`${path}: ${m[1]} ${m[2]}`);
    }
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((entry) => !known.has(entry.slice(entry.indexOf(': ') + 2)))).toEqual([]);
  });
});
