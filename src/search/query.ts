/**
 * The user's search text is never FTS5 syntax: it is cut into words, and each word becomes
 * a quoted prefix term, so quotes, `NEAR(`, `*`, `^`, `col:` filters and parentheses
 * match nothing special and cannot make a query fail.
 */

/** Words kept from one query; the rest would only slow the search down, not sharpen it. */
export const MAX_TERMS = 12;

/** FTS5's operators, which it only reads as such in capitals; written so they are taken to mean the operator, not the word. */
const OPERATORS = new Set(['AND', 'OR', 'NOT', 'NEAR']);

/**
 * What FTS5's unicode61 tokenizer keeps in a token: letters, digits, marks (accents, also
 * the vowel signs of many scripts) and private-use characters. Everything else separates words.
 */
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;

export type FtsQuery = { ok: true; match: string; terms: string[] } | { ok: false; reason: 'no_words' | 'too_many_words' };

export function ftsQuery(userText: string): FtsQuery {
  const terms = (userText.normalize('NFC').match(WORD) ?? []).filter((w) => !OPERATORS.has(w));
  if (terms.length === 0) return { ok: false, reason: 'no_words' };
  if (terms.length > MAX_TERMS) return { ok: false, reason: 'too_many_words' };
  // A word holds no `"` (WORD excludes it), so quoting needs no escaping.
  return { ok: true, terms, match: terms.map((t) => `"${t}"*`).join(' ') };
}

export interface Snippet {
  text: string;
  /** [start, end) offsets in UTF-16 code units of `text`, one per highlighted run. */
  highlights: Array<[number, number]>;
}

/** Turns snippet()'s markers into plain text and ranges, so no client ever parses markup from user text. */
export function parseSnippet(marked: string, start: string, end: string): Snippet {
  let text = '';
  const highlights: Array<[number, number]> = [];
  let open: number | null = null;
  for (const ch of marked) {
    if (ch === start) open = text.length;
    else if (ch === end) {
      if (open !== null && text.length > open) highlights.push([open, text.length]);
      open = null;
    } else text += ch;
  }
  return { text, highlights };
}
