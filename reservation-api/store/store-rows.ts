import type {
  ReservationEvent,
  ReservationState,
} from '../../state-machines/reservation/reservation-lifecycle';
import type {
  AlertDetailParams,
  AlertKind,
  AlertSeverity,
  ApiErrorCode,
  AuditEntry,
  FleetAlert,
  Procedure,
} from '../contract';
import type { FunnelReservation, KioskControl, StoredKioskEvent } from './kiosk-control-store';
import type { KioskRecord, Outcome, ReservationRecord, ReservationStatus } from './reservation-store';

/**
 * What both store engines (SQLite, PostgreSQL) share above their SQL: the rows of the common
 * schema as the drivers return them, their mapping to the store's records, and the refusal and
 * audit vocabulary. Each engine keeps only what differs — its statements and how it settles races.
 */

export interface ReservationRow {
  id: string;
  procedure: Procedure;
  status: ReservationStatus;
  card_ref: string;
  proof_key_ref: string;
  token_serial: string;
  created_at: number;
  expires_at: number;
  claim_id: string | null;
  lease_expires_at: number | null;
  completed_at: number | null;
}

export interface ClaimRow {
  id: string;
  reservation_id: string;
  kiosk_id: string;
  outcome: 'completed' | 'released' | 'lapsed' | null;
}

export interface LookupRow {
  kiosk_id: string;
  reservation_id: string;
  expires_at: number;
  used_at: number | null;
}

export interface KioskRow {
  id: string;
  chain: string;
  store_id: string;
  prefecture: string | null;
  store_name: string | null;
  procedures: string;
  public_key: string;
  registered_at: number;
  revoked_at: number | null;
}

export interface AuditRow {
  at: number;
  actor: string;
  kiosk_id: string | null;
  reservation_id: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  outcome: string;
}

/** Audit context of one operation. */
export interface Who {
  actor: string;
  kioskId: string | null;
  now: number;
}

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function refused(code: ApiErrorCode): Outcome<never> {
  return { ok: false, code };
}

/** The refusal code of a reservation a kiosk (or the token holder) cannot use in this status. */
export const UNUSABLE: Record<Exclude<ReservationStatus, 'active'>, ApiErrorCode> = {
  claimed: 'RESERVATION_IN_USE',
  completed: 'RESERVATION_USED',
  expired: 'RESERVATION_EXPIRED',
  cancelled: 'RESERVATION_CANCELLED',
  superseded: 'RESERVATION_SUPERSEDED',
};

/**
 * A reservation found by certificate (issuer + serial) is this card's only when the token serial —
 * and the proof key, when known — are the card's too; otherwise it was made with another card.
 */
export function isOfTheCard(
  row: ReservationRow,
  card: { tokenSerial: string; proofKeyRef: string | null },
): boolean {
  return (
    row.token_serial === card.tokenSerial &&
    (card.proofKeyRef === null || row.proof_key_ref === card.proofKeyRef)
  );
}

/** The procedure that resets the other PIN. */
export function otherProcedureOf(procedure: Procedure): Procedure {
  return procedure === 'signature-pin' ? 'auth-pin' : 'signature-pin';
}

/** Admissions (reservation checks) older than this can no longer let a claim past closing: pruned. */
export const ADMISSIONS_KEPT_MS = 2 * 24 * 60 * 60 * 1000;

/** The audit action of each lifecycle event. */
export const EVENT_ACTIONS: Record<ReservationEvent['type'], string> = {
  CLAIM: 'claim',
  RELEASE: 'release',
  LEASE_LAPSE: 'lease-lapse',
  COMPLETE: 'complete',
  EXPIRE: 'expire',
  CANCEL: 'cancel',
  SUPERSEDE: 'supersede',
};

export function toReservation(row: ReservationRow): ReservationRecord {
  return {
    id: row.id,
    procedure: row.procedure,
    status: row.status,
    cardRef: row.card_ref,
    proofKeyRef: row.proof_key_ref,
    tokenSerial: row.token_serial,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    claimId: row.claim_id,
    leaseExpiresAt: row.lease_expires_at,
    completedAt: row.completed_at,
  };
}

export function toKiosk(row: KioskRow): KioskRecord {
  return {
    id: row.id,
    chain: row.chain,
    storeId: row.store_id,
    prefecture: row.prefecture,
    storeName: row.store_name,
    procedures: JSON.parse(row.procedures) as Procedure[],
    publicKey: row.public_key,
    registeredAt: row.registered_at,
    revokedAt: row.revoked_at,
  };
}

