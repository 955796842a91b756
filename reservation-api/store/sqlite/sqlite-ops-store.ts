import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ApiErrorCode, FleetAlert, KioskEvent, ReservationStats } from '../../contract';
import type {
  AlertDetailUpdate,
  FedKioskEvent,
  NewAlert,
  OperatorSession,
  OperatorListing,
  OpsStore,
  SessionRollupRow,
} from '../ops-store';
import type { Outcome } from '../reservation-store';
import { type AlertRow, toAlert } from '../store-rows';
import type { GroupCommit } from './group-commit';
import { transactionWriter } from './transaction-writer';
import { countsByKiosk, sessionCause } from '../../fleet/session-facts';

/**
 * Operator monitoring on SQLite, on the store's one connection and its group commit: writes resolve
 * once on disk, reads that are shown to an operator once what they saw is on disk. Alerts and their
 * acknowledgements go with their audit row; logins and logouts are durable too. Only the "last
 * used" touch of a login session does not wait (losing one merely shortens the idle timeout). The
 * session rollup is written by the reservation store in the transaction that accepts the events
 * (exactly once per event).
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export class SqliteOpsStore implements OpsStore {
  private readonly statements;
  private readonly sessionStatements;

  /** One IMMEDIATE transaction, resolved once what it changed is on disk. */
  private readonly write: <T>(work: () => T) => Promise<T>;

  constructor(
    db: Database.Database,
    private readonly commits: GroupCommit,
  ) {
    this.write = transactionWriter(db, commits);
    const prepare = <P extends unknown[] | object = unknown[], R = unknown>(sql: string) =>
      db.prepare<P, R>(sql);
    this.sessionStatements = {
      insert: prepare<[string, string, number, number, number]>(
        `INSERT INTO operator_sessions (session_hash, operator_id, created_at, last_used_at, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      get: prepare<
        [string],
        {
          created_at: number;
          last_used_at: number;
          expires_at: number;
          id: string;
          name: string;
          role: 'admin' | 'viewer';
          operator_created_at: number;
        }
      >(
        `SELECT s.created_at, s.last_used_at, s.expires_at, o.id, o.name, o.role, o.created_at AS operator_created_at
         FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.session_hash = ?`,
      ),
      touch: prepare<[number, string]>(
        'UPDATE operator_sessions SET last_used_at = max(last_used_at, ?) WHERE session_hash = ?',
      ),
      delete: prepare<[string]>('DELETE FROM operator_sessions WHERE session_hash = ?'),
      prune: prepare<[number, number]>(
        'DELETE FROM operator_sessions WHERE expires_at <= ? OR last_used_at < ?',
      ),
    };
    this.statements = {
      openAlerts: prepare<[], AlertRow>(
        'SELECT * FROM fleet_alerts WHERE resolved_at IS NULL ORDER BY opened_at DESC, id',
      ),
      recentAlerts: prepare<[number], AlertRow>(
        `SELECT * FROM fleet_alerts ORDER BY resolved_at IS NOT NULL, coalesce(resolved_at, opened_at) DESC, id
         LIMIT ?`,
      ),
      alert: prepare<[string], AlertRow>('SELECT * FROM fleet_alerts WHERE id = ?'),
      openAlertOf: prepare<[string, string], AlertRow>(
        'SELECT * FROM fleet_alerts WHERE kind = ? AND subject = ? AND resolved_at IS NULL',
      ),
      insertAlert: prepare<
        [string, string, string, string | null, string, string, string, string, number, number]
      >(
        `INSERT INTO fleet_alerts
           (id, kind, severity, kiosk_id, subject, detail, detail_key, detail_params, opened_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateDetail: prepare<[string, string, string, number, string]>(
        `UPDATE fleet_alerts SET detail = ?, detail_key = ?, detail_params = ?, updated_at = ?
         WHERE id = ? AND resolved_at IS NULL`,
      ),
      resolve: prepare<[number, number, string]>(
        'UPDATE fleet_alerts SET resolved_at = ?, updated_at = ? WHERE id = ? AND resolved_at IS NULL',
      ),
      acknowledge: prepare<[number, string, string]>(
        `UPDATE fleet_alerts SET acknowledged_at = ?, acknowledged_by = ?
         WHERE id = ? AND acknowledged_at IS NULL`,
      ),
      pruneAlerts: prepare<[number]>(
        'DELETE FROM fleet_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?',
      ),
      operatorByName: prepare<[string], { id: string }>('SELECT id FROM operators WHERE name = ?'),
      // 'revoked:' + random: not hex, so no token's SHA-256 can ever match it again.
      replaceTokenHash: prepare<[string, string]>('UPDATE operators SET token_hash = ? WHERE id = ?'),
      listOperators: prepare<
        { now: number; idleBefore: number },
        {
          id: string;
          name: string;
          role: 'admin' | 'viewer';
          created_at: number;
          revoked: number;
          open_logins: number;
        }
      >(
        // The token hash is read only to tell a revoked one ('revoked:…') and never leaves SQL.
        `SELECT o.id, o.name, o.role, o.created_at, o.token_hash GLOB 'revoked:*' AS revoked,
           (SELECT count(*) FROM operator_sessions s
            WHERE s.operator_id = o.id AND s.expires_at > @now AND s.last_used_at > @idleBefore) AS open_logins
         FROM operators o ORDER BY o.name`,
      ),
      deleteOperatorSessions: prepare<[string]>('DELETE FROM operator_sessions WHERE operator_id = ?'),
      auditOperatorRevoke: prepare<[number, string, string]>(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES (?, ?, NULL, NULL, 'operator-revoke', NULL, NULL, ?)`,
      ),
      insertAudit: prepare<[number, string, string | null, string]>(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES (?, ?, ?, NULL, 'alert-acknowledge', NULL, NULL, ?)`,
      ),
      eventsAfter: prepare<
        [number, number],
        { seq: number; kiosk_id: string; event_id: string; type: string; at: number; data: string | null }
      >(
        `SELECT rowid AS seq, kiosk_id, event_id, type, at, data FROM kiosk_events
         WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      ),
      lastEventSeq: prepare<[], { seq: number | null }>('SELECT max(rowid) AS seq FROM kiosk_events'),
      // The minute bucket is the chart's (minuteBucketOf: the kiosk's time kept within the day
      // before the server's receipt), so the alert and the chart count the same sessions.
      failedOfKiosk: prepare<[string, number, number, number], { n: number }>(
        `SELECT count(*) AS n FROM kiosk_events
         WHERE kiosk_id = ? AND received_at >= ? AND type = 'session.ended'
           AND json_extract(data, '$.outcome') = 'failed'
           AND (min(max(at, received_at - 86400000), received_at) / 60000) * 60000 BETWEEN ? AND ?`,
      ),
      failedOfKioskByCause: prepare<[string, number, number, number], { cause: string | null; n: number }>(
        `SELECT json_extract(data, '$.error') AS cause, count(*) AS n FROM kiosk_events
         WHERE kiosk_id = ? AND received_at >= ? AND type = 'session.ended'
           AND json_extract(data, '$.outcome') = 'failed'
           AND (min(max(at, received_at - 86400000), received_at) / 60000) * 60000 BETWEEN ? AND ?
         GROUP BY 1`,
      ),
      failedByKioskAndCause: prepare<
        [number, number, number],
        { kiosk_id: string; cause: string | null; n: number }
      >(
        `SELECT kiosk_id, json_extract(data, '$.error') AS cause, count(*) AS n FROM kiosk_events
         WHERE received_at >= ? AND type = 'session.ended'
           AND json_extract(data, '$.outcome') = 'failed'
           AND (min(max(at, received_at - 86400000), received_at) / 60000) * 60000 BETWEEN ? AND ?
         GROUP BY 1, 2`,
      ),
      rollup: prepare<[number, number], SessionRollupRow>(
        'SELECT bucket, outcome, cause, count FROM session_rollup WHERE bucket >= ? AND bucket < ? ORDER BY bucket',
      ),
      fleetFailures: prepare<[string, number], { n: number | null }>(
        "SELECT sum(count) AS n FROM session_rollup WHERE outcome = 'failed' AND cause = ? AND bucket >= ?",
      ),
      auditedRefusals: prepare<[string, number], { n: number }>(
        // The literal `outcome <> 'ok'` lets the planner use the refusals-only index (migration 13).
        "SELECT count(*) AS n FROM audit WHERE outcome = ? AND outcome <> 'ok' AND at >= ?",
      ),
      pruneRollup: prepare<[number]>('DELETE FROM session_rollup WHERE bucket < ?'),
      // kiosk_events has no INTEGER PRIMARY KEY: SQLite would reuse rowids after the newest row is
      // deleted, and the monitor's feed (rowid order) would skip new events. Keep the newest row.
      pruneEvents: prepare<[number, number]>(
        `DELETE FROM kiosk_events WHERE rowid IN (
           SELECT rowid FROM kiosk_events
           WHERE received_at < ? AND rowid < (SELECT max(rowid) FROM kiosk_events)
           ORDER BY received_at LIMIT ?)`,
      ),
      reservationCounts: prepare<[], { status: string; n: number }>(
        'SELECT status, n FROM reservation_counts',
      ),
      activeButDue: prepare<[number], { n: number }>(
        "SELECT count(*) AS n FROM reservations WHERE status = 'active' AND expires_at <= ?",
      ),
      createdSince: prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM reservations WHERE created_at > ?',
      ),
    };
  }

  // ── operator sessions ───────────────────────────────────────────────────────────────────────

  async createOperatorSession(input: {
    sessionHash: string;
    operatorId: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.write(() =>
      this.sessionStatements.insert.run(
        input.sessionHash,
        input.operatorId,
        input.now,
        input.now,
        input.expiresAt,
      ),
    );
  }

  async operatorSession(sessionHash: string): Promise<OperatorSession | undefined> {
    // An authentication lookup, never shown: it does not wait for a sync.
    const row = this.sessionStatements.get.get(sessionHash);
    if (!row) return undefined;
    return {
      operator: { id: row.id, name: row.name, role: row.role, createdAt: row.operator_created_at },
      createdAt: row.created_at,
      lastUsedAt: row.last_used_at,
      expiresAt: row.expires_at,
    };
  }

  async touchOperatorSession(sessionHash: string, now: number): Promise<void> {
    this.sessionStatements.touch.run(now, sessionHash);
  }

  async deleteOperatorSession(sessionHash: string): Promise<void> {
    await this.write(() => this.sessionStatements.delete.run(sessionHash));
  }

  async pruneOperatorSessions(input: { now: number; idleBefore: number }): Promise<number> {
    return this.write(() => this.sessionStatements.prune.run(input.now, input.idleBefore).changes);
  }

  async revokeOperator(input: {
    name: string;
    actor: string;
    now: number;
  }): Promise<{ operatorId: string; sessionsEnded: number } | undefined> {
    return this.write(() => {
      const operator = this.statements.operatorByName.get(input.name);
      if (!operator) return undefined;
      this.statements.replaceTokenHash.run(`revoked:${randomBytes(16).toString('hex')}`, operator.id);
      const sessionsEnded = this.statements.deleteOperatorSessions.run(operator.id).changes;
      this.statements.auditOperatorRevoke.run(input.now, input.actor, `operator:${operator.id}`);
      return { operatorId: operator.id, sessionsEnded };
    });
  }

  async listOperators(input: { now: number; idleBefore: number }): Promise<OperatorListing[]> {
    const rows = this.statements.listOperators.all(input);
    return this.commits.settled(
      rows.map((row) => ({
        id: row.id,
        name: row.name,
        role: row.role,
        createdAt: row.created_at,
        revoked: row.revoked === 1,
        openLogins: row.open_logins,
      })),
    );
  }

  // ── alerts ──────────────────────────────────────────────────────────────────────────────────

  async openAlerts(): Promise<FleetAlert[]> {
    return this.commits.settled(this.statements.openAlerts.all().map(toAlert));
  }

  async recentAlerts(limit: number): Promise<FleetAlert[]> {
    return this.commits.settled(this.statements.recentAlerts.all(limit).map(toAlert));
  }

  async openAlert(input: NewAlert): Promise<FleetAlert> {
    const subject = input.kioskId ?? 'fleet';
    return this.write(() => {
      const open = this.statements.openAlertOf.get(input.kind, subject);
      if (open) return toAlert(open);
      this.statements.insertAlert.run(
        input.alertId,
        input.kind,
        input.severity,
        input.kioskId,
        subject,
        input.detail,
        input.detailKey,
        JSON.stringify(input.detailParams),
        input.now,
        input.now,
      );
      return toAlert(this.alertRow(input.alertId));
    });
  }

  async updateAlertDetail(input: AlertDetailUpdate): Promise<FleetAlert | undefined> {
    return this.write(() => {
      this.statements.updateDetail.run(
        input.detail,
        input.detailKey,
        JSON.stringify(input.detailParams),
        input.now,
        input.alertId,
      );
      const row = this.statements.alert.get(input.alertId);
      return row ? toAlert(row) : undefined;
    });
  }

  async resolveAlert(input: { alertId: string; now: number }): Promise<FleetAlert | undefined> {
    return this.write(() => {
      this.statements.resolve.run(input.now, input.now, input.alertId);
      const row = this.statements.alert.get(input.alertId);
      return row ? toAlert(row) : undefined;
    });
  }

  async acknowledgeAlert(input: {
    alertId: string;
    operatorName: string;
    now: number;
  }): Promise<Outcome<FleetAlert>> {
    return this.write((): Outcome<FleetAlert> => {
      const row = this.statements.alert.get(input.alertId);
      if (!row) return { ok: false, code: 'ALERT_NOT_FOUND' };
      if (row.acknowledged_at === null) {
        this.statements.acknowledge.run(input.now, input.operatorName, input.alertId);
        this.statements.insertAudit.run(
          input.now,
          `operator:${input.operatorName}`,
          row.kiosk_id,
          `${row.kind}:${row.id}`,
        );
      }
      return { ok: true, value: toAlert(this.alertRow(input.alertId)) };
    });
  }

  async pruneResolvedAlerts(before: number): Promise<number> {
    return this.write(() => this.statements.pruneAlerts.run(before).changes);
  }

  // ── kiosk events and sessions ───────────────────────────────────────────────────────────────

  async kioskEventsAfter(afterSeq: number, limit: number): Promise<FedKioskEvent[]> {
    return this.commits.settled(
      this.statements.eventsAfter.all(afterSeq, limit).map((row) => ({
        seq: row.seq,
        kioskId: row.kiosk_id,
        id: row.event_id,
        type: row.type,
        at: row.at,
        ...(row.data === null ? {} : { data: JSON.parse(row.data) as NonNullable<KioskEvent['data']> }),
      })),
    );
  }

  async lastKioskEventSeq(): Promise<number> {
    return this.statements.lastEventSeq.get()?.seq ?? 0;
  }

  async failedSessionsOfKiosk(input: { kioskId: string; from: number; to: number }): Promise<number> {
    // A session counted in bucket ≥ from was received no earlier than that bucket.
    return this.statements.failedOfKiosk.get(input.kioskId, input.from, input.from, input.to - 1)?.n ?? 0;
  }

  async failedSessionsOfKioskByCause(input: {
    kioskId: string;
    from: number;
    to: number;
  }): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const row of this.statements.failedOfKioskByCause.all(
      input.kioskId,
      input.from,
      input.from,
      input.to - 1,
    )) {
      const cause = sessionCause(row.cause);
      counts[cause] = (counts[cause] ?? 0) + row.n;
    }
    return counts;
  }

  async failedSessionsByKioskAndCause(input: {
    from: number;
    to: number;
  }): Promise<Map<string, Record<string, number>>> {
    return countsByKiosk(this.statements.failedByKioskAndCause.all(input.from, input.from, input.to - 1));
  }

  async sessionRollup(input: { from: number; to: number }): Promise<SessionRollupRow[]> {
    return this.commits.settled(this.statements.rollup.all(input.from, input.to));
  }

  async fleetFailures(input: { cause: string; since: number }): Promise<number> {
    return this.statements.fleetFailures.get(input.cause, input.since)?.n ?? 0;
  }

  async auditedRefusals(input: { code: ApiErrorCode; since: number }): Promise<number> {
    return this.statements.auditedRefusals.get(input.code, input.since)?.n ?? 0;
  }

  async pruneSessionRollup(before: number): Promise<number> {
    return this.write(() => this.statements.pruneRollup.run(before).changes);
  }

  async pruneKioskEvents(input: { before: number; limit: number }): Promise<number> {
    return this.write(() => this.statements.pruneEvents.run(input.before, input.limit).changes);
  }

  async reservationStats(now: number): Promise<ReservationStats> {
    const counts = new Map(this.statements.reservationCounts.all().map((row) => [row.status, row.n]));
    const count = (status: string) => counts.get(status) ?? 0;
    // Active ones past their 24 hours are expired already, whether or not a sweep has marked them.
    const due = this.statements.activeButDue.get(now)?.n ?? 0;
    return this.commits.settled({
      active: count('active') - due,
      claimed: count('claimed'),
      completed: count('completed'),
      expired: count('expired') + due,
      cancelled: count('cancelled'),
      superseded: count('superseded'),
      createdLast24h: this.statements.createdSince.get(now - DAY_MS)?.n ?? 0,
    });
  }

  private alertRow(id: string): AlertRow {
    const row = this.statements.alert.get(id);
    if (!row) throw new Error(`alert ${id} vanished inside a transaction`);
    return row;
  }
}
