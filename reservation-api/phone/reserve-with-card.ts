import type { JpkiClient } from '../../hardware/jpki/jpki-client';
import { CardError } from '../../hardware/card-error';
import {
  cardProofDigest,
  type FaceAttestationPayload,
  type Procedure,
  provenPinOf,
  type ReservationCreated,
} from '../contract';
import { signFaceAttestation } from './face-attestation-signer';
import type { PhoneApiClient } from './phone-api-client';
import type { FaceSigningKey } from '../server/face-provider-keys';

/**
 * Step 1 exactly as the phone app does it, over any JPKI card client: get a challenge, prove the
 * *other* PIN on the card (a wrong PIN costs a try, as on the real card), read the certificates,
 * let the card sign the challenge, attach the face-match attestation, reserve.
 */

export interface ReserveInput {
  card: JpkiClient;
  /** The API's phone endpoints (PhoneApiClient, or a stand-in that captures the request). */
  api: Pick<PhoneApiClient, 'challenge' | 'createReservation'>;
  procedure: Procedure;
  /** The PIN to prove, as the card compares it (wiped here after use). */
  pin: Uint8Array;
  face: { key: FaceSigningKey; statement: Omit<FaceAttestationPayload, 'nonce' | 'iat'> };
  /** Epoch ms (the attestation's iat). */
  now: () => number;
}

/** The card refused before anything was sent: which PIN, and why. */
export class PhoneStepError extends Error {
  override readonly name = 'PhoneStepError';
  constructor(
    readonly reason: 'pin-blocked' | 'wrong-pin' | 'not-jpki',
    message: string,
    readonly triesLeft?: number,
  ) {
    super(message);
  }
}

export async function reserveWithCard(input: ReserveInput): Promise<ReservationCreated> {
  const { card, api, procedure } = input;
  const provenPin = provenPinOf(procedure);
  const pinName = provenPin === 'auth' ? 'user-authentication PIN' : 'signature PIN';
  try {
    try {
      await card.selectApplication();
    } catch (error) {
      if (error instanceof CardError && error.kind === 'not-jpki') {
        throw new PhoneStepError('not-jpki', 'this card has no JPKI application (not a My Number Card)');
      }
      throw error;
    }
    // Like the app: check the counter first, so a blocked PIN costs nothing and says what to do.
    const status = await card.pinStatus(provenPin);
    if (status.blocked) {
      throw new PhoneStepError('pin-blocked', `the ${pinName} is blocked: this procedure needs it`, 0);
    }
    const { tokenSerial } = await card.readTokenInfo();
    const authCertificate = await card.readCertificate('auth');
    const { nonce } = await api.challenge();
    try {
      await card.verifyPin(provenPin, input.pin);
    } catch (error) {
      if (error instanceof CardError && error.kind === 'wrong-pin') {
        const left = error.triesLeft ?? 0;
        throw new PhoneStepError('wrong-pin', `wrong ${pinName}: ${left} tries left`, left);
      }
      if (error instanceof CardError && error.kind === 'pin-blocked') {
        throw new PhoneStepError('pin-blocked', `the ${pinName} is blocked`, 0);
      }
      throw error;
    } finally {
      input.pin.fill(0);
    }
    // The signature certificate is readable only once the signature PIN is verified.
    const proofCertificate = provenPin === 'sign' ? await card.readCertificate('sign') : authCertificate;
    const signature = await card.sign(provenPin, cardProofDigest('reserve', nonce));
    const faceAttestation = await signFaceAttestation(input.face.key, {
      ...input.face.statement,
      nonce,
      iat: Math.floor(input.now() / 1000),
    });
    return await api.createReservation({
      nonce,
      procedure,
      tokenSerial,
      authCertificate: Buffer.from(authCertificate).toString('base64'),
      proof: {
        certificate: Buffer.from(proofCertificate).toString('base64'),
        signature: Buffer.from(signature).toString('base64'),
      },
      faceAttestation,
    });
  } finally {
    input.pin.fill(0);
  }
}
