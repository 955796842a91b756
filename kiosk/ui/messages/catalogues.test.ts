import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_ERROR_CODES } from '../fixtures/view-models';

const dir = new URL('./', import.meta.url);
const languages = readdirSync(dir)
  .filter((name) => /^[a-z]{2,3}\.json$/.test(name))
  .map((name) => name.slice(0, -'.json'.length));
const catalogues = Object.fromEntries(
  languages.map((language) => [
    language,
    JSON.parse(readFileSync(new URL(`${language}.json`, dir), 'utf8')) as Record<string, string>,
  ]),
);
const japanese = catalogues.ja ?? {};
const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('message catalogues', () => {
  it('include Japanese and English', () => {
    expect(languages).toEqual(expect.arrayContaining(['ja', 'en']));
  });

  it.each(languages)('%s has exactly the keys of ja.json, none empty', (language) => {
    const catalogue = catalogues[language] ?? {};
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(japanese).sort());
    for (const [key, text] of Object.entries(catalogue)) expect(text.trim(), key).not.toBe('');
  });

  it.each(languages)('%s uses the same {placeholders} as Japanese in every text', (language) => {
    const catalogue = catalogues[language] ?? {};
    for (const [key, text] of Object.entries(japanese)) {
      expect(placeholders(catalogue[key] ?? ''), key).toEqual(placeholders(text));
    }
  });

  it.each(languages)('%s gives every customer error a title, an explanation and a next step', (language) => {
    const catalogue = catalogues[language] ?? {};
    for (const code of CUSTOMER_ERROR_CODES) {
      for (const part of ['title', 'explanation', 'next']) {
        expect(catalogue[`error.${code}.${part}`], `error.${code}.${part}`).toBeTruthy();
      }
    }
  });
});
