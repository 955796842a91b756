import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The message catalogues on disk (kiosk/ui/messages/<language>.json), for the Node side: the UI
 * server, the kiosk runtime (which languages a session may switch to) and the speech build.
 * Adding a language = adding one file named by its BCP 47 tag (`ja`, `en`, `zh`, `pt-BR`).
 */
export const MESSAGES_DIR = fileURLToPath(new URL('./messages/', import.meta.url));

/** A catalogue file name: a language subtag, optionally a region (`pt-BR`). */
const CATALOGUE_FILE = /^([a-z]{2,3}(?:-[A-Z]{2})?)\.json$/;

/** The language every session starts in; listed first. */
export const DEFAULT_LANGUAGE = 'ja';

export type Catalogue = Record<string, string>;

/** The languages that have a catalogue, Japanese first, then alphabetical. */
export function catalogueLanguages(dir: string = MESSAGES_DIR): string[] {
  const languages = readdirSync(dir)
    .map((name) => CATALOGUE_FILE.exec(name)?.[1])
    .filter((language): language is string => language !== undefined)
    .sort();
  return languages.sort((a, b) => Number(b === DEFAULT_LANGUAGE) - Number(a === DEFAULT_LANGUAGE));
}

/** Every catalogue, keyed by language, in the order of `catalogueLanguages()`. */
export function loadCatalogues(dir: string = MESSAGES_DIR): Record<string, Catalogue> {
  return Object.fromEntries(
    catalogueLanguages(dir).map((language) => [
      language,
      JSON.parse(readFileSync(`${dir}/${language}.json`, 'utf8')) as Catalogue,
    ]),
  );
}
