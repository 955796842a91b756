import Type, { type Static } from 'typebox';
import { CardProof } from './phone';
import { CertificateDer, EpochMs, Nonce, Procedure, ServerId, TokenSerial } from './primitives';

/**
 * Kiosk endpoints (step 2). Every request is a POST with a JSON body, signed per RFC 9421 by the
 * kiosk's Ed25519 key (see kiosk-signing.ts). The flow: reservation check (before any PIN, from the
 * authentication certificate; admits the session) → challenge → lookup (card proof) → claim
 * (atomic; returns the reset cryptogram) → complete or release.
 */

export const EmptyRequest = Type.Object({}, { additionalProperties: false });

export const KioskChallengeResponse = Type.Object(
  { nonce: Nonce, expiresAt: EpochMs },
  { additionalProperties: false },
);
export type KioskChallengeResponse = Static<typeof KioskChallengeResponse>;

export const ReservationCheckRequest = Type.Object(
  {
    procedure: Procedure,
    /** The authentication certificate as the card gives it without a PIN (EF 000A). */
    authCertificate: CertificateDer,
    /**
     * The card's token serial, also read without a PIN: when it is not the serial the issuer
     * recorded for the certificate (a spliced or tampered card), CARD_MISMATCH — audited, alerted
     * — before any PIN. Optional for kiosks built before it.
     */
    tokenSerial: Type.Optional(TokenSerial),
  },
  { additionalProperties: false },
);
export type ReservationCheckRequest = Static<typeof ReservationCheckRequest>;

/**
 * Coarse on purpose: a usable reservation exists (refusals are error codes). No id, time or anything
 * about the person; it grants nothing (the lookup's card proof still comes before any claim).
 */
export const ReservationCheckResponse = Type.Object(
  {
    result: Type.Literal('usable'),
    /** The session is admitted: claims are honoured until this instant (the grace after closing). */
    admittedUntil: EpochMs,
  },
  { additionalProperties: false },
);
export type ReservationCheckResponse = Static<typeof ReservationCheckResponse>;

export const LookupRequest = Type.Object(
  {
    /** A kiosk challenge issued to this kiosk. */
    nonce: Nonce,
    procedure: Procedure,
    tokenSerial: TokenSerial,
    authCertificate: CertificateDer,
    /** The card's signature over SHA-256("jpki-pin-reset/kiosk\n" ‖ nonce). */
    proof: CardProof,
  },
  { additionalProperties: false },
);
export type LookupRequest = Static<typeof LookupRequest>;

