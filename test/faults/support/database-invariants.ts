import type Database from 'better-sqlite3';
import { DEFAULT_POLICY } from '../../../reservation-api/server/policy';
import {
  nextReservationState,
  type ReservationEvent,
  type ReservationState,
  type ReservationStatus,
} from '../../../state-machines/reservation/reservation-lifecycle';
import type { AcknowledgedLedger } from './acknowledged-ledger';

/**
 * Checks a reservation database after crashes: the audit trail is gap-free and replays, row by row,
 * through the lifecycle to each reservation's stored status; claims, lookups and reservations agree
 * with their audit rows in number; and every fact the API acknowledged is still there. Returns the
 * violations found (empty: consistent), each a sentence naming ids only.
 */

interface AuditRow {
  seq: number;
  at: number;
  reservation_id: string | null;
  action: string;
  from_status: string | null;
  to_status: string | null;
  outcome: string;
}
interface ReservationRow {
  id: string;
  card_ref: string;
  procedure: string;
  status: ReservationStatus;
  created_at: number;
  expires_at: number;
  claim_id: string | null;
  completed_at: number | null;
}
interface ClaimRow {
  id: string;
  reservation_id: string;
  outcome: string | null;
}

/** The lifecycle event an audit action stands for (lookups and refusals change nothing). */
function eventOf(row: AuditRow): ReservationEvent | undefined {
  const now = row.at;
  switch (row.action) {
    case 'claim':
      return { type: 'CLAIM', now, leaseExpiresAt: now + DEFAULT_POLICY.leaseMs };
    case 'complete':
      return { type: 'COMPLETE' };
    case 'release':
      return { type: 'RELEASE' };
    case 'lease-lapse':
      return { type: 'LEASE_LAPSE', now };
    case 'expire':
      return { type: 'EXPIRE', now };
    case 'cancel':
      return { type: 'CANCEL', now };
    case 'supersede':
      return { type: 'SUPERSEDE', now };
    default:
      return undefined;
  }
}

