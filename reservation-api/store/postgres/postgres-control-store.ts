import type pg from 'pg';
import type { AuditEntry, FleetAlert } from '../../contract';
import {
  type AuditSearch,
  funnelRows,
  type FunnelRow,
  type KioskControl,
  type KioskControlStore,
  type StoredKioskEvent,
} from '../kiosk-control-store';
import type { KioskRecord, Outcome } from '../reservation-store';
import {
  type AlertRow,
  type AuditEntryRow,
  type FunnelQueryRow,
  type KioskControlRow,
  type KioskEventRow,
  type KioskRow,
  ok,
  refused,
  toAlert,
  toAuditEntry,
  toFunnelReservation,
  toKiosk,
  toKioskControl,
  toStoredKioskEvent,
} from '../store-rows';
import { changes, inTransaction, row, rows, type Tx } from './transaction';

/** Remote actions, the kiosk page, audit search and the funnel on PostgreSQL (same rules as SQLite). */
export class PostgresControlStore implements KioskControlStore {
  constructor(private readonly pool: pg.Pool) {}

  async control(kioskId: string): Promise<KioskControl | undefined> {
    const kiosk = await row<{ id: string }>(this.pool, 'SELECT id FROM kiosks WHERE id = $1', [kioskId]);
    if (!kiosk) return undefined;
    return toKioskControl(kioskId, await this.controlRow(this.pool, kioskId));
  }

  async activeControls(): Promise<KioskControl[]> {
    const found = await rows<KioskControlRow>(
      this.pool,
      `SELECT * FROM kiosk_controls
       WHERE maintenance_reason IS NOT NULL OR (self_test_id IS NOT NULL AND self_test_result IS NULL)`,
    );
    return found.map((r) => toKioskControl(r.kiosk_id, r));
  }

