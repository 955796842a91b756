import Type, { type Static } from 'typebox';
import { CompactJws } from './face-attestation';
import {
  Base64,
  CertificateDer,
  EpochMs,
  Nonce,
  Procedure,
  ReservationStatus,
  ServerId,
  TokenSerial,
} from './primitives';

/** Phone endpoints (step 1, anonymous, rate limited per client and per card). */

export const PhoneChallengeResponse = Type.Object(
  { nonce: Nonce, expiresAt: EpochMs },
  { additionalProperties: false },
);
export type PhoneChallengeResponse = Static<typeof PhoneChallengeResponse>;

/** The card's signature over SHA-256("jpki-pin-reset/…\n" ‖ nonce) and the certificate that verifies it. */
export const CardProof = Type.Object(
  {
    /** The certificate of the PIN that was proven: the authentication certificate for `signature-pin`, the signature certificate for `auth-pin`. */
    certificate: CertificateDer,
    /** RSA PKCS#1 v1.5 SHA-256 signature by the card, base64. */
    signature: Base64(1024, 'RSA PKCS#1 v1.5 signature, base64'),
  },
  { additionalProperties: false },
);
export type CardProof = Static<typeof CardProof>;

export const CreateReservationRequest = Type.Object(
  {
    nonce: Nonce,
    procedure: Procedure,
    tokenSerial: TokenSerial,
    /** The user-authentication certificate (file 000A): identifies the card. */
    authCertificate: CertificateDer,
    proof: CardProof,
    faceAttestation: CompactJws,
  },
  { additionalProperties: false },
);
export type CreateReservationRequest = Static<typeof CreateReservationRequest>;

export const ReservationView = Type.Object(
  {
    reservationId: ServerId,
    procedure: Procedure,
    status: ReservationStatus,
    createdAt: EpochMs,
    /** created + 24 h: usable while now < expiresAt. */
    expiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type ReservationView = Static<typeof ReservationView>;

export const ReservationCreated = Type.Object(
  {
    ...ReservationView.properties,
    /** The user's secret for status and cancel; shown once, only its hash is stored. */
    reservationToken: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  },
  { additionalProperties: false },
);
export type ReservationCreated = Static<typeof ReservationCreated>;

export const ReservationIdParams = Type.Object({ reservationId: ServerId }, { additionalProperties: false });
export type ReservationIdParams = Static<typeof ReservationIdParams>;
