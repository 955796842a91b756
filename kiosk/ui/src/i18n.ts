/** Message catalogues: language → (text key → text with `{param}` placeholders). */
export type Catalogues = Record<string, Record<string, string>>;
/** Values for `{name}` placeholders; booleans are accepted (error params carry some) but no text uses them. */
export type TextParams = Record<string, string | number | boolean>;

/** Looks texts up in one language's catalogue. */
export interface Translator {
  language: string;
  t(key: string, params?: TextParams): string;
  /** A calendar date (YYYY-MM-DD, Japan time) written the way the language writes dates. */
  date(isoDate: string): string;
}

/** Japan time, whatever the kiosk machine's zone: dates on the card are Japanese dates. */
const JAPAN = 'Asia/Tokyo';

/** How `language` writes a calendar date (the speech build enumerates the same formats). */
export const japanDateFormat = (language: string): Intl.DateTimeFormat =>
  new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: JAPAN });

/** A calendar date (YYYY-MM-DD) at noon Japan time, which keeps its day whatever the zone arithmetic. */
export const japanNoon = (isoDate: string): Date => new Date(`${isoDate}T12:00:00+09:00`);

/**
 * A translator for `language`. A key missing from that catalogue falls back to Japanese and, if
 * missing there too, shows the key itself (a test keeps every catalogue complete).
 */
export function translator(catalogues: Catalogues, language: string, fallback = 'ja'): Translator {
  const primary = catalogues[language] ?? {};
  const secondary = catalogues[fallback] ?? {};
  const dateFormat = japanDateFormat(language);
  return {
    language,
    t(key, params = {}) {
      const template = primary[key] ?? secondary[key] ?? key;
      return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
        name in params ? String(params[name]) : whole,
      );
    },
    date(isoDate) {
      return dateFormat.format(japanNoon(isoDate));
    },
  };
}

/**
 * A translator that notes every text it gives, in order: what a screen drew, for the speech
 * player (speech-events.ts). Dates are noted as the text they became.
 */
export function recordingTranslator(tr: Translator): {
  tr: Translator;
  texts: Array<{ key: string; params?: TextParams }>;
} {
  const texts: Array<{ key: string; params?: TextParams }> = [];
  return {
    texts,
    tr: {
      language: tr.language,
      t(key, params) {
        texts.push(params ? { key, params } : { key });
        return tr.t(key, params);
      },
      date: (isoDate) => tr.date(isoDate),
    },
  };
}
