import type {
  AlertDetailParams,
  ApiErrorCode,
  AlertKind,
  AlertSeverity,
  FleetAlert,
  KioskEvent,
  ReservationStats,
  SessionOutcomeWire,
} from '../contract';
import type { OperatorRecord, Outcome } from './reservation-store';

/**
 * What operator monitoring keeps: dashboard login sessions, fleet alerts (with who acknowledged
 * them), the per-minute rollup of ended kiosk sessions and reservation counts. Part of the
 * reservation store (`ReservationStore.ops`), same database and transactions rules.
 */

export interface OperatorSession {
  operator: OperatorRecord;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/** An operator as `operator list` shows it: never its token or the token's hash. */
export interface OperatorListing extends OperatorRecord {
  /** `npm run ops -- operator revoke` ran: the token is refused. */
  revoked: boolean;
  /** Dashboard logins neither past their hard expiry nor idle. */
  openLogins: number;
}

export interface NewAlert {
  alertId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  kioskId: string | null;
  detail: string;
  detailKey: string;
  detailParams: AlertDetailParams;
  now: number;
}

/** An alert's detail in both forms (English text; key and params for translation). */
export interface AlertDetailUpdate {
  alertId: string;
  detail: string;
  detailKey: string;
  detailParams: AlertDetailParams;
  now: number;
}

/** One kiosk event as the change feed returns it (`seq` orders the feed; resume after the last seen). */
export interface FedKioskEvent extends KioskEvent {
  seq: number;
  kioskId: string;
}

/** Ended sessions of one minute, outcome and cause (fleet-wide). */
export interface SessionRollupRow {
  bucket: number;
  outcome: SessionOutcomeWire;
  cause: string;
  count: number;
}

export interface OpsStore {
  createOperatorSession(input: {
    sessionHash: string;
    operatorId: string;
    now: number;
    expiresAt: number;
  }): Promise<void>;
  /** The session and its operator (expiry is the caller's rule). */
  operatorSession(sessionHash: string): Promise<OperatorSession | undefined>;
  touchOperatorSession(sessionHash: string, now: number): Promise<void>;
  deleteOperatorSession(sessionHash: string): Promise<void>;
  /** Forgets sessions past their hard expiry or idle since before `idleBefore`. */
  pruneOperatorSessions(input: { now: number; idleBefore: number }): Promise<number>;
  /**
   * Revokes the operator named `name`: its token stops working (the stored hash is replaced by one
   * no token has) and its login sessions are deleted, with an audit row, in one transaction.
   * Undefined when there is no such operator.
   */
  revokeOperator(input: {
    name: string;
    actor: string;
    now: number;
  }): Promise<{ operatorId: string; sessionsEnded: number } | undefined>;

  /**
   * Every operator by name, whether revoked, and its logins still open at `now` (not past their
   * hard expiry, used after `idleBefore`).
   */
  listOperators(input: { now: number; idleBefore: number }): Promise<OperatorListing[]>;

  openAlerts(): Promise<FleetAlert[]>;
  /** Open alerts and the most recently resolved ones, newest first. */
  recentAlerts(limit: number): Promise<FleetAlert[]>;
  /** Opens an alert; if one of the same kind and subject is open already, returns that one. */
  openAlert(input: NewAlert): Promise<FleetAlert>;
  updateAlertDetail(input: AlertDetailUpdate): Promise<FleetAlert | undefined>;
  resolveAlert(input: { alertId: string; now: number }): Promise<FleetAlert | undefined>;
  /** Records who acknowledged (first time only) with an audit row; ALERT_NOT_FOUND if unknown. */
  acknowledgeAlert(input: {
    alertId: string;
    operatorName: string;
    now: number;
  }): Promise<Outcome<FleetAlert>>;
  pruneResolvedAlerts(before: number): Promise<number>;

  /** Kiosk events stored after `afterSeq`, oldest first (the API's change feed of kiosk reports). */
  kioskEventsAfter(afterSeq: number, limit: number): Promise<FedKioskEvent[]>;
  /** The feed position of the newest stored event (0 when none). */
  lastKioskEventSeq(): Promise<number>;
  /**
   * Failed sessions a kiosk reported in the chart's minute buckets `from ≤ bucket < to`
   * (minuteBucketOf: kiosk time kept near the server's receipt), as `sessionRollup` counts them.
   */
  failedSessionsOfKiosk(input: { kioskId: string; from: number; to: number }): Promise<number>;
  /** The same sessions counted by cause (`sessionCause`: kiosk error ids or `other`). */
  failedSessionsOfKioskByCause(input: {
    kioskId: string;
    from: number;
    to: number;
  }): Promise<Record<string, number>>;
  /**
   * The same counts for every kiosk with a failure in the buckets, in one query (kiosk id → cause →
   * count): the monitor's tick and heartbeat batches read the whole fleet's at once.
   */
  failedSessionsByKioskAndCause(input: {
    from: number;
    to: number;
  }): Promise<Map<string, Record<string, number>>>;
  /** Ended sessions per minute bucket with `from ≤ bucket < to`. */
  sessionRollup(input: { from: number; to: number }): Promise<SessionRollupRow[]>;
  /** Failed sessions of one cause fleet-wide in buckets from `since`. */
  fleetFailures(input: { cause: string; since: number }): Promise<number>;
  /** Audit rows with outcome `code` (a refusal) at or after `since` (server time). */
  auditedRefusals(input: { code: ApiErrorCode; since: number }): Promise<number>;
  pruneSessionRollup(before: number): Promise<number>;
  /**
   * Deletes up to `limit` kiosk events received before `before`, oldest first, always keeping the
   * newest stored event (the change feed's position must never go back). Returns how many.
   */
  pruneKioskEvents(input: { before: number; limit: number }): Promise<number>;

  reservationStats(now: number): Promise<ReservationStats>;
}
