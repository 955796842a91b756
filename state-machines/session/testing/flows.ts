import type { Procedure } from '../pin-rules';
import type { SessionHarness } from './session-harness';

/** A PIN the customer proves in each procedure (any of the right format: the scripted card decides). */
export const PROVEN_PIN: Record<Procedure, string> = { 'signature-pin': '1234', 'auth-pin': 'ABC123' };
/** A new PIN of the right format for each procedure. */
export const NEW_PIN: Record<Procedure, string> = { 'signature-pin': 'NEWPIN12', 'auth-pin': '5678' };

/** Start, choose, consent, place the card: the current-PIN screen (given a readCard answer). */
export async function toEnterCurrentPin(
  h: SessionHarness,
  procedure: Procedure = 'signature-pin',
): Promise<void> {
  await h.startSession(procedure);
  await h.insertCard();
}

/** …and prove the PIN: the new-PIN screen (given verify and lookup answers). */
export async function toEnterNewPin(
  h: SessionHarness,
  procedure: Procedure = 'signature-pin',
): Promise<void> {
  await toEnterCurrentPin(h, procedure);
  await h.enter(PROVEN_PIN[procedure]);
}

/** …and enter the new PIN twice: the reset begins. */
export async function toResetting(h: SessionHarness, procedure: Procedure = 'signature-pin'): Promise<void> {
  await toEnterNewPin(h, procedure);
  await h.enter(NEW_PIN[procedure]);
  await h.enter(NEW_PIN[procedure]);
}
