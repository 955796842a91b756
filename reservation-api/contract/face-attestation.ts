import Type, { type Static } from 'typebox';

/**
 * The face-verification provider's statement, a compact JWS (ES256 or EdDSA; `kid` names the
 * provider key). The face match runs in the app's SDK; the server trusts only this signature.
 */
export const FACE_ATTESTATION_ALGORITHMS = ['ES256', 'EdDSA'] as const;

export const FaceAttestationPayload = Type.Object(
  {
    /** The challenge nonce this match was made for. */
    nonce: Type.String(),
    match: Type.Boolean(),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    liveness: Type.Boolean(),
    /** Seconds since the epoch (JWT NumericDate). */
    iat: Type.Number(),
  },
  { additionalProperties: true },
);
export type FaceAttestationPayload = Static<typeof FaceAttestationPayload>;

/** A compact JWS: three base64url parts. */
export const CompactJws = Type.String({
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  maxLength: 4096,
  description: 'compact JWS (ES256 or EdDSA) of the face-verification provider',
});
