import { CUSTOMER_ERRORS, type CustomerErrorId } from '../../state-machines/session/customer-errors';
import type { ApiErrorCode } from './errors';

/**
 * Who a failure points at, for operators (STYLE "Failure codes"): one table over every API error
 * code and every kiosk error (the customer-error ids behind the on-screen E-codes).
 *
 * - `customer`: the person at the other end met a rule (no reservation, PIN blocked, timeout,
 *   outside hours, a certificate of theirs, an operator's own request): nothing to repair. These
 *   feed the funnel and the "unusual pattern" rule, never a device alert.
 * - `device`: the kiosk (reader, its software, its clock, its credentials) needs looking at.
 * - `network`: the kiosk could not reach the API (or what arrived was damaged on the way).
 * - `service`: the API or what it depends on (database, revocation lists, the issuer's key).
 *
 * Only `device` and `service` failures raise the per-kiosk `repeated-failures` alert.
 */
export const FAILURE_CLASSES = ['customer', 'device', 'network', 'service'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** The classes that raise a device alert at a kiosk. */
export const DEVICE_ALERT_CLASSES: ReadonlySet<FailureClass> = new Set(['device', 'service']);

export const API_ERROR_CLASSES: Record<ApiErrorCode, FailureClass> = {
  // A well-formed request is the caller's software's job: the kiosk's, when a kiosk sent it.
  VALIDATION_FAILED: 'device',
  MALFORMED_JSON: 'device',
  UNSUPPORTED_MEDIA_TYPE: 'device',
  BODY_TOO_LARGE: 'device',
  ROUTE_NOT_FOUND: 'device',
  NOT_ACCEPTABLE: 'device',
  // Per-card and per-IP limits: someone tried too often.
  RATE_LIMITED: 'customer',
  RESERVATION_FOR_OTHER_PROCEDURE: 'customer',
  INTERNAL_ERROR: 'service',
  SERVICE_UNAVAILABLE: 'service',
  CHALLENGE_UNKNOWN: 'device',
  // A challenge lives 5 minutes: a customer who took longer.
  CHALLENGE_EXPIRED: 'customer',
  CHALLENGE_USED: 'device',
  CERT_MALFORMED: 'customer',
  CERT_UNTRUSTED: 'customer',
  CERT_NOT_YET_VALID: 'customer',
  CERT_EXPIRED: 'customer',
  CERT_REVOKED: 'customer',
  SIGN_CERT_REVOKED: 'customer',
  REVOCATION_UNAVAILABLE: 'service',
  PROOF_INVALID: 'customer',
  // Refused as a possible attack: customer-class, counted by the unusual-pattern rule.
  CARD_MISMATCH: 'customer',
  FACE_ATTESTATION_INVALID: 'customer',
  FACE_ATTESTATION_STALE: 'customer',
  FACE_NOT_MATCHED: 'customer',
  LIVENESS_FAILED: 'customer',
  FACE_SCORE_LOW: 'customer',
  RESERVATION_TOKEN_REQUIRED: 'customer',
  RESERVATION_NOT_FOUND: 'customer',
  RESERVATION_EXPIRED: 'customer',
  RESERVATION_USED: 'customer',
  RESERVATION_CANCELLED: 'customer',
  RESERVATION_SUPERSEDED: 'customer',
  RESERVATION_IN_USE: 'customer',
  PROCEDURE_NOT_OFFERED: 'customer',
  OUTSIDE_SERVICE_HOURS: 'customer',
  PIN_FILE_MISMATCH: 'device',
  LOOKUP_INVALID: 'device',
  // The 3 minutes between lookup and claim ran out: a slow customer.
  LOOKUP_EXPIRED: 'customer',
  LEASE_INVALID: 'device',
  KIOSK_UNAUTHENTICATED: 'device',
  KIOSK_REVOKED: 'device',
  KIOSK_CLOCK_SKEW: 'device',
  REQUEST_REPLAYED: 'network',
  CONTENT_DIGEST_MISMATCH: 'network',
  // Operators' own requests: the person asking, nothing broken.
  OPERATOR_UNAUTHENTICATED: 'customer',
  OPERATOR_LOGIN_FAILED: 'customer',
  OPERATOR_CSRF_REJECTED: 'customer',
  ALERT_NOT_FOUND: 'customer',
  OPERATOR_FORBIDDEN: 'customer',
  KIOSK_NOT_FOUND: 'customer',
  UNKNOWN_CHAIN: 'customer',
  OPERATOR_EXISTS: 'customer',
};

/** Kiosk errors (`state-machines/session/customer-errors.ts`, shown as E-codes) by class. */
export const KIOSK_ERROR_CLASSES: Record<CustomerErrorId, FailureClass> = {
  'outside-hours': 'customer',
  'reader-unavailable': 'device',
  'service-unreachable': 'network',
  'session-timeout': 'customer',
  // Placement (off-centre, moved, on metal): the customer's; a broken reader shows as reader-unavailable.
  'card-unreadable': 'customer',
  'card-removed': 'customer',
  'not-my-number-card': 'customer',
  'card-mismatch': 'customer',
  // The card was reset or its application selected again mid-session (another app, a flaky reader).
  'pin-proof-lost': 'customer',
  'auth-certificate-expired': 'customer',
  'certificate-revoked': 'customer',
  'signature-certificate-revoked': 'customer',
  'wrong-pin': 'customer',
  'pin-blocked': 'customer',
  'new-pin-format': 'customer',
  'new-pins-differ': 'customer',
  'pin-too-short': 'customer',
  'no-reservation': 'customer',
  'reservation-expired': 'customer',
  'reservation-used': 'customer',
  'procedure-not-offered': 'customer',
  'reservation-in-use': 'customer',
  // The card refused a cryptogram the service derived: the issuer key or the derivation is wrong.
  'reset-refused': 'service',
  'reservation-other-procedure': 'customer',
};

/**
 * Customer-class kiosk errors whose burst at one kiosk is unusual: many blocked PINs or cards that
 * do not answer as one card at the same machine may be shoulder-surfing or an attack.
 */
export const UNUSUAL_PATTERN_CAUSES: ReadonlySet<CustomerErrorId> = new Set(['pin-blocked', 'card-mismatch']);

/** The class of a session's failure cause as the API records it (`other`: a cause the kiosk sent that we do not know — the kiosk's). */
export function failureClassOfCause(cause: string): FailureClass {
  return Object.hasOwn(KIOSK_ERROR_CLASSES, cause) ? KIOSK_ERROR_CLASSES[cause as CustomerErrorId] : 'device';
}

/** The on-screen code of a kiosk error (`E-032`), or undefined for causes the kiosk does not show. */
export function displayCodeOfCause(cause: string): string | undefined {
  return Object.hasOwn(CUSTOMER_ERRORS, cause)
    ? CUSTOMER_ERRORS[cause as CustomerErrorId].displayCode
    : undefined;
}
