import { DEFAULT_SERVICE_WINDOW, type ServiceWindow } from '../../state-machines/time/service-window';

/** The service's rules in numbers: every duration, threshold and limit the API enforces. */
export interface ApiPolicy {
  /** Lifetime of phone and kiosk challenges (single use). */
  challengeTtlMs: number;
  /** A reservation is usable while now < created + reservationTtlMs. */
  reservationTtlMs: number;
  /** How long a claim holds a reservation before another kiosk may take it over. */
  leaseMs: number;
  /** How long after a lookup the same kiosk may claim from it. */
  lookupTtlMs: number;
  /** Accepted distance between a kiosk signature's `created` and the server clock. */
  kioskClockSkewMs: number;
  faceScoreThreshold: number;
  faceMaxAgeMs: number;
  faceFutureSkewMs: number;
  /** How long after a CRL's nextUpdate it is still used (then verification fails closed). */
  crlGraceMs: number;
  /** Reservation attempts per card within cardAttemptWindowMs. */
  cardAttemptsPerWindow: number;
  cardAttemptWindowMs: number;
  /** Requests per client IP per minute on each phone endpoint. */
  phoneRequestsPerMinute: number;
  serviceWindow: ServiceWindow;
  bodyLimitBytes: number;
  eventsBodyLimitBytes: number;
}

const MINUTE = 60_000;

export const DEFAULT_POLICY: ApiPolicy = {
  challengeTtlMs: 5 * MINUTE,
  reservationTtlMs: 24 * 60 * MINUTE,
  leaseMs: 2 * MINUTE,
  lookupTtlMs: 3 * MINUTE,
  kioskClockSkewMs: MINUTE,
  faceScoreThreshold: 0.9,
  faceMaxAgeMs: 10 * MINUTE,
  faceFutureSkewMs: MINUTE,
  crlGraceMs: 7 * 24 * 60 * MINUTE,
  cardAttemptsPerWindow: 10,
  cardAttemptWindowMs: 60 * MINUTE,
  phoneRequestsPerMinute: 30,
  serviceWindow: DEFAULT_SERVICE_WINDOW,
  bodyLimitBytes: 64 * 1024,
  eventsBodyLimitBytes: 1024 * 1024,
};
