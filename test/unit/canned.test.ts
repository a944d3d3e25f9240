import { describe, expect, it } from 'vitest';
import { fillPlaceholders, unknownPlaceholders } from '../../src/canned/placeholders';

const values = { 'guest.name': 'Ann Lee', 'agent.name': 'Alice Martin', 'service.name': 'Sales' };

describe('fillPlaceholders: a canned reply filled from the open conversation', () => {
  it('fills every known placeholder, each time it appears, with spaces inside the braces or not', () => {
    expect(fillPlaceholders('Hi {{guest.name}}, {{ agent.name }} from {{service.name}} here. Bye {{guest.name}}!', values)).toBe(
      'Hi Ann Lee, Alice Martin from Sales here. Bye Ann Lee!',
    );
  });

  it('fills an unknown value (missing or null) with nothing', () => {
    expect(fillPlaceholders('Hi {{guest.name}}, this is {{service.name}}.', { 'guest.name': null })).toBe('Hi , this is .');
  });

  it('leaves names it does not know, single braces and unclosed braces as written', () => {
    const text = 'Order {{order.id}} {guest.name} {{guest.name} {{ agent.name';
    expect(fillPlaceholders(text, values)).toBe(text);
  });

  it('is case-sensitive and keeps newlines and tabs of the text', () => {
    expect(fillPlaceholders('{{Guest.Name}}\n\t{{guest.name}}', values)).toBe('{{Guest.Name}}\n\tAnn Lee');
  });

  it('inserts a value as text: braces or $ patterns in a name are not read as placeholders or replacement patterns', () => {
    expect(fillPlaceholders('Hi {{guest.name}} and {{agent.name}}', { 'guest.name': '{{agent.name}} $& $1', 'agent.name': 'Al' })).toBe(
      'Hi {{agent.name}} $& $1 and Al',
    );
  });
});

describe('unknownPlaceholders: what a stored text may not contain', () => {
  it('names each unknown placeholder once, in order, trimmed', () => {
    expect(unknownPlaceholders('{{ order.id }} {{guest.email}} {{order.id}} {{guest.name}} {{}}')).toEqual(['order.id', 'guest.email', '']);
  });

  it('finds none in a text of known placeholders or no placeholders at all', () => {
    expect(unknownPlaceholders('Thanks {{guest.name}}! — {{agent.name}}, {{service.name}}')).toEqual([]);
    expect(unknownPlaceholders('Plain text with {braces} and {{ unclosed')).toEqual([]);
  });
});
