import Type, { type Static } from 'typebox';

/**
 * The API's error table: every refusal has a stable code (shared with the kiosk and the UI), an
 * HTTP status and an English message. Messages never carry request data (no PIN, token,
 * certificate, nonce), so they are safe to log and to show.
 */
export const API_ERRORS = {
  // Request shape
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema of this endpoint.' },
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json.' },
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'There is no such endpoint.' },
  NOT_ACCEPTABLE: {
    status: 406,
    message: 'This endpoint answers text/event-stream only (send Accept: text/event-stream).',
  },
  RATE_LIMITED: { status: 429, message: 'Too many requests; try again later.' },
  INTERNAL_ERROR: { status: 500, message: 'The service failed to handle the request.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is not ready.' },

  // Challenges (phone and kiosk)
  CHALLENGE_UNKNOWN: {
    status: 400,
    message: 'The challenge was not issued by this service (or to this kiosk).',
  },
  CHALLENGE_EXPIRED: { status: 400, message: 'The challenge has expired; request a new one.' },
  CHALLENGE_USED: { status: 400, message: 'The challenge was already used; request a new one.' },

  // Card certificates and proofs
  CERT_MALFORMED: { status: 400, message: 'A certificate could not be parsed as X.509 DER.' },
  CERT_UNTRUSTED: {
    status: 422,
    message: 'The certificate is not a JPKI certificate of the expected kind from a trusted issuer.',
  },
  CERT_NOT_YET_VALID: { status: 422, message: 'The certificate is not valid yet.' },
  CERT_EXPIRED: { status: 422, message: 'The electronic certificate has expired (code 21).' },
  CERT_REVOKED: { status: 422, message: 'The electronic certificate has been revoked (code 23).' },
  SIGN_CERT_REVOKED: {
    status: 422,
    message: 'The signature certificate has been revoked (for example after a move or marriage).',
  },
  REVOCATION_UNAVAILABLE: {
    status: 503,
    message: 'Revocation status cannot be checked right now (no current CRL for the issuer).',
  },
  PROOF_INVALID: { status: 422, message: "The card's signature over the challenge does not verify." },
  CARD_MISMATCH: {
    status: 422,
    message:
      'The token serial or a certificate is not of the card whose PIN was proven (audited as a possible attack).',
  },

  // Face-match attestation (phone)
  FACE_ATTESTATION_INVALID: {
    status: 422,
    message:
      'The face-match attestation is not a valid statement of the configured provider for this challenge.',
  },
  FACE_ATTESTATION_STALE: {
    status: 422,
    message: 'The face-match attestation is too old (or from the future).',
  },
  FACE_NOT_MATCHED: { status: 422, message: 'The face did not match the photo on the card.' },
  LIVENESS_FAILED: { status: 422, message: 'The liveness check failed.' },
  FACE_SCORE_LOW: { status: 422, message: 'The face-match score is below the required threshold.' },

  // Reservations
  RESERVATION_TOKEN_REQUIRED: {
    status: 401,
    message: 'A reservation token (Authorization: Bearer) is required.',
  },
  RESERVATION_NOT_FOUND: {
    status: 404,
    message: 'There is no reservation for this card (or it was made with another card).',
  },
  RESERVATION_EXPIRED: { status: 410, message: 'The reservation has expired (reservations last 24 hours).' },
  RESERVATION_USED: { status: 409, message: 'The reservation has already been used.' },
  RESERVATION_CANCELLED: { status: 409, message: 'The reservation was cancelled.' },
  RESERVATION_SUPERSEDED: { status: 409, message: 'The reservation was replaced by a newer one.' },
  RESERVATION_IN_USE: { status: 409, message: 'The reservation is being used at a kiosk right now.' },
  RESERVATION_FOR_OTHER_PROCEDURE: {
    status: 409,
    message: "The card's reservation is for the other procedure (the other PIN).",
  },

  // Kiosk step
  PROCEDURE_NOT_OFFERED: { status: 403, message: 'This procedure is not offered at this store.' },
  OUTSIDE_SERVICE_HOURS: { status: 403, message: 'The service is open from 06:30 to 23:00 Japan time.' },
  PIN_FILE_MISMATCH: { status: 400, message: 'The PIN file does not belong to the reserved procedure.' },
  LOOKUP_INVALID: {
    status: 409,
    message: 'The claim does not follow a lookup made by this kiosk (or the lookup was already used).',
  },
  LOOKUP_EXPIRED: { status: 409, message: 'The lookup is too old to claim from; look the card up again.' },
  LEASE_INVALID: { status: 409, message: 'This kiosk holds no such claim on the reservation.' },

  // Kiosk authentication (RFC 9421)
  KIOSK_UNAUTHENTICATED: {
    status: 401,
    message: 'The request is not signed by a registered kiosk (RFC 9421, Ed25519).',
  },
  KIOSK_REVOKED: { status: 403, message: 'This kiosk has been revoked.' },
  KIOSK_CLOCK_SKEW: {
    status: 401,
    message: "The signature's created time is too far from the server clock; check the kiosk's clock.",
  },
  REQUEST_REPLAYED: { status: 401, message: 'This signed request was already received (nonce replayed).' },
  CONTENT_DIGEST_MISMATCH: {
    status: 400,
    message: 'The Content-Digest header is missing or does not match the body (RFC 9530, sha-256).',
  },

  // Operators
  OPERATOR_UNAUTHENTICATED: {
    status: 401,
    message: 'Log in as an operator, or send an operator token (Authorization: Bearer).',
  },
  OPERATOR_LOGIN_FAILED: { status: 401, message: 'Unknown operator name or wrong token.' },
  OPERATOR_CSRF_REJECTED: {
    status: 403,
    message: 'A state-changing operator request needs the X-Ops-Request header and a same-origin Origin.',
  },
  ALERT_NOT_FOUND: { status: 404, message: 'There is no alert with this id.' },
  OPERATOR_FORBIDDEN: { status: 403, message: 'This operator role may not do that.' },
  KIOSK_NOT_FOUND: { status: 404, message: 'There is no kiosk with this id.' },
  UNKNOWN_CHAIN: { status: 400, message: 'Unknown store chain.' },
  OPERATOR_EXISTS: { status: 409, message: 'An operator with this name already exists.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export const API_ERROR_CODES = Object.keys(API_ERRORS) as ApiErrorCode[];

/** True when `code` is one of the table's codes. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERRORS, code);
}

/** The body of every error response. */
export const ErrorBody = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', description: 'Stable error code (see docs/api.md)' }),
    message: Type.String({ description: 'English explanation, free of request data' }),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The error body of a code, with the table's message. */
export function errorBody(code: ApiErrorCode): ErrorBody {
  return { code, message: API_ERRORS[code].message };
}
