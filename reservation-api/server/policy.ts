import { DEFAULT_SERVICE_WINDOW, type ServiceWindow } from '../../state-machines/time/service-window';
import { DEFAULT_CLOSING_GRACE_MS } from '../../state-machines/time/session-admission';

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
  /**
   * After closing, a session admitted before it (its reservation check) may still claim for this
   * long — plus kioskClockSkewMs, the kiosk clock error the API accepts (the kiosk stops at the grace
   * on its own clock). The rule: state-machines/time/session-admission.ts.
   */
  closingGraceMs: number;
  bodyLimitBytes: number;
  eventsBodyLimitBytes: number;

  // Slow clients (docs/security.md §4)
  /** A request's headers must arrive within this long of the connection (or of the previous request). */
  httpHeadersTimeoutMs: number;
  /** A whole request, body included, must arrive within this long. */
  httpRequestTimeoutMs: number;
  /** A kept-alive connection idle this long between requests is closed. */
  httpKeepAliveTimeoutMs: number;
  /** How often Node checks the headers and request timeouts (a connection may outlive them by this much). */
  httpTimeoutCheckMs: number;
  /** Open connections per client IP at most (0: no limit); not applied behind a proxy (trustProxy). */
  maxConnectionsPerClient: number;

  // Operators (docs/operators.md)
  /** A dashboard login ends after this long without a request… */
  opsSessionIdleMs: number;
  /** …and this long after login at the latest. */
  opsSessionMaxMs: number;
  /** Login attempts per client IP per minute. */
  opsLoginsPerMinute: number;
  /** How often alerts are re-evaluated, statistics refreshed and retention applied; 0: never by itself (tests tick by hand). */
  opsTickMs: number;
  /** How often the live stream sends a keep-alive comment; 0: never by itself. */
  opsStreamPingMs: number;
  /** How long the session series, resolved alerts and kiosk events are kept. */
  opsRetentionMs: number;

  // Alert rules (docs/operators.md)
  /** A kiosk silent for longer than this is stale (heartbeats come every ~10 s). */
  alertHeartbeatStaleMs: number;
  /** A reader must stay absent/unavailable this long before reader-unavailable opens (a kiosk's first heartbeat may precede its reader). */
  alertReaderGraceMs: number;
  /** A kiosk clock further than this from the server's raises clock-skew (requests fail at kioskClockSkewMs). */
  alertClockSkewMs: number;
  /** Failed sessions on one kiosk within the window that raise repeated-failures. */
  alertRepeatedFailures: number;
  alertRepeatedFailuresWindowMs: number;
  /** Blocked-PIN or card-mismatch sessions on one kiosk within the repeated-failures window that raise unusual-customer-pattern. */
  alertUnusualPattern: number;
  /** Fleet-wide sessions ended on a blocked PIN within the spike window that raise blocked-pin-spike. */
  alertBlockedPinSpike: number;
  /** Fleet-wide cards refusing the reset cryptogram within the spike window that raise reset-refused-spike. */
  alertResetRefusedSpike: number;
  alertSpikeWindowMs: number;
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
  closingGraceMs: DEFAULT_CLOSING_GRACE_MS,
  bodyLimitBytes: 64 * 1024,
  eventsBodyLimitBytes: 1024 * 1024,

  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  httpKeepAliveTimeoutMs: 5_000,
  httpTimeoutCheckMs: 1_000,
  maxConnectionsPerClient: 128,

  opsSessionIdleMs: 30 * MINUTE,
  opsSessionMaxMs: 12 * 60 * MINUTE,
  opsLoginsPerMinute: 10,
  opsTickMs: 5_000,
  opsStreamPingMs: 15_000,
  opsRetentionMs: 7 * 24 * 60 * MINUTE,

  alertHeartbeatStaleMs: 35_000,
  alertReaderGraceMs: 15_000,
  alertClockSkewMs: 30_000,
  alertRepeatedFailures: 5,
  alertRepeatedFailuresWindowMs: 15 * MINUTE,
  alertUnusualPattern: 3,
  alertBlockedPinSpike: 20,
  alertResetRefusedSpike: 10,
  alertSpikeWindowMs: 10 * MINUTE,
};
