import type { JpkiClient } from '../../../hardware/jpki/jpki-client';
import type { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import {
  type ClaimResponse,
  type CompleteResponse,
  cardProofDigest,
  type LookupResponse,
  type Procedure,
  provenPinOf,
  resetPinFileOf,
  resetPinOf,
} from '../../../reservation-api/contract';

/**
 * Step 2 as a kiosk performs it against the API, on a real virtual card: prove the other PIN over
 * the kiosk challenge and look the reservation up; then GET CHALLENGE on the PIN file, claim for
 * the cryptogram, EXTERNAL AUTHENTICATE, RESET RETRY COUNTER, VERIFY the new PIN, complete.
 */

export async function kioskLookup(
  kiosk: KioskApiClient,
  card: JpkiClient,
  procedure: Procedure,
  pin: string,
): Promise<LookupResponse> {
  const proven = provenPinOf(procedure);
  const { nonce } = await kiosk.challenge();
  await card.selectApplication();
  const { tokenSerial } = await card.readTokenInfo();
  const authCertificate = await card.readCertificate('auth');
  const pinBytes = Buffer.from(pin, 'latin1');
  try {
    await card.verifyPin(proven, pinBytes);
  } finally {
    pinBytes.fill(0);
  }
  const proofCertificate = proven === 'sign' ? await card.readCertificate('sign') : authCertificate;
  const signature = await card.sign(proven, cardProofDigest('kiosk', nonce));
  return kiosk.lookup({
    nonce,
    procedure,
    tokenSerial,
    authCertificate: Buffer.from(authCertificate).toString('base64'),
    proof: {
      certificate: Buffer.from(proofCertificate).toString('base64'),
      signature: Buffer.from(signature).toString('base64'),
    },
  });
}

/** GET CHALLENGE on the PIN file to reset, then the claim that returns the cryptogram for it. */
export async function kioskClaim(
  kiosk: KioskApiClient,
  card: JpkiClient,
  procedure: Procedure,
  lookup: LookupResponse,
): Promise<ClaimResponse> {
  const cardChallenge = await card.beginReset(resetPinOf(procedure));
  return kiosk.claim({
    lookupId: lookup.lookupId,
    pinFile: resetPinFileOf(procedure),
    cardChallenge: Buffer.from(cardChallenge).toString('base64'),
  });
}

/** The card-side reset with the claim's cryptogram, the new PIN verified, then complete. */
export async function kioskResetAndComplete(
  kiosk: KioskApiClient,
  card: JpkiClient,
  procedure: Procedure,
  claim: ClaimResponse,
  newPin: string,
): Promise<CompleteResponse> {
  const reset = resetPinOf(procedure);
  await card.authorizeReset(Buffer.from(claim.cryptogram, 'base64'));
  await card.resetRetryCounter(reset, Buffer.from(newPin, 'latin1'));
  await card.verifyPin(reset, Buffer.from(newPin, 'latin1'));
  return kiosk.complete({ claimId: claim.claimId });
}
