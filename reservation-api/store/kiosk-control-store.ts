import type { AuditEntry, FleetAlert, Procedure } from '../contract';
import type { KioskRecord, Outcome } from './reservation-store';

/**
 * What operators do to one kiosk and what they look up about it (issue 16): remote actions
 * (maintenance, reader self-test, key rotation), each in one transaction with its audit row; the
 * kiosk page's facts; audit search; the reservation funnel. Part of the reservation store
 * (`ReservationStore.controls`), same engines and rules; one contract suite runs on both.
 */

export interface KioskMaintenance {
  reason: string;
  since: number;
  /** The operator's name. */
  by: string;
}

export interface KioskSelfTest {
  testId: string;
  requestedAt: number;
  requestedBy: string;
  /** null until the kiosk reports. */
  result: 'passed' | 'failed' | null;
  /** A short fact the kiosk gives with the result (e.g. the reader's state). */
  detail: string | null;
  reportedAt: number | null;
}

export interface KioskControl {
  kioskId: string;
  maintenance: KioskMaintenance | null;
  selfTest: KioskSelfTest | null;
}

export interface AuditSearch {
  reservationId?: string;
  kioskId?: string;
  /** Server time, inclusive. */
  from?: number;
  /** Server time, exclusive. */
  to?: number;
  afterSeq?: number;
  limit: number;
}

/** One kiosk event as the kiosk page shows it (flat facts the kiosk sent; never personal data). */
export interface StoredKioskEvent {
  eventId: string;
  type: string;
  /** Kiosk time. */
  at: number;
  /** Server time. */
  receivedAt: number;
  data: Record<string, string | number | boolean | null>;
}

/** Reservations made on one day (Japan time) and procedure, and how far they went, by the chain where they were used. */
export interface FunnelRow {
  /** `YYYY-MM-DD`, Japan time, of the reservation's creation. */
  day: string;
  procedure: Procedure;
  /** The chain of the kiosk that last found the reservation; `none` when no kiosk ever did. */
  chain: string;
  reservations: number;
  lookups: number;
  verified: number;
  completed: number;
  expiredUnused: number;
}

export interface KioskControlStore {
  /** The kiosk's control row (a kiosk without one: in service, no self-test); undefined for an unknown kiosk. */
  control(kioskId: string): Promise<KioskControl | undefined>;
  /** Kiosks in maintenance or with a self-test not reported yet (what heartbeat answers carry). */
  activeControls(): Promise<KioskControl[]>;
  /** Maintenance on (`reason`) or off (null), audited `kiosk-out-of-service` / `kiosk-in-service`. */
  setMaintenance(input: {
    kioskId: string;
    reason: string | null;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>>;
  /** Asks for a reader self-test (replaces one not reported yet), audited `kiosk-self-test-request`. */
  requestSelfTest(input: {
    kioskId: string;
    testId: string;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>>;
  /** The kiosk's result of the current test (false: not the current test, or already reported), audited `kiosk-self-test`. */
  recordSelfTest(input: {
    kioskId: string;
    testId: string;
    result: 'passed' | 'failed';
    detail: string | null;
    now: number;
  }): Promise<boolean>;
  /** Replaces the kiosk's public key (the old one is refused from now on), audited `kiosk-rotate-key`. */
  rotateKioskKey(input: {
    kioskId: string;
    publicKey: string;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskRecord>>;

  /** Audit rows matching every given criterion, by `seq`. */
  searchAudit(query: AuditSearch): Promise<AuditEntry[]>;
  /** The kiosk's stored events received in `from ≤ receivedAt < to`, oldest first, at most `limit`. */
  kioskEvents(input: {
    kioskId: string;
    from: number;
    to: number;
    limit: number;
  }): Promise<StoredKioskEvent[]>;
  /** The kiosk's alerts open now or updated since `since`, newest first. */
  alertsOfKiosk(input: { kioskId: string; since: number }): Promise<FleetAlert[]>;
  /**
   * The funnel of reservations created in `from ≤ createdAt < to`, as of `now` (an active one past
   * its 24 hours counts as expired, swept or not).
   */
  funnel(input: { from: number; to: number; now: number }): Promise<FunnelRow[]>;
}

/** Japan time (UTC+9, no daylight saving) day of an instant, `YYYY-MM-DD`. */
export function japanDay(at: number): string {
  return new Date(at + 9 * 3_600_000).toISOString().slice(0, 10);
}

/** One reservation's progress, as both engines read it for the funnel. */
export interface FunnelReservation {
  procedure: Procedure;
  createdAt: number;
  expiresAt: number;
  status: string;
  chain: string | null;
  lookedUp: boolean;
  verified: boolean;
}

/** The funnel rows of reservations (grouped by day, procedure, chain; sorted the same way). */
export function funnelRows(reservations: readonly FunnelReservation[], now: number): FunnelRow[] {
  const groups = new Map<string, FunnelRow>();
  for (const r of reservations) {
    const day = japanDay(r.createdAt);
    const chain = r.chain ?? 'none';
    const key = `${day}|${r.procedure}|${chain}`;
    let row = groups.get(key);
    if (!row) {
      row = {
        day,
        procedure: r.procedure,
        chain,
        reservations: 0,
        lookups: 0,
        verified: 0,
        completed: 0,
        expiredUnused: 0,
      };
      groups.set(key, row);
    }
    row.reservations += 1;
    if (r.lookedUp) row.lookups += 1;
    if (r.verified) row.verified += 1;
    if (r.status === 'completed') row.completed += 1;
    if (r.status === 'expired' || (r.status === 'active' && r.expiresAt <= now)) row.expiredUnused += 1;
  }
  return [...groups.values()].sort((a, b) =>
    a.day !== b.day
      ? a.day < b.day
        ? -1
        : 1
      : a.procedure !== b.procedure
        ? a.procedure < b.procedure
          ? -1
          : 1
        : a.chain < b.chain
          ? -1
          : a.chain > b.chain
            ? 1
            : 0,
  );
}