  async setMaintenance(input: {
    kioskId: string;
    reason: string | null;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>> {
    return inTransaction(this.pool, async (tx) => {
      if (!(await this.lockKiosk(tx, input.kioskId))) return refused('KIOSK_NOT_FOUND');
      const on = input.reason !== null;
      await tx.query(
        `UPDATE kiosk_controls SET maintenance_reason = $1, maintenance_since = $2, maintenance_by = $3
         WHERE kiosk_id = $4`,
        [input.reason, on ? input.now : null, on ? input.operator : null, input.kioskId],
      );
      await this.audit(tx, input, on ? 'kiosk-out-of-service' : 'kiosk-in-service', 'ok');
      return ok(toKioskControl(input.kioskId, await this.controlRow(tx, input.kioskId)));
    });
  }

  async requestSelfTest(input: {
    kioskId: string;
    testId: string;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>> {
    return inTransaction(this.pool, async (tx) => {
      if (!(await this.lockKiosk(tx, input.kioskId))) return refused('KIOSK_NOT_FOUND');
      await tx.query(
        `UPDATE kiosk_controls SET self_test_id = $1, self_test_requested_at = $2, self_test_requested_by = $3,
           self_test_result = NULL, self_test_detail = NULL, self_test_reported_at = NULL
         WHERE kiosk_id = $4`,
        [input.testId, input.now, input.operator, input.kioskId],
      );
      await this.audit(tx, input, 'kiosk-self-test-request', 'ok');
      return ok(toKioskControl(input.kioskId, await this.controlRow(tx, input.kioskId)));
    });
  }

  async recordSelfTest(input: {
    kioskId: string;
    testId: string;
    result: 'passed' | 'failed';
    detail: string | null;
    now: number;
  }): Promise<boolean> {
    return inTransaction(this.pool, async (tx) => {
      const changed = await changes(
        tx,
        `UPDATE kiosk_controls SET self_test_result = $1, self_test_detail = $2, self_test_reported_at = $3
         WHERE kiosk_id = $4 AND self_test_id = $5 AND self_test_result IS NULL`,
        [input.result, input.detail, input.now, input.kioskId, input.testId],
      );
      if (changed === 0) return false;
      await tx.query(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES ($1, $2, $3, NULL, 'kiosk-self-test', NULL, NULL, $4)`,
        [input.now, `kiosk:${input.kioskId}`, input.kioskId, input.result],
      );
      return true;
    });
  }

  async rotateKioskKey(input: {
    kioskId: string;
    publicKey: string;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskRecord>> {
    return inTransaction(this.pool, async (tx) => {
      const found = await row<KioskRow>(tx, 'SELECT * FROM kiosks WHERE id = $1 FOR UPDATE', [input.kioskId]);
      if (!found) return refused('KIOSK_NOT_FOUND');
      if (found.revoked_at !== null) return refused('KIOSK_REVOKED');
      await tx.query('UPDATE kiosks SET public_key = $1 WHERE id = $2', [input.publicKey, input.kioskId]);
      await this.audit(tx, input, 'kiosk-rotate-key', 'ok');
      return ok(toKiosk({ ...found, public_key: input.publicKey }));
    });
  }

  async searchAudit(query: AuditSearch): Promise<AuditEntry[]> {
    const found = await rows<AuditEntryRow>(
      this.pool,
      `SELECT * FROM audit
       WHERE seq > $1
         AND ($2::text IS NULL OR reservation_id = $2)
         AND ($3::text IS NULL OR kiosk_id = $3)
         AND ($4::bigint IS NULL OR at >= $4)
         AND ($5::bigint IS NULL OR at < $5)
       ORDER BY seq LIMIT $6`,
      [
        query.afterSeq ?? 0,
        query.reservationId ?? null,
        query.kioskId ?? null,
        query.from ?? null,
        query.to ?? null,
        query.limit,
      ],
    );
    return found.map(toAuditEntry);
  }

  async kioskEvents(input: {
    kioskId: string;
    from: number;
    to: number;
    limit: number;
  }): Promise<StoredKioskEvent[]> {
    const found = await rows<KioskEventRow>(
      this.pool,
      `SELECT event_id, type, at, received_at, data FROM kiosk_events
       WHERE kiosk_id = $1 AND received_at >= $2 AND received_at < $3
       ORDER BY received_at, seq LIMIT $4`,
      [input.kioskId, input.from, input.to, input.limit],
    );
    return found.map(toStoredKioskEvent);
  }

  async alertsOfKiosk(input: { kioskId: string; since: number }): Promise<FleetAlert[]> {
    const found = await rows<AlertRow>(
      this.pool,
      `SELECT * FROM fleet_alerts WHERE kiosk_id = $1 AND (resolved_at IS NULL OR updated_at >= $2)
       ORDER BY opened_at DESC, id`,
      [input.kioskId, input.since],
    );
    return found.map(toAlert);
  }

  async funnel(input: { from: number; to: number; now: number }): Promise<FunnelRow[]> {
    // PostgreSQL returns EXISTS as a boolean.
    const found = await rows<FunnelQueryRow<boolean>>(
      this.pool,
      `SELECT r.procedure, r.created_at, r.expires_at, r.status,
         (SELECT k.chain FROM audit a JOIN kiosks k ON k.id = a.kiosk_id
          WHERE a.reservation_id = r.id AND a.action = 'lookup' AND a.outcome = 'ok'
          ORDER BY a.seq DESC LIMIT 1) AS chain,
         EXISTS (SELECT 1 FROM audit a WHERE a.reservation_id = r.id AND a.action = 'lookup' AND a.outcome = 'ok')
           AS looked_up,
         EXISTS (SELECT 1 FROM audit a WHERE a.reservation_id = r.id AND a.action = 'claim' AND a.outcome = 'ok')
           AS verified
       FROM reservations r WHERE r.created_at >= $1 AND r.created_at < $2`,
      [input.from, input.to],
    );
    return funnelRows(
      found.map((r) => toFunnelReservation(r, (flag) => flag)),
      input.now,
    );
  }

  /** Locks the kiosk row and makes sure it has a control row; false for an unknown kiosk. */
  private async lockKiosk(tx: Tx, kioskId: string): Promise<boolean> {
    const found = await row<{ id: string }>(tx, 'SELECT id FROM kiosks WHERE id = $1 FOR UPDATE', [kioskId]);
    if (!found) return false;
    await tx.query('INSERT INTO kiosk_controls (kiosk_id) VALUES ($1) ON CONFLICT (kiosk_id) DO NOTHING', [
      kioskId,
    ]);
    return true;
  }

  private async controlRow(db: pg.Pool | Tx, kioskId: string): Promise<KioskControlRow | undefined> {
    return row<KioskControlRow>(db, 'SELECT * FROM kiosk_controls WHERE kiosk_id = $1', [kioskId]);
  }

  private async audit(
    tx: Tx,
    input: { kioskId: string; operator: string; now: number },
    action: string,
    outcome: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
       VALUES ($1, $2, $3, NULL, $4, NULL, NULL, $5)`,
      [input.now, `operator:${input.operator}`, input.kioskId, action, outcome],
    );
  }
}
