import { describe, expect, it } from 'vitest';
import { ftsQuery, MAX_TERMS, parseSnippet } from '../../src/search/query';

const match = (text: string) => {
  const q = ftsQuery(text);
  return q.ok ? q.match : q.reason;
};

describe('ftsQuery: the user’s text as quoted prefix terms, never FTS5 syntax', () => {
  it('turns each word into a quoted prefix term, all required', () => {
    expect(match('printer jam')).toBe('"printer"* "jam"*');
  });

  it('drops quotes, so a quote can neither close a term nor open a phrase', () => {
    expect(match('"refund" please"')).toBe('"refund"* "please"*');
    expect(match('say "hi there')).toBe('"say"* "hi"* "there"*');
  });

  it('drops the capitalised operators AND, OR, NOT and NEAR, and keeps the ordinary words', () => {
    expect(match('cats AND dogs OR NOT birds')).toBe('"cats"* "dogs"* "birds"*');
    expect(match('NEAR(cat dog, 5)')).toBe('"cat"* "dog"* "5"*');
    expect(match('not and or near')).toBe('"not"* "and"* "or"* "near"*');
  });

  it('drops *, ^, column filters, parentheses and other punctuation', () => {
    expect(match('inv* ^start')).toBe('"inv"* "start"*');
    expect(match('text:secret {text author}:x')).toBe('"text"* "secret"* "text"* "author"* "x"*');
    expect(match('(a OR b) - c + d')).toBe('"a"* "b"* "c"* "d"*');
    expect(match("it's o'clock; e-mail")).toBe('"it"* "s"* "o"* "clock"* "e"* "mail"*');
  });

  it('keeps letters, digits and marks of every script, normalised', () => {
    expect(match('café Straße 東京 कि 42')).toBe('"café"* "Straße"* "東京"* "कि"* "42"*');
    // A decomposed é is composed, so it matches the word as people type it.
    expect(match('cafe\u0301')).toBe('"café"*');
  });

  it('refuses text with no words (empty, only punctuation, only operators)', () => {
    for (const text of ['', '   ', '"', '*', '()', 'AND OR NOT', ':^*"', '🙂']) expect(match(text)).toBe('no_words');
  });

  it('refuses more than MAX_TERMS words', () => {
    expect(match(Array.from({ length: MAX_TERMS }, (_, i) => `w${i}`).join(' '))).not.toBe('too_many_words');
    expect(match(Array.from({ length: MAX_TERMS + 1 }, (_, i) => `w${i}`).join(' '))).toBe('too_many_words');
  });
});

describe('parseSnippet', () => {
  it('turns markers into plain text and highlight ranges', () => {
    expect(parseSnippet('a \u0002cat\u0003 and \u0002dog\u0003…', '\u0002', '\u0003')).toEqual({
      text: 'a cat and dog…',
      highlights: [
        [2, 5],
        [10, 13],
      ],
    });
  });

  it('measures ranges in UTF-16 units and ignores an unmatched end marker', () => {
    expect(parseSnippet('🙂 \u0002né\u0003\u0003', '\u0002', '\u0003')).toEqual({ text: '🙂 né', highlights: [[3, 5]] });
  });
});
