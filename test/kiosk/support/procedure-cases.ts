import { copyFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { JpkiClient } from '../../../hardware/jpki/jpki-client';
import { DEFAULT_PINS } from '../../../hardware/pki/card-issue';
import type { Procedure } from '../../../state-machines/session';

/** One procedure's reset as a fault test runs it: the persona, the PIN proven, the new PIN. */
export interface ProcedureCase {
  procedure: Procedure;
  /** A card whose PIN to reset is blocked. */
  persona: string;
  /** The PIN proven, as the phone step takes it. */
  provenPin: string;
  /** The same PIN as the customer types it at the kiosk. */
  typedPin: string;
  newPin: string;
  /** Whether the card now accepts `newPin` for the PIN reset. */
  newPinWorks(card: JpkiClient): Promise<boolean>;
}

async function verifies(card: JpkiClient, pin: 'auth' | 'sign', value: string): Promise<boolean> {
  await card.selectApplication();
  if ((await card.pinStatus(pin)).blocked) return false;
  return card.verifyPin(pin, Buffer.from(value, 'latin1')).then(
    () => true,
    () => false,
  );
}

/** Both procedures: the signature PIN (prove the 4-digit PIN) and the 4-digit PIN (prove the signature PIN). */
export const PROCEDURE_CASES: ProcedureCase[] = [
  {
    procedure: 'signature-pin',
    persona: 'sign-pin-blocked',
    provenPin: DEFAULT_PINS.auth,
    typedPin: DEFAULT_PINS.auth,
    newPin: 'FAULT2026',
    newPinWorks: (card) => verifies(card, 'sign', 'FAULT2026'),
  },
  {
    procedure: 'auth-pin',
    persona: 'auth-pin-blocked',
    provenPin: DEFAULT_PINS.sign,
    // Typed in lowercase: the kiosk uppercases it.
    typedPin: DEFAULT_PINS.sign.toLowerCase(),
    newPin: '5678',
    newPinWorks: (card) => verifies(card, 'auth', '5678'),
  },
];

/**
 * Fresh copies of one issued card per persona: issuing costs RSA key generation, copying a file
 * does not. Each copy is the card as issued (its PINs and counters included); reserving again for
 * the same card supersedes the previous reservation.
 */
export function cardCopies(
  issue: (persona: string) => Promise<string>,
): (persona: string) => Promise<string> {
  const templates = new Map<string, Promise<string>>();
  let copies = 0;
  return async (persona) => {
    let template = templates.get(persona);
    if (!template) {
      template = issue(persona);
      templates.set(persona, template);
    }
    const source = await template;
    copies += 1;
    const copy = join(dirname(source), `copy-${copies}-${basename(source)}`);
    copyFileSync(source, copy);
    return copy;
  };
}
