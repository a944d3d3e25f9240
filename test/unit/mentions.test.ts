import { describe, expect, it } from 'vitest';
import { LIMITS, mentionedSlugs } from '../../src/conversation/protocol';

describe('@mentions in a note', () => {
  it('finds agent slugs after @, once each, lowercased, with punctuation after them', () => {
    expect(mentionedSlugs('@bob can you check the invoice? cc @Carol, @bob.')).toEqual(['bob', 'carol']);
    expect(mentionedSlugs('(@ann-marie) and @a1')).toEqual(['ann-marie', 'a1']);
  });

  it('is not fooled by email addresses, words, or a slug cut short', () => {
    expect(mentionedSlugs('write to bob@doorbell.example or me@bob')).toEqual([]);
    expect(mentionedSlugs('x@bob @@bob @bob- @bob_x @bob.example')).toEqual([]);
    expect(mentionedSlugs('@ alone, and @-dash')).toEqual([]);
  });

  it(`notifies at most ${LIMITS.mentionsPerNote} agents, the first in the text`, () => {
    const slugs = Array.from({ length: 30 }, (_, i) => `agent${i}`);
    expect(mentionedSlugs(slugs.map((s) => `@${s}`).join(' '))).toEqual(slugs.slice(0, LIMITS.mentionsPerNote));
  });
});
