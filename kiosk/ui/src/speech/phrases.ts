import type { TextParams } from '../i18n';

/**
 * How a text becomes speech that was synthesised ahead of time (docs/speech.md). A catalogue text
 * is cut at its `{placeholders}`: the literal pieces are phrases of their own, and each value is cut
 * into tokens (a time, a number with its unit, a word), each a phrase from a finite set the speech
 * build enumerates (numbers, times of day, dates, error codes). The kiosk then plays the phrases
 * one after another; nothing is synthesised while a customer waits. Shared by the browser and the
 * Node build, so both cut texts the same way.
 */

/** A time of day (`09:30`), a number with what sticks to it (`2030年`, `1,`), or a word. */
const VALUE_TOKEN = /\d{1,2}:\d{2}|\d+[^\d\s]*|[^\d\s]+/g;
const PLACEHOLDER = /\{(\w+)\}/g;
const PLACEHOLDER_ONLY = /\{\w+\}/;
/** A piece worth speaking has at least one letter or digit (not only "〜", "：" or a comma). */
const SPEAKABLE = /[\p{L}\p{N}]/u;

/** The tokens of a placeholder's value, each one phrase. */
export function valueTokens(value: string): string[] {
  return value.match(VALUE_TOKEN) ?? [];
}

/** The phrases of `template` with `params` filled in, in reading order. */
export function phrasesOf(template: string, params: TextParams = {}): string[] {
  const phrases: string[] = [];
  const addLiteral = (piece: string): void => {
    const trimmed = piece.trim();
    if (SPEAKABLE.test(trimmed)) phrases.push(trimmed);
  };
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    addLiteral(template.slice(last, match.index));
    const name = match[1] ?? '';
    const value = name in params ? String(params[name]) : '';
    phrases.push(...valueTokens(value).filter((token) => SPEAKABLE.test(token)));
    last = match.index + match[0].length;
  }
  addLiteral(template.slice(last));
  return phrases;
}

/** The literal phrases of a template (what is left when every value is taken out). */
export const literalPhrases = (template: string): string[] =>
  template
    .split(PLACEHOLDER_ONLY)
    .map((piece) => piece.trim())
    .filter((piece) => SPEAKABLE.test(piece));

/** Words for a time of day, per language; the engines read "09:30" poorly or not at all. */
function spokenTime(language: string, hours: number, minutes: number): string {
  const mm = String(minutes).padStart(2, '0');
  switch (language) {
    case 'ja':
      return minutes ? `${hours}時${minutes}分` : `${hours}時`;
    case 'zh':
      return minutes ? `${hours}点${minutes}分` : `${hours}点`;
    case 'ko':
      return minutes ? `${hours}시 ${minutes}분` : `${hours}시`;
    case 'vi':
      return minutes ? `${hours} giờ ${minutes} phút` : `${hours} giờ`;
    case 'pt-BR':
      return minutes ? `${hours} horas e ${minutes}` : `${hours} horas`;
    default:
      return minutes ? `${hours} ${mm}` : `${hours} o'clock`;
  }
}

/**
 * The text handed to the speech engine for one phrase: times as words, numbers written with a
 * leading zero (error codes: "041") digit by digit, the "E-" of a code as the letter alone.
 */
export function spokenForm(language: string, phrase: string): string {
  const time = /^(\d{1,2}):(\d{2})$/.exec(phrase);
  if (time) return spokenTime(language, Number(time[1]), Number(time[2]));
  if (/^0\d+$/.test(phrase)) return phrase.split('').join(' ');
  if (/^[A-Z]-$/.test(phrase)) return phrase.slice(0, 1);
  return phrase;
}
