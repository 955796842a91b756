import type { PinKind } from './constants';

/** Signature PIN: 6–16 characters of A–Z and 0–9 (jpki-card.md). */
const SIGN_PIN = /^[A-Z0-9]{6,16}$/;
/** User-authentication PIN: exactly 4 digits. */
const AUTH_PIN = /^[0-9]{4}$/;

/** True when `pin` has the format the card accepts for that PIN (the card itself re-checks). */
export function isValidPinFormat(kind: PinKind, pin: string): boolean {
  return (kind === 'sign' ? SIGN_PIN : AUTH_PIN).test(pin);
}
