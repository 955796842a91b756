/**
 * Letters from a numeric keypad, for the signature PIN (A–Z and 0–9) typed with keys alone: every
 * character is exactly two keys, so it can be typed without hearing or seeing which character it
 * is (a PIN is never spoken or shown).
 *
 * - A letter: the key that carries it on a telephone (2 ABC, 3 DEF … 7 PQRS … 9 WXYZ), then its
 *   place on that key (1–4): 2→1 = A, 2→3 = C, 7→4 = S, 9→4 = Z.
 * - A digit: 0, then the digit: 0→5 = 5, 0→0 = 0.
 *
 * Telephone multi-tap (press 7 four times for S) was rejected: it needs the pending letter shown or
 * spoken to be usable, which would reveal the PIN. Walking a letter grid with keys has the same
 * problem and takes up to 13 presses per letter.
 */

export const LETTER_KEYS: Readonly<Record<string, string>> = {
  '2': 'ABC',
  '3': 'DEF',
  '4': 'GHI',
  '5': 'JKL',
  '6': 'MNO',
  '7': 'PQRS',
  '8': 'TUV',
  '9': 'WXYZ',
};
/** The first key of a digit. */
export const DIGIT_PREFIX = '0';

export type TwoKeyResult =
  /** The first key: waiting for the second. */
  | { kind: 'pending' }
  /** Two keys made a character. */
  | { kind: 'character'; character: string }
  /** No character has these keys (e.g. 1 first, or 2→5): start again from a first key. */
  | { kind: 'invalid' };

/**
 * The two-key input method of one PIN screen. It holds at most the first key of one character,
 * until the next key (never a whole character, never a PIN).
 */
export class TwoKeyLetters {
  private first: string | null = null;

  get pending(): boolean {
    return this.first !== null;
  }

  /** One digit key (0–9). */
  press(digit: string): TwoKeyResult {
    const first = this.first;
    if (first === null) {
      if (digit === DIGIT_PREFIX || LETTER_KEYS[digit]) {
        this.first = digit;
        return { kind: 'pending' };
      }
      return { kind: 'invalid' };
    }
    this.first = null;
    if (first === DIGIT_PREFIX) return { kind: 'character', character: digit };
    const letter = LETTER_KEYS[first]?.[Number(digit) - 1];
    return letter && digit !== '0' ? { kind: 'character', character: letter } : { kind: 'invalid' };
  }

  /** Forget a first key (訂正, or leaving the screen). True if there was one. */
  reset(): boolean {
    const had = this.first !== null;
    this.first = null;
    return had;
  }
}
