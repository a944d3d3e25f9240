import { describe, expect, it } from 'vitest';
import { EMBED_SCOPES_LIMIT, knownScope, remember } from '../../src/conversation/embed-scopes';

const id = (n: number) => `cv_${n.toString(16).padStart(32, '0')}`;

describe('remembered embed scopes', () => {
  it('keep at most EMBED_SCOPES_LIMIT conversations, forgetting the least recently used first', () => {
    for (let n = 0; n < EMBED_SCOPES_LIMIT; n++) remember(id(n), { kind: 'service', slug: `s${n}` });
    // Using the oldest makes the second oldest the one to go.
    expect(knownScope(id(0))).toEqual({ kind: 'service', slug: 's0' });
    remember(id(EMBED_SCOPES_LIMIT), { kind: 'agent' });
    expect(knownScope(id(1))).toBeUndefined();
    expect(knownScope(id(0))).toEqual({ kind: 'service', slug: 's0' });
    expect(knownScope(id(2))).toEqual({ kind: 'service', slug: 's2' });
    expect(knownScope(id(EMBED_SCOPES_LIMIT))).toEqual({ kind: 'agent' });
  });
});
