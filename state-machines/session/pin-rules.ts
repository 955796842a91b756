/**
 * The procedures a kiosk offers and the PIN rules they follow (jpki-card.md, "PINs"). Pure facts,
 * copied from the card's behaviour rather than imported: state-machines uses nothing else of ours.
 */

export const PROCEDURES = ['signature-pin', 'auth-pin'] as const;
/** `signature-pin`: prove the 4-digit PIN, set a new signature PIN; `auth-pin`: the other way round. */
export type Procedure = (typeof PROCEDURES)[number];

/** The two JPKI PINs: user authentication (4 digits) and signature (6–16 of A–Z 0–9). */
export type PinKind = 'auth' | 'sign';

/** The three PIN buffers the runtime keeps: the PIN proven, the new one, and its confirmation. */
export const PIN_SLOTS = ['current', 'new', 'confirm'] as const;
export type PinSlot = (typeof PIN_SLOTS)[number];

export type Keyboard = 'numeric' | 'alphanumeric';

export interface PinRule {
  minLength: number;
  maxLength: number;
  keyboard: Keyboard;
  /** Tries of a fresh counter (a reset restores it). */
  maxTries: number;
}

export const PIN_RULES: Record<PinKind, PinRule> = {
  auth: { minLength: 4, maxLength: 4, keyboard: 'numeric', maxTries: 3 },
  sign: { minLength: 6, maxLength: 16, keyboard: 'alphanumeric', maxTries: 5 },
};

/** Which PIN each procedure makes the customer prove, and which one it resets. */
export const PROCEDURE_PINS: Record<Procedure, { proves: PinKind; resets: PinKind }> = {
  'signature-pin': { proves: 'auth', resets: 'sign' },
  'auth-pin': { proves: 'sign', resets: 'auth' },
};

/** The PIN kind a buffer holds in a procedure: `current` is the proven PIN, the others the new one. */
export function pinKindOfSlot(procedure: Procedure, slot: PinSlot): PinKind {
  const pins = PROCEDURE_PINS[procedure];
  return slot === 'current' ? pins.proves : pins.resets;
}

/** The procedure that resets the PIN this one proves (the "other route" when that PIN is blocked). */
export function otherProcedure(procedure: Procedure): Procedure {
  return procedure === 'signature-pin' ? 'auth-pin' : 'signature-pin';
}

const KEYS: Record<Keyboard, RegExp> = { numeric: /^[0-9]$/, alphanumeric: /^[A-Z0-9]$/ };

/**
 * The character a key press adds to a PIN of this keyboard, or null when the key does not belong
 * to it. Lowercase letters become uppercase (client software does this; the card compares bytes).
 */
export function normalisePinKey(keyboard: Keyboard, key: string): string | null {
  const character = key.toUpperCase();
  return KEYS[keyboard].test(character) ? character : null;
}

/** What kinds of characters a PIN holds: enough to check the mix rule, nothing more. */
export interface PinComposition {
  hasLetter: boolean;
  hasDigit: boolean;
}

/** A rule of a new PIN the customer can see met or broken while typing. */
export type NewPinRule = 'min-length' | 'letter' | 'digit';

/** The rules a new PIN of `kind` must meet: the signature PIN mixes letters and digits (DESIGN). */
export function newPinRules(kind: PinKind): readonly NewPinRule[] {
  return kind === 'sign' ? ['min-length', 'letter', 'digit'] : ['min-length'];
}

/** Whether a new PIN of `kind`, `length` characters and `composition` meets `rule`. */
export function meetsNewPinRule(
  kind: PinKind,
  rule: NewPinRule,
  length: number,
  composition: PinComposition,
): boolean {
  if (rule === 'min-length') return length >= PIN_RULES[kind].minLength;
  return rule === 'letter' ? composition.hasLetter : composition.hasDigit;
}

/** What a new-PIN format notice says is wrong (`new-pin-format` param `problem`). */
export const NEW_PIN_PROBLEMS = ['too-short', 'needs-letter', 'needs-digit', 'mix'] as const;
export type NewPinProblem = (typeof NEW_PIN_PROBLEMS)[number];

/** The problem to name for a broken rule (null: the runtime refused a PIN that looked fine: the mix). */
export function newPinProblem(broken: NewPinRule | null): NewPinProblem {
  return broken === 'min-length' ? 'too-short' : broken === null ? 'mix' : `needs-${broken}`;
}

/** The first rule a new PIN breaks, or null when it meets them all. */
export function brokenNewPinRule(
  kind: PinKind,
  length: number,
  composition: PinComposition,
): NewPinRule | null {
  return newPinRules(kind).find((rule) => !meetsNewPinRule(kind, rule, length, composition)) ?? null;
}

/** True when a PIN of `length` characters has an acceptable length for its kind. */
export function isAcceptablePinLength(kind: PinKind, length: number): boolean {
  const rule = PIN_RULES[kind];
  return length >= rule.minLength && length <= rule.maxLength;
}

/** True when `value` names a procedure. */
export function isProcedure(value: unknown): value is Procedure {
  return typeof value === 'string' && (PROCEDURES as readonly string[]).includes(value);
}
