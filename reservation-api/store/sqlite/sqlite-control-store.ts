import type Database from 'better-sqlite3';
import type { FleetAlert } from '../../contract';
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
import type { GroupCommit } from './group-commit';
import { transactionWriter } from './transaction-writer';

/** Remote actions, the kiosk page, audit search and the funnel on SQLite (the store's connection). */
export class SqliteControlStore implements KioskControlStore {
  private readonly write: <T>(work: () => T) => Promise<T>;
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly commits: GroupCommit,
  ) {
    this.write = transactionWriter(db, commits);
    const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string) =>
      db.prepare<P, R>(sql);
    this.statements = {
      kiosk: prepare<[string], KioskRow>('SELECT * FROM kiosks WHERE id = ?'),
      control: prepare<[string], KioskControlRow>('SELECT * FROM kiosk_controls WHERE kiosk_id = ?'),
      active: prepare<[], KioskControlRow>(
        `SELECT * FROM kiosk_controls
         WHERE maintenance_reason IS NOT NULL OR (self_test_id IS NOT NULL AND self_test_result IS NULL)`,
      ),
      ensure: prepare<[string]>(
        'INSERT INTO kiosk_controls (kiosk_id) VALUES (?) ON CONFLICT (kiosk_id) DO NOTHING',
      ),
      maintenance: prepare<[string | null, number | null, string | null, string]>(
        `UPDATE kiosk_controls SET maintenance_reason = ?, maintenance_since = ?, maintenance_by = ?
         WHERE kiosk_id = ?`,
      ),
      selfTest: prepare<[string, number, string, string]>(
        `UPDATE kiosk_controls SET self_test_id = ?, self_test_requested_at = ?, self_test_requested_by = ?,
           self_test_result = NULL, self_test_detail = NULL, self_test_reported_at = NULL
         WHERE kiosk_id = ?`,
      ),
      selfTestResult: prepare<[string, string | null, number, string, string]>(
        `UPDATE kiosk_controls SET self_test_result = ?, self_test_detail = ?, self_test_reported_at = ?
         WHERE kiosk_id = ? AND self_test_id = ? AND self_test_result IS NULL`,
      ),
      rotateKey: prepare<[string, string]>('UPDATE kiosks SET public_key = ? WHERE id = ?'),
      insertAudit: prepare<[number, string, string, string, string]>(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES (?, ?, ?, NULL, ?, NULL, NULL, ?)`,
      ),
      searchAudit: prepare<
        {
          reservationId: string | null;
          kioskId: string | null;
          from: number | null;
          to: number | null;
          afterSeq: number;
          limit: number;
        },
        AuditEntryRow
      >(
        `SELECT * FROM audit
         WHERE seq > @afterSeq
           AND (@reservationId IS NULL OR reservation_id = @reservationId)
           AND (@kioskId IS NULL OR kiosk_id = @kioskId)
           AND (@from IS NULL OR at >= @from)
           AND (@to IS NULL OR at < @to)
         ORDER BY seq LIMIT @limit`,
      ),
      events: prepare<[string, number, number, number], KioskEventRow>(
        `SELECT event_id, type, at, received_at, data FROM kiosk_events
         WHERE kiosk_id = ? AND received_at >= ? AND received_at < ?
         ORDER BY received_at, rowid LIMIT ?`,
      ),
      alerts: prepare<[string, number], AlertRow>(
        `SELECT * FROM fleet_alerts WHERE kiosk_id = ? AND (resolved_at IS NULL OR updated_at >= ?)
         ORDER BY opened_at DESC, id`,
      ),
      // SQLite returns EXISTS as 0 or 1.
      funnel: prepare<[number, number], FunnelQueryRow<number>>(
        `SELECT r.procedure, r.created_at, r.expires_at, r.status,
           (SELECT k.chain FROM audit a JOIN kiosks k ON k.id = a.kiosk_id
            WHERE a.reservation_id = r.id AND a.action = 'lookup' AND a.outcome = 'ok'
            ORDER BY a.seq DESC LIMIT 1) AS chain,
           EXISTS (SELECT 1 FROM audit a WHERE a.reservation_id = r.id AND a.action = 'lookup' AND a.outcome = 'ok')
             AS looked_up,
           EXISTS (SELECT 1 FROM audit a WHERE a.reservation_id = r.id AND a.action = 'claim' AND a.outcome = 'ok')
             AS verified
         FROM reservations r WHERE r.created_at >= ? AND r.created_at < ?`,
      ),
    };
  }

  async control(kioskId: string): Promise<KioskControl | undefined> {
    if (!this.statements.kiosk.get(kioskId)) return this.commits.settled(undefined);
    return this.commits.settled(toKioskControl(kioskId, this.statements.control.get(kioskId)));
  }

  async activeControls(): Promise<KioskControl[]> {
    return this.commits.settled(this.statements.active.all().map((row) => toKioskControl(row.kiosk_id, row)));
  }

  async setMaintenance(input: {
    kioskId: string;
    reason: string | null;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>> {
    return this.write(() => {
      if (!this.statements.kiosk.get(input.kioskId)) return refused('KIOSK_NOT_FOUND');
      this.statements.ensure.run(input.kioskId);
      const on = input.reason !== null;
      this.statements.maintenance.run(
        input.reason,
        on ? input.now : null,
        on ? input.operator : null,
        input.kioskId,
      );
      this.audit(input, on ? 'kiosk-out-of-service' : 'kiosk-in-service', 'ok');
      return ok(toKioskControl(input.kioskId, this.statements.control.get(input.kioskId)));
    });
  }

  async requestSelfTest(input: {
    kioskId: string;
    testId: string;
    operator: string;
    now: number;
  }): Promise<Outcome<KioskControl>> {
    return this.write(() => {
      if (!this.statements.kiosk.get(input.kioskId)) return refused('KIOSK_NOT_FOUND');
      this.statements.ensure.run(input.kioskId);
      this.statements.selfTest.run(input.testId, input.now, input.operator, input.kioskId);
      this.audit(input, 'kiosk-self-test-request', 'ok');
      return ok(toKioskControl(input.kioskId, this.statements.control.get(input.kioskId)));
    });
  }

  async recordSelfTest(input: {
    kioskId: string;
    testId: string;
    result: 'passed' | 'failed';
    detail: string | null;
    now: number;
  }): Promise<boolean> {
    return this.write(() => {
      const changed = this.statements.selfTestResult.run(
        input.result,
        input.detail,
        input.now,
        input.kioskId,
        input.testId,
      ).changes;
      if (changed === 0) return false;
      this.statements.insertAudit.run(
        input.now,
        `kiosk:${input.kioskId}`,
        input.kioskId,
        'kiosk-self-test',
        input.result,
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
    return this.write(() => {
      const row = this.statements.kiosk.get(input.kioskId);
      if (!row) return refused('KIOSK_NOT_FOUND');
      if (row.revoked_at !== null) return refused('KIOSK_REVOKED');
      this.statements.rotateKey.run(input.publicKey, input.kioskId);
      this.audit(input, 'kiosk-rotate-key', 'ok');
      return ok(toKiosk(this.statements.kiosk.get(input.kioskId) ?? row));
    });
  }

  async searchAudit(query: AuditSearch) {
    const rows = this.statements.searchAudit.all({
      reservationId: query.reservationId ?? null,
      kioskId: query.kioskId ?? null,
      from: query.from ?? null,
      to: query.to ?? null,
      afterSeq: query.afterSeq ?? 0,
      limit: query.limit,
    });
    return this.commits.settled(rows.map(toAuditEntry));
  }

  async kioskEvents(input: {
    kioskId: string;
    from: number;
    to: number;
    limit: number;
  }): Promise<StoredKioskEvent[]> {
    const rows = this.statements.events.all(input.kioskId, input.from, input.to, input.limit);
    return this.commits.settled(rows.map(toStoredKioskEvent));
  }

  async alertsOfKiosk(input: { kioskId: string; since: number }): Promise<FleetAlert[]> {
    return this.commits.settled(this.statements.alerts.all(input.kioskId, input.since).map(toAlert));
  }

  async funnel(input: { from: number; to: number; now: number }): Promise<FunnelRow[]> {
    const reservations = this.statements.funnel
      .all(input.from, input.to)
      .map((row) => toFunnelReservation(row, (flag) => flag === 1));
    return this.commits.settled(funnelRows(reservations, input.now));
  }

  private audit(
    input: { kioskId: string; operator: string; now: number },
    action: string,
    outcome: string,
  ): void {
    this.statements.insertAudit.run(input.now, `operator:${input.operator}`, input.kioskId, action, outcome);
  }
}
