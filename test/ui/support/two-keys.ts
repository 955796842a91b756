/**
 * The keypad keys that type `pin` on the letter keyboard with two keys a character
 * (kiosk/ui/src/two-key-letters.ts): a letter is its key (2 = ABC … 9 = WXYZ) then its place on it,
 * a digit is 0 then the digit. As `Digit7` style key names.
 */
export function twoKeys(pin: string): string[] {
  const groups = ['ABC', 'DEF', 'GHI', 'JKL', 'MNO', 'PQRS', 'TUV', 'WXYZ'];
  return [...pin].flatMap((character) => {
    if (/[0-9]/.test(character)) return ['Digit0', `Digit${character}`];
    const group = groups.findIndex((letters) => letters.includes(character));
    if (group < 0) throw new Error(`no key types ${JSON.stringify(character)}`);
    return [`Digit${group + 2}`, `Digit${groups[group]!.indexOf(character) + 1}`];
  });
}
