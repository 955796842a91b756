import { CardError, type CardErrorKind, formatSw } from '../card-error';

/**
 * The one table of status words: what each means, and the `CardError` kind it becomes when a
 * command fails with it. The UI never sees a raw SW; the card client never sees a screen.
 */

export const Sw = {
  success: 0x9000,
  /** `63 Cx`: wrong PIN, x tries left (the nibble is the counter). */
  wrongPinBase: 0x63c0,
  resetRefused: 0x6300,
  memoryFailure: 0x6581,
  wrongLength: 0x6700,
  incompatibleFileStructure: 0x6981,
  securityStatusNotSatisfied: 0x6982,
  resetBlocked: 0x6983,
  pinBlocked: 0x6984,
  conditionsNotSatisfied: 0x6985,
  commandNotAllowed: 0x6986,
  wrongData: 0x6a80,
  functionNotSupported: 0x6a81,
  fileNotFound: 0x6a82,
  wrongP1P2: 0x6a86,
  wrongOffset: 0x6b00,
  insNotSupported: 0x6d00,
  claNotSupported: 0x6e00,
  noPreciseDiagnosis: 0x6f00,
} as const;

/** Builds `63 Cx` for x tries left (x is capped at 15, the nibble's range). */
export function wrongPinSw(triesLeft: number): number {
  return Sw.wrongPinBase | Math.min(Math.max(triesLeft, 0), 0x0f);
}

/** Tries left carried by a `63 Cx` status word, or undefined for any other SW. */
export function triesLeftFromSw(sw: number): number | undefined {
  return (sw & 0xfff0) === Sw.wrongPinBase ? sw & 0x0f : undefined;
}

export interface StatusWordMeaning {
  /** Short English meaning, for logs and error messages. */
  meaning: string;
  /** The error this SW becomes when a command fails with it; undefined for success. */
  kind: CardErrorKind | undefined;
}

const TABLE = new Map<number, StatusWordMeaning>([
  [Sw.success, { meaning: 'success', kind: undefined }],
  [Sw.resetRefused, { meaning: 'reset cryptogram refused', kind: 'reset-refused' }],
  [Sw.memoryFailure, { meaning: 'memory failure', kind: 'unexpected-status' }],
  [Sw.wrongLength, { meaning: 'wrong length', kind: 'unexpected-status' }],
  [
    Sw.incompatibleFileStructure,
    { meaning: 'command incompatible with file structure', kind: 'unexpected-status' },
  ],
  [
    Sw.securityStatusNotSatisfied,
    { meaning: 'security status not satisfied', kind: 'security-status-not-satisfied' },
  ],
  [Sw.resetBlocked, { meaning: 'reset feature blocked', kind: 'reset-blocked' }],
  [Sw.pinBlocked, { meaning: 'PIN blocked', kind: 'pin-blocked' }],
  [
    Sw.conditionsNotSatisfied,
    { meaning: 'conditions of use not satisfied', kind: 'conditions-not-satisfied' },
  ],
  [Sw.commandNotAllowed, { meaning: 'command not allowed (no current file)', kind: 'unexpected-status' }],
  [Sw.wrongData, { meaning: 'wrong data', kind: 'wrong-data' }],
  [Sw.functionNotSupported, { meaning: 'function not supported', kind: 'unexpected-status' }],
  [Sw.fileNotFound, { meaning: 'file or application not found', kind: 'file-not-found' }],
  [Sw.wrongP1P2, { meaning: 'wrong P1/P2', kind: 'unexpected-status' }],
  [Sw.wrongOffset, { meaning: 'offset beyond the end of the file', kind: 'unexpected-status' }],
  [Sw.insNotSupported, { meaning: 'instruction not supported', kind: 'unexpected-status' }],
  [Sw.claNotSupported, { meaning: 'class not supported', kind: 'unexpected-status' }],
  [Sw.noPreciseDiagnosis, { meaning: 'no precise diagnosis', kind: 'unexpected-status' }],
]);

/** What a status word means and which error kind it maps to. */
export function describeSw(sw: number): StatusWordMeaning {
  const known = TABLE.get(sw);
  if (known) return known;
  const triesLeft = triesLeftFromSw(sw);
  if (triesLeft !== undefined) return { meaning: `wrong PIN, ${triesLeft} tries left`, kind: 'wrong-pin' };
  return { meaning: 'unknown status word', kind: 'unexpected-status' };
}

/** The typed error for a failing status word; `operation` names what was attempted (no data). */
export function cardErrorFromSw(sw: number, operation: string): CardError {
  const { meaning, kind } = describeSw(sw);
  const triesLeft = triesLeftFromSw(sw) ?? (sw === Sw.pinBlocked ? 0 : undefined);
  return new CardError(kind ?? 'unexpected-status', `${operation}: ${formatSw(sw)} ${meaning}`, {
    sw,
    ...(triesLeft === undefined ? {} : { triesLeft }),
  });
}
