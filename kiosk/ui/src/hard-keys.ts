/**
 * The copier's hard keys: a numeric keypad (0–9) and six function keys. The panel's buttons carry
 * `data-function-key` (the function key that presses them), so a key press does exactly what a tap
 * on that button does: the UI decides nothing more with keys than with taps.
 *
 * | function key | physical keys                  | does                                                  |
 * | ------------ | ------------------------------ | ----------------------------------------------------- |
 * | 決定 decide  | Enter, NumpadEnter             | the focused button, else the screen's main button     |
 * | 訂正 correct | Backspace, Delete              | deletes the last PIN character (or a pending 1st key) |
 * | 戻る back    | F2, BrowserBack                | back (choice, consent, place card); closes a dialog    |
 * | 取消 cancel  | Escape                         | やめる (asks first); in that question: yes, stop      |
 * | ヘルプ help  | F1, Help                       | the help of this step; again: closes it               |
 * | くりかえし   | F3                             | says the screen again (a speech player's event)       |
 * | 音量 + / −   | NumpadAdd / NumpadSubtract, F5 / F4 | voice guidance louder / softer (never silent)    |
 * | 0–9          | Digit0–9, Numpad0–9            | PIN digits; two keys a letter (two-key-letters.ts);   |
 * |              |                                | on the choice screen, moves the focus to choice n     |
 */

export type FunctionKey =
  'decide' | 'correct' | 'back' | 'cancel' | 'help' | 'repeat' | 'volume-up' | 'volume-down';

const FUNCTION_KEYS: Readonly<Record<string, FunctionKey>> = {
  Enter: 'decide',
  NumpadEnter: 'decide',
  Backspace: 'correct',
  Delete: 'correct',
  F2: 'back',
  BrowserBack: 'back',
  Escape: 'cancel',
  F1: 'help',
  Help: 'help',
  F3: 'repeat',
  NumpadAdd: 'volume-up',
  F5: 'volume-up',
  NumpadSubtract: 'volume-down',
  F4: 'volume-down',
};

export type HardKey = { kind: 'function'; key: FunctionKey } | { kind: 'digit'; digit: string };

/** The hard key of a keyboard event, or null for any other key. */
export function hardKeyOf(event: Pick<KeyboardEvent, 'key' | 'code'>): HardKey | null {
  const functionKey = FUNCTION_KEYS[event.code] ?? FUNCTION_KEYS[event.key];
  if (functionKey) return { kind: 'function', key: functionKey };
  const digit =
    /^(?:Digit|Numpad)([0-9])$/.exec(event.code)?.[1] ?? (/^[0-9]$/.test(event.key) ? event.key : null);
  return digit === null ? null : { kind: 'digit', digit };
}