export const LookupResponse = Type.Object(
  {
    /**
     * Binds the claim to this lookup: only this kiosk, once, before lookupExpiresAt. The same
     * claim body sent again while its claim is held (an answer lost) gets that claim again.
     */
    lookupId: ServerId,
    reservationId: ServerId,
    procedure: Procedure,
    expiresAt: EpochMs,
    lookupExpiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type LookupResponse = Static<typeof LookupResponse>;

/** 8 bytes in base64 (the card's GET CHALLENGE answer). */
const CardChallenge = Type.String({
  pattern: '^[A-Za-z0-9+/]{11}=$',
  description: "the card's 8-byte challenge, base64",
});

export const ClaimRequest = Type.Object(
  {
    lookupId: ServerId,
    /** The PIN file the kiosk selected before GET CHALLENGE (0x001B signature PIN, 0x0018 4-digit PIN). */
    pinFile: Type.Integer({ minimum: 0, maximum: 0xffff }),
    cardChallenge: CardChallenge,
  },
  { additionalProperties: false },
);
export type ClaimRequest = Static<typeof ClaimRequest>;

export const ClaimResponse = Type.Object(
  {
    claimId: ServerId,
    reservationId: ServerId,
    procedure: Procedure,
    /** 16 bytes for EXTERNAL AUTHENTICATE, base64. */
    cryptogram: Type.String({ pattern: '^[A-Za-z0-9+/]{22}==$' }),
    leaseExpiresAt: EpochMs,
  },
  { additionalProperties: false },
);
export type ClaimResponse = Static<typeof ClaimResponse>;

export const CompleteRequest = Type.Object({ claimId: ServerId }, { additionalProperties: false });
export type CompleteRequest = Static<typeof CompleteRequest>;

export const CompleteResponse = Type.Object(
  { reservationId: ServerId, status: Type.Literal('completed'), completedAt: EpochMs },
  { additionalProperties: false },
);
export type CompleteResponse = Static<typeof CompleteResponse>;

export const RELEASE_REASONS = ['card-removed', 'reset-failed', 'cancelled', 'timeout', 'other'] as const;
export const ReleaseRequest = Type.Object(
  {
    claimId: ServerId,
    reason: Type.Union([
      Type.Literal('card-removed'),
      Type.Literal('reset-failed'),
      Type.Literal('cancelled'),
      Type.Literal('timeout'),
      Type.Literal('other'),
    ]),
  },
  { additionalProperties: false },
);
export type ReleaseRequest = Static<typeof ReleaseRequest>;

export const ReleaseResponse = Type.Object(
  {
    reservationId: ServerId,
    /**
     * `active` again; `expired` when released after the 24 hours ran out; `superseded` when the user
     * made a newer reservation for the card while this one was claimed.
     */
    status: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('superseded')]),
  },
  { additionalProperties: false },
);
export type ReleaseResponse = Static<typeof ReleaseResponse>;

const ShortText = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:/ -]+$' });

export const HeartbeatRequest = Type.Object(
  {
    /** The session machine's state (e.g. `idle`, `out-of-service`). */
    state: ShortText,
    reader: Type.Union([Type.Literal('ready'), Type.Literal('absent'), Type.Literal('unavailable')]),
    cardPresent: Type.Boolean(),
    version: ShortText,
    /** The kiosk's own clock when it sent this, to spot clock skew. */
    clock: EpochMs,
    counters: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }), Type.Integer({ minimum: 0 }), {
      maxProperties: 64,
    }),
    alerts: Type.Optional(Type.Array(ShortText, { maxItems: 32 })),
    /** The kiosk's operating system and reader model, for operators' kiosk page. */
    os: Type.Optional(ShortText),
    readerModel: Type.Optional(ShortText),
  },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object(
  {
    receivedAt: EpochMs,
    /** kiosk clock − server clock, ms. */
    clockSkewMs: Type.Integer(),
    /**
     * What operators ask of this kiosk (absent: in service, nothing asked). A state, not a queue:
     * every answer repeats it, so a lost answer loses nothing.
     */
    control: Type.Optional(
      Type.Object(
        {
          /** Out of service: show the maintenance screen, start no new session. */
          maintenance: Type.Boolean(),
          /** Run a reader self-test when idle and report it (`reader.self-test` event with this id). */
          selfTestId: Type.Union([Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

const EventValue = Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const KioskEvent = Type.Object(
  {
    /** Unique per kiosk (a UUID); a re-sent event with the same id is accepted once. */
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }),
    type: Type.String({ pattern: '^[a-z][a-z0-9.-]{0,63}$' }),
    at: EpochMs,
    /** Flat facts (codes, counts, durations) — never a PIN, certificate or token. */
    data: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }), EventValue, {
        maxProperties: 32,
      }),
    ),
  },
  { additionalProperties: false },
);
export type KioskEvent = Static<typeof KioskEvent>;

export const EventBatchRequest = Type.Object(
  { events: Type.Array(KioskEvent, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);
export type EventBatchRequest = Static<typeof EventBatchRequest>;

export const EventBatchResponse = Type.Object(
  { accepted: Type.Integer({ minimum: 0 }), duplicates: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type EventBatchResponse = Static<typeof EventBatchResponse>;