/** The lifecycle machine's view of a reservation row. */
export function stateOf(row: ReservationRow): ReservationState {
  return { status: row.status, facts: { expiresAt: row.expires_at, leaseExpiresAt: row.lease_expires_at } };
}

/** An operator alert row. */
export interface AlertRow {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  kiosk_id: string | null;
  detail: string;
  detail_key: string;
  detail_params: string;
  opened_at: number;
  updated_at: number;
  resolved_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
}

export function toAlert(row: AlertRow): FleetAlert {
  return {
    alertId: row.id,
    kind: row.kind,
    severity: row.severity,
    kioskId: row.kiosk_id,
    detail: row.detail,
    detailKey: row.detail_key,
    detailParams: JSON.parse(row.detail_params) as AlertDetailParams,
    openedAt: row.opened_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    acknowledgedAt: row.acknowledged_at,
    acknowledgedBy: row.acknowledged_by,
  };
}

/** A `kiosk_controls` row. */
export interface KioskControlRow {
  kiosk_id: string;
  maintenance_reason: string | null;
  maintenance_since: number | null;
  maintenance_by: string | null;
  self_test_id: string | null;
  self_test_requested_at: number | null;
  self_test_requested_by: string | null;
  self_test_result: 'passed' | 'failed' | null;
  self_test_detail: string | null;
  self_test_reported_at: number | null;
}

export function toKioskControl(kioskId: string, row: KioskControlRow | undefined): KioskControl {
  return {
    kioskId,
    maintenance:
      row?.maintenance_reason != null
        ? { reason: row.maintenance_reason, since: row.maintenance_since ?? 0, by: row.maintenance_by ?? '' }
        : null,
    selfTest:
      row?.self_test_id != null
        ? {
            testId: row.self_test_id,
            requestedAt: row.self_test_requested_at ?? 0,
            requestedBy: row.self_test_requested_by ?? '',
            result: row.self_test_result,
            detail: row.self_test_detail,
            reportedAt: row.self_test_reported_at,
          }
        : null,
  };
}

/** An audit row with its number (audit search). */
export interface AuditEntryRow extends AuditRow {
  seq: number;
}

export function toAuditEntry(row: AuditEntryRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    kioskId: row.kiosk_id,
    reservationId: row.reservation_id,
    action: row.action,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    outcome: row.outcome,
  };
}

/** A `kiosk_events` row as the kiosk page reads it. */
export interface KioskEventRow {
  event_id: string;
  type: string;
  at: number;
  received_at: number;
  data: string | null;
}

export function toStoredKioskEvent(row: KioskEventRow): StoredKioskEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    at: row.at,
    receivedAt: row.received_at,
    data: row.data === null ? {} : (JSON.parse(row.data) as StoredKioskEvent['data']),
  };
}

/**
 * One reservation as the funnel query returns it. `Flag` is how the engine returns EXISTS
 * (SQLite: 0 or 1; PostgreSQL: a boolean), read by the engine's `isSet`.
 */
export interface FunnelQueryRow<Flag> {
  procedure: Procedure;
  created_at: number;
  expires_at: number;
  status: string;
  chain: string | null;
  looked_up: Flag;
  verified: Flag;
}

export function toFunnelReservation<Flag>(
  row: FunnelQueryRow<Flag>,
  isSet: (flag: Flag) => boolean,
): FunnelReservation {
  return {
    procedure: row.procedure,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    chain: row.chain,
    lookedUp: isSet(row.looked_up),
    verified: isSet(row.verified),
  };
}

/** A challenge row as both engines read it. */
export interface ChallengeRow {
  purpose: string;
  kiosk_id: string | null;
  expires_at: number;
  used_at: number | null;
}

/**
 * Why a challenge cannot be used now — unknown (also another kiosk's or purpose's), used, expired
 * — or undefined when it can.
 */
export function challengeRefusalOf(
  row: ChallengeRow | undefined,
  input: { purpose: string; kioskId: string | null; now: number },
): Outcome<never> | undefined {
  if (!row || row.purpose !== input.purpose || row.kiosk_id !== input.kioskId)
    return refused('CHALLENGE_UNKNOWN');
  if (row.used_at !== null) return refused('CHALLENGE_USED');
  if (input.now >= row.expires_at) return refused('CHALLENGE_EXPIRED');
  return undefined;
}