function count(db: Database.Database, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

export function databaseViolations(db: Database.Database): string[] {
  const problems: string[] = [];
  const audit = db.prepare('SELECT * FROM audit ORDER BY seq').all() as AuditRow[];
  audit.forEach((row, i) => {
    if (row.seq !== i + 1) problems.push(`audit seq ${row.seq} at position ${i + 1}: a row is missing`);
  });

  const reservations = db.prepare('SELECT * FROM reservations').all() as ReservationRow[];
  const claims = new Map(
    (db.prepare('SELECT id, reservation_id, outcome FROM claims').all() as ClaimRow[]).map((c) => [c.id, c]),
  );
  const byReservation = new Map<string, AuditRow[]>();
  for (const row of audit) {
    if (row.reservation_id === null) continue;
    byReservation.set(row.reservation_id, [...(byReservation.get(row.reservation_id) ?? []), row]);
  }

  for (const reservation of reservations) {
    const rows = (byReservation.get(reservation.id) ?? []).filter((row) => row.to_status !== null);
    const [created, ...changes] = rows;
    if (
      !created ||
      created.action !== 'create' ||
      created.from_status !== null ||
      created.to_status !== 'active'
    ) {
      problems.push(`reservation ${reservation.id}: its first audit row is not its creation`);
      continue;
    }
    let state: ReservationState = {
      status: 'active',
      facts: { expiresAt: reservation.expires_at, leaseExpiresAt: null },
    };
    for (const row of changes) {
      if (row.from_status !== state.status) {
        problems.push(
          `reservation ${reservation.id}: audit ${row.seq} ${row.action} starts from ${row.from_status}, not ${state.status}`,
        );
        break;
      }
      const event = eventOf(row);
      if (!event) {
        if (row.to_status !== state.status)
          problems.push(`reservation ${reservation.id}: audit ${row.seq} ${row.action} changed the status`);
        continue;
      }
      const next = nextReservationState(state, event);
      if (!next || next.status !== row.to_status) {
        problems.push(
          `reservation ${reservation.id}: audit ${row.seq} ${state.status} -${row.action}-> ${row.to_status} is not a lifecycle step`,
        );
        break;
      }
      state = next;
    }
    if (state.status !== reservation.status) {
      problems.push(
        `reservation ${reservation.id}: stored ${reservation.status}, its audit trail ends in ${state.status}`,
      );
    }
    const claim = reservation.claim_id === null ? undefined : claims.get(reservation.claim_id);
    if (reservation.status === 'claimed' && claim?.outcome !== null) {
      problems.push(`reservation ${reservation.id}: claimed without an open claim`);
    }
    if (
      reservation.status === 'completed' &&
      (claim?.outcome !== 'completed' || reservation.completed_at === null)
    ) {
      problems.push(`reservation ${reservation.id}: completed without its completed claim`);
    }
    const open = [...claims.values()].filter(
      (c) => c.reservation_id === reservation.id && c.outcome === null,
    );
    if (open.length > (reservation.status === 'claimed' ? 1 : 0)) {
      problems.push(`reservation ${reservation.id}: ${open.length} open claims while ${reservation.status}`);
    }
  }

  const tally: [string, string, string][] = [
    [
      'reservations',
      'SELECT count(*) AS n FROM reservations',
      "SELECT count(*) AS n FROM audit WHERE action = 'create' AND to_status = 'active'",
    ],
    [
      'lookups',
      'SELECT count(*) AS n FROM lookups',
      "SELECT count(*) AS n FROM audit WHERE action = 'lookup' AND outcome = 'ok'",
    ],
    [
      'claims',
      'SELECT count(*) AS n FROM claims',
      "SELECT count(*) AS n FROM audit WHERE action = 'claim' AND to_status = 'claimed'",
    ],
    [
      'completions',
      "SELECT count(*) AS n FROM claims WHERE outcome = 'completed'",
      "SELECT count(*) AS n FROM audit WHERE action = 'complete' AND to_status = 'completed'",
    ],
    [
      'releases',
      "SELECT count(*) AS n FROM claims WHERE outcome = 'released'",
      "SELECT count(*) AS n FROM audit WHERE action = 'release' AND to_status IS NOT NULL",
    ],
  ];
  for (const [what, rowsSql, auditSql] of tally) {
    const [rows, audited] = [count(db, rowsSql), count(db, auditSql)];
    if (rows !== audited) problems.push(`${what}: ${rows} rows but ${audited} audit rows`);
  }
  if (
    count(
      db,
      "SELECT count(*) AS n FROM (SELECT card_ref, procedure FROM reservations WHERE status = 'active' GROUP BY 1, 2 HAVING count(*) > 1)",
    ) > 0
  ) {
    problems.push('a card has two active reservations of one procedure');
  }
  return problems;
}

/** Every acknowledged fact that the database no longer shows. */
export function lostAcknowledgements(db: Database.Database, ledger: AcknowledgedLedger): string[] {
  const problems: string[] = [];
  const reservation = db.prepare('SELECT status, claim_id FROM reservations WHERE id = ?');
  const lookup = db.prepare('SELECT reservation_id FROM lookups WHERE id = ?');
  const claim = db.prepare('SELECT reservation_id, outcome FROM claims WHERE id = ?');
  for (const fact of ledger.facts) {
    const row = reservation.get(fact.reservationId) as
      { status: string; claim_id: string | null } | undefined;
    if (!row) {
      problems.push(`${fact.kind} of ${fact.reservationId}: the reservation is gone`);
      continue;
    }
    switch (fact.kind) {
      case 'lookup':
        if (
          (lookup.get(fact.lookupId) as { reservation_id: string } | undefined)?.reservation_id !==
          fact.reservationId
        )
          problems.push(`lookup ${fact.lookupId}: gone`);
        break;
      case 'claim':
        if (
          (claim.get(fact.claimId) as { reservation_id: string } | undefined)?.reservation_id !==
          fact.reservationId
        )
          problems.push(`claim ${fact.claimId}: gone`);
        break;
      case 'complete':
        if (row.status !== 'completed' || row.claim_id !== fact.claimId)
          problems.push(`completion of ${fact.reservationId}: now ${row.status}`);
        break;
      case 'release':
        if ((claim.get(fact.claimId) as { outcome: string | null } | undefined)?.outcome !== 'released')
          problems.push(`release of claim ${fact.claimId}: not recorded`);
        break;
      case 'cancel':
        if (row.status !== 'cancelled')
          problems.push(`cancellation of ${fact.reservationId}: now ${row.status}`);
        break;
      case 'create':
        break;
    }
  }
  return problems;
}
