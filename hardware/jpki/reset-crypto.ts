import { createHmac } from 'node:crypto';

/**
 * Our model of the issuer's reset authorisation (DESIGN §3). The API derives the card key from the
 * master key and computes the cryptogram; the virtual card holds only its own key and checks it.
 */

/** Kc = HMAC-SHA256(issuer master key, "JPKI-PIN-RESET/v1|" ‖ token serial). */
export function deriveCardResetKey(masterKey: Uint8Array, tokenSerial: string): Buffer {
  return createHmac('sha256', masterKey).update(`JPKI-PIN-RESET/v1|${tokenSerial}`, 'latin1').digest();
}

/** First 16 bytes of HMAC-SHA256(Kc, "RESET" ‖ FID (2 bytes, big-endian) ‖ challenge (8 bytes)). */
export function resetCryptogram(cardResetKey: Uint8Array, pinFid: number, challenge: Uint8Array): Buffer {
  const fid = Buffer.from([(pinFid >> 8) & 0xff, pinFid & 0xff]);
  return createHmac('sha256', cardResetKey)
    .update(Buffer.from('RESET', 'latin1'))
    .update(fid)
    .update(challenge)
    .digest()
    .subarray(0, 16);
}
