import Type, { type Static } from 'typebox';

/** Wire primitives shared by every endpoint. Times are epoch milliseconds (UTC); binary is base64. */

/** `signature-pin`: reset the signature PIN, proving the 4-digit PIN; `auth-pin`: the reverse. */
export const PROCEDURES = ['signature-pin', 'auth-pin'] as const;
export const Procedure = Type.Union([Type.Literal('signature-pin'), Type.Literal('auth-pin')], {
  description: 'signature-pin: reset the signature PIN (prove the 4-digit PIN); auth-pin: the reverse',
});
export type Procedure = (typeof PROCEDURES)[number];

/** Standard base64 of binary data, bounded. */
export function Base64(maxBytes: number, description: string) {
  return Type.String({
    pattern: '^[A-Za-z0-9+/]+={0,2}$',
    minLength: 4,
    maxLength: Math.ceil(maxBytes / 3) * 4,
    description,
  });
}

/** A DER certificate as the card holds it (JPKI certificates are about 1–2 KiB). */
export const CertificateDer = Base64(8192, 'X.509 certificate, DER, base64');

/** A server challenge: base64url of 32 random bytes. The card proof signs its ASCII text. */
export const Nonce = Type.String({
  pattern: '^[A-Za-z0-9_-]{43}$',
  description: 'base64url of 32 random bytes, single use',
});

/** The 16-character serial of token info (bytes 80–95 of file 0006), padding included. */
export const TokenSerial = Type.String({
  minLength: 16,
  maxLength: 16,
  pattern: '^[\\x20-\\x7E]{16}$',
  description: '16 printable ASCII characters from token info (padding included)',
});

/**
 * Bounded by the last instant a JavaScript Date can represent (±8.64e15 ms): beyond it times cannot
 * be compared or shown, and 2^63 and up do not even fit an SQLite INTEGER column.
 */
export const MAX_EPOCH_MS = 8_640_000_000_000_000;
export const EpochMs = Type.Integer({
  minimum: 0,
  maximum: MAX_EPOCH_MS,
  description: 'epoch milliseconds (UTC)',
});

/** Opaque identifiers the server issues (reservations, lookups, claims). */
export const ServerId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });

export const KioskId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'kiosk id (also the RFC 9421 keyid)',
});

export const ReservationStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('claimed'),
  Type.Literal('completed'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
  Type.Literal('superseded'),
]);
export type ReservationStatusWire = Static<typeof ReservationStatus>;
