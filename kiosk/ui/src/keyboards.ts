import type { Connection } from './connection';
import { button, h } from '../../../web/dom';
import type { Translator } from './i18n';
import type { Keyboard } from './view-model';

/** 4-digit PINs: the telephone-style pad every ATM uses. */
const NUMERIC_ROWS = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['0']];

/**
 * Signature PIN: digits, then A–Z in alphabetical order (faster to find than QWERTY for people
 * who rarely type), ten keys a row.
 */
const ALPHANUMERIC_ROWS = [
  ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'],
  ['K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T'],
  ['U', 'V', 'W', 'X', 'Y', 'Z'],
];

/** The id of the line that says what the PIN needs and how much is typed: OK's description until the entry is complete. */
export const PIN_RULE_ID = 'pin-rule';

/**
 * The on-screen keyboard. Each tap sends one `pin.key` event with one character; the UI keeps no
 * copy of what was typed. Backspace and OK sit on the keyboard's last row.
 *
 * OK is never disabled: pressed too early (by a finger or the hard 決定 key) it still reaches the
 * machine, which answers with a notice saying what is needed. Until the entry is long enough it
 * only looks incomplete (`data-complete="false"`, plain instead of the primary colour) and is
 * described by the PIN's rule line ("4 digits, 3 entered").
 */
export function keyboard(
  kind: Keyboard,
  canSubmit: boolean,
  tr: Translator,
  connection: Connection,
): HTMLElement {
  const rows = kind === 'numeric' ? NUMERIC_ROWS : ALPHANUMERIC_ROWS;
  const keyButton = (key: string): HTMLButtonElement =>
    button({ class: 'key', 'data-key': key }, key, () => connection.send({ type: 'pin.key', key }));
  const backspace = button(
    { class: 'key key-backspace', 'data-key': 'backspace', 'data-function-key': 'correct' },
    tr.t('keyboard.backspace'),
    () => connection.send({ type: 'pin.backspace' }),
  );
  const submit = button(
    {
      class: 'key key-submit',
      'data-key': 'submit',
      'data-function-key': 'decide',
      'data-autofocus': true,
      'data-complete': String(canSubmit),
      'aria-describedby': canSubmit ? undefined : PIN_RULE_ID,
    },
    tr.t('keyboard.submit'),
    () => connection.send({ type: 'pin.submit' }),
  );
  const rowElements = rows.map((keys, index) => {
    const isLast = index === rows.length - 1;
    if (!isLast) return h('div', { class: 'key-row' }, ...keys.map(keyButton));
    return kind === 'numeric'
      ? h('div', { class: 'key-row' }, backspace, ...keys.map(keyButton), submit)
      : h('div', { class: 'key-row' }, ...keys.map(keyButton), backspace, submit);
  });
  return h(
    'div',
    {
      class: `keyboard keyboard-${kind}`,
      role: 'group',
      'aria-label': tr.t('keyboard.label'),
      // Which keypad method the digit keys use (hard-keys.ts): direct, or two keys a character.
      'data-keypad': kind,
    },
    ...rowElements,
  );
}
