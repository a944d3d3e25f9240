import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/directory/languages';
import { en, fr, pickLang, type Strings } from '../../static/src/i18n';
import { de } from '../../static/src/i18n-de';
import { es } from '../../static/src/i18n-es';
import { it as italian } from '../../static/src/i18n-it';

/** The guest screens' strings (static/src/i18n*.ts, docs/widget.md "Languages"). */

const tables: Record<string, Strings> = { fr, de, es, it: italian };
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('guest strings in every language', () => {
  it('there is a table for every language but English, which is built in', () => {
    expect(Object.keys(tables).sort()).toEqual(LANGUAGES.filter((l) => l !== 'en').sort());
  });

  // Keys added in English by other features are meant to fail here until translated.
  it.each(Object.keys(tables))('%s has every key of English, with the same placeholders, and no other', (lang) => {
    const table = tables[lang] as Record<string, string>;
    expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(table[key]!), `${lang}.${key}: ${table[key]}`).toEqual(placeholders(text));
      expect(table[key]!.trim(), `${lang}.${key}`).not.toBe('');
    }
  });

  it('each language says more than English copied over', () => {
    for (const [lang, table] of Object.entries(tables)) {
      const same = Object.keys(en).filter((k) => (en as Record<string, string>)[k] === (table as Record<string, string>)[k]);
      // A few words are the same in both (Online, Chat, Outlook, "(optional)"): at most one in twenty.
      expect(same.length, `${lang}: ${same.join(', ')}`).toBeLessThanOrEqual(Object.keys(en).length / 20);
    }
  });
});

describe('pickLang: an explicit choice, then the browser languages, by primary subtag', () => {
  it.each([
    [['de'], 'de'],
    [['DE-at'], 'de'],
    [['es_MX'], 'es'],
    [[undefined, 'it-IT', 'en-US'], 'it'],
    [['pt', 'fr-CA', 'de'], 'fr'],
    [['', 'zh-CN', 'ja'], 'en'],
    [[null], 'en'],
  ] as const)('%j gives %s', (wanted, lang) => {
    expect(pickLang(...wanted)).toBe(lang);
  });
});
