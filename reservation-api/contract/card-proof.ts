import { createHash } from 'node:crypto';
import { Fid, type PinKind } from '../../hardware/jpki/constants';
import type { Procedure } from './primitives';

/**
 * What the card signs to prove the person knows a PIN. The purpose prefix keeps a phone proof from
 * being replayed at a kiosk and vice versa; the nonce (its ASCII text) makes each proof single use.
 */
export const CARD_PROOF_PURPOSES = {
  reserve: 'jpki-pin-reset/reserve\n',
  kiosk: 'jpki-pin-reset/kiosk\n',
} as const;
export type CardProofPurpose = keyof typeof CARD_PROOF_PURPOSES;

/** SHA-256(purpose prefix ‖ nonce): the digest the card signs (PKCS#1 v1.5 over its DigestInfo). */
export function cardProofDigest(purpose: CardProofPurpose, nonce: string): Buffer {
  return createHash('sha256').update(CARD_PROOF_PURPOSES[purpose], 'utf8').update(nonce, 'utf8').digest();
}

/** The PIN the person proves for a procedure (the other one): its key signs, its certificate is the proof. */
export function provenPinOf(procedure: Procedure): PinKind {
  return procedure === 'signature-pin' ? 'auth' : 'sign';
}

/** The PIN a procedure resets. */
export function resetPinOf(procedure: Procedure): PinKind {
  return procedure === 'signature-pin' ? 'sign' : 'auth';
}

/** The PIN file (FID) a procedure resets: 001B for the signature PIN, 0018 for the 4-digit PIN. */
export function resetPinFileOf(procedure: Procedure): number {
  return procedure === 'signature-pin' ? Fid.signPin : Fid.authPin;
}
