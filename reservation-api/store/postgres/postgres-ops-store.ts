import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ApiErrorCode, FleetAlert, KioskEvent, ReservationStats } from '../../contract';
import { countsByKiosk, sessionCause } from '../../fleet/session-facts';
import { type AlertRow, toAlert } from '../store-rows';
import type {
  AlertDetailUpdate,
  FedKioskEvent,
  NewAlert,
  OperatorListing,
  OperatorSession,
  OpsStore,
  SessionRollupRow,
} from '../ops-store';
import type { Outcome } from '../reservation-store';
import { changes, inTransaction, row, rows, type Tx } from './transaction';

/**
 * Operator monitoring on PostgreSQL, on the reservation store's pool: the same answers as the
 * SQLite ops store. Every commit is durable before it resolves (synchronous_commit = on), so reads
 * never need to wait for a sync; races between instances are settled by the partial unique index
 * (one open alert per kind and subject) and conditional updates.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export class PostgresOpsStore implements OpsStore {
  constructor(private readonly pool: pg.Pool) {}

  // ── operator sessions ───────────────────────────────────────────────────────────────────────

  async createOperatorSession(input: {
    sessionHash: string;
    operatorId: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.pool.query(
      `INSERT INTO operator_sessions (session_hash, operator_id, created_at, last_used_at, expires_at)
       VALUES ($1, $2, $3, $3, $4)`,
      [input.sessionHash, input.operatorId, input.now, input.expiresAt],
    );
  }

  async operatorSession(sessionHash: string): Promise<OperatorSession | undefined> {
    const found = await row<{
      created_at: number;
      last_used_at: number;
      expires_at: number;
      id: string;
      name: string;
      role: 'admin' | 'viewer';
      operator_created_at: number;
    }>(
      this.pool,
      `SELECT s.created_at, s.last_used_at, s.expires_at, o.id, o.name, o.role, o.created_at AS operator_created_at
       FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.session_hash = $1`,
      [sessionHash],
    );
    if (!found) return undefined;
    return {
      operator: { id: found.id, name: found.name, role: found.role, createdAt: found.operator_created_at },
      createdAt: found.created_at,
      lastUsedAt: found.last_used_at,
      expiresAt: found.expires_at,
    };
  }

  async touchOperatorSession(sessionHash: string, now: number): Promise<void> {
    await this.pool.query(
      'UPDATE operator_sessions SET last_used_at = greatest(last_used_at, $1) WHERE session_hash = $2',
      [now, sessionHash],
    );
  }

  async deleteOperatorSession(sessionHash: string): Promise<void> {
    await this.pool.query('DELETE FROM operator_sessions WHERE session_hash = $1', [sessionHash]);
  }

  async pruneOperatorSessions(input: { now: number; idleBefore: number }): Promise<number> {
    return changes(this.pool, 'DELETE FROM operator_sessions WHERE expires_at <= $1 OR last_used_at < $2', [
      input.now,
      input.idleBefore,
    ]);
  }

  async revokeOperator(input: {
    name: string;
    actor: string;
    now: number;
  }): Promise<{ operatorId: string; sessionsEnded: number } | undefined> {
    return inTransaction(this.pool, async (tx) => {
      const operator = await row<{ id: string }>(tx, 'SELECT id FROM operators WHERE name = $1 FOR UPDATE', [
        input.name,
      ]);
      if (!operator) return undefined;
      // 'revoked:' + random: not hex, so no token's SHA-256 can ever match it again.
      await tx.query('UPDATE operators SET token_hash = $1 WHERE id = $2', [
        `revoked:${randomBytes(16).toString('hex')}`,
        operator.id,
      ]);
      const sessionsEnded = await changes(tx, 'DELETE FROM operator_sessions WHERE operator_id = $1', [
        operator.id,
      ]);
      await tx.query(
        `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
         VALUES ($1, $2, NULL, NULL, 'operator-revoke', NULL, NULL, $3)`,
        [input.now, input.actor, `operator:${operator.id}`],
      );
      return { operatorId: operator.id, sessionsEnded };
    });
  }

  async listOperators(input: { now: number; idleBefore: number }): Promise<OperatorListing[]> {
    const found = await rows<{
      id: string;
      name: string;
      role: 'admin' | 'viewer';
      created_at: number;
      revoked: boolean;
      open_logins: number;
    }>(
      this.pool,
      // The token hash is read only to tell a revoked one ('revoked:…') and never leaves SQL.
      `SELECT o.id, o.name, o.role, o.created_at, o.token_hash LIKE 'revoked:%' AS revoked,
         (SELECT count(*) FROM operator_sessions s
          WHERE s.operator_id = o.id AND s.expires_at > $1 AND s.last_used_at > $2) AS open_logins
       FROM operators o ORDER BY o.name`,
      [input.now, input.idleBefore],
    );
    return found.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role,
      createdAt: r.created_at,
      revoked: r.revoked,
      openLogins: r.open_logins,
    }));
  }

  // ── alerts ──────────────────────────────────────────────────────────────────────────────────

  async openAlerts(): Promise<FleetAlert[]> {
    const found = await rows<AlertRow>(
      this.pool,
      'SELECT * FROM fleet_alerts WHERE resolved_at IS NULL ORDER BY opened_at DESC, id',
    );
    return found.map(toAlert);
  }

  async recentAlerts(limit: number): Promise<FleetAlert[]> {
    const found = await rows<AlertRow>(
      this.pool,
      `SELECT * FROM fleet_alerts ORDER BY resolved_at IS NOT NULL, coalesce(resolved_at, opened_at) DESC, id
       LIMIT $1`,
      [limit],
    );
    return found.map(toAlert);
  }

  async openAlert(input: NewAlert): Promise<FleetAlert> {
    const subject = input.kioskId ?? 'fleet';
    return inTransaction(this.pool, async (tx) => {
      // Two instances opening the same alert at once: the partial unique index keeps one, and the
      // other answers with it.
      const opened = await row<AlertRow>(
        tx,
        `INSERT INTO fleet_alerts
           (id, kind, severity, kiosk_id, subject, detail, detail_key, detail_params, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (kind, subject) WHERE resolved_at IS NULL DO NOTHING
         RETURNING *`,
        [
          input.alertId,
          input.kind,
          input.severity,
          input.kioskId,
          subject,
          input.detail,
          input.detailKey,
          JSON.stringify(input.detailParams),
          input.now,
        ],
      );
      if (opened) return toAlert(opened);
      const open = await row<AlertRow>(
        tx,
        'SELECT * FROM fleet_alerts WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL',
        [input.kind, subject],
      );
      if (!open) throw new Error(`alert ${input.kind}/${subject} was resolved while being opened; retry`);
      return toAlert(open);
    });
  }

  async updateAlertDetail(input: AlertDetailUpdate): Promise<FleetAlert | undefined> {
    return inTransaction(this.pool, async (tx) => {
      await tx.query(
        `UPDATE fleet_alerts SET detail = $1, detail_key = $2, detail_params = $3, updated_at = $4
         WHERE id = $5 AND resolved_at IS NULL`,
        [input.detail, input.detailKey, JSON.stringify(input.detailParams), input.now, input.alertId],
      );
      return this.alert(tx, input.alertId);
    });
  }

  async resolveAlert(input: { alertId: string; now: number }): Promise<FleetAlert | undefined> {
    return inTransaction(this.pool, async (tx) => {
      await tx.query(
        'UPDATE fleet_alerts SET resolved_at = $1, updated_at = $1 WHERE id = $2 AND resolved_at IS NULL',
        [input.now, input.alertId],
      );
      return this.alert(tx, input.alertId);
    });
  }

  async acknowledgeAlert(input: {
    alertId: string;
    operatorName: string;
    now: number;
  }): Promise<Outcome<FleetAlert>> {
    return inTransaction(this.pool, async (tx): Promise<Outcome<FleetAlert>> => {
      // Only the first acknowledgement is recorded and audited, whichever instance it reaches.
      const acknowledged = await row<AlertRow>(
        tx,
        `UPDATE fleet_alerts SET acknowledged_at = $1, acknowledged_by = $2
         WHERE id = $3 AND acknowledged_at IS NULL RETURNING *`,
        [input.now, input.operatorName, input.alertId],
      );
      if (acknowledged) {
        await tx.query(
          `INSERT INTO audit (at, actor, kiosk_id, reservation_id, action, from_status, to_status, outcome)
           VALUES ($1, $2, $3, NULL, 'alert-acknowledge', NULL, NULL, $4)`,
          [
            input.now,
            `operator:${input.operatorName}`,
            acknowledged.kiosk_id,
            `${acknowledged.kind}:${acknowledged.id}`,
          ],
        );
        return { ok: true, value: toAlert(acknowledged) };
      }
      const existing = await this.alert(tx, input.alertId);
      return existing ? { ok: true, value: existing } : { ok: false, code: 'ALERT_NOT_FOUND' };
    });
  }

  async pruneResolvedAlerts(before: number): Promise<number> {
    return changes(this.pool, 'DELETE FROM fleet_alerts WHERE resolved_at IS NOT NULL AND resolved_at < $1', [
      before,
    ]);
  }

  // ── kiosk events and sessions ───────────────────────────────────────────────────────────────

  async kioskEventsAfter(afterSeq: number, limit: number): Promise<FedKioskEvent[]> {
    const found = await rows<{
      seq: number;
      kiosk_id: string;
      event_id: string;
      type: string;
      at: number;
      data: string | null;
    }>(
      this.pool,
      'SELECT seq, kiosk_id, event_id, type, at, data FROM kiosk_events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return found.map((r) => ({
      seq: r.seq,
      kioskId: r.kiosk_id,
      id: r.event_id,
      type: r.type,
      at: r.at,
      ...(r.data === null ? {} : { data: JSON.parse(r.data) as NonNullable<KioskEvent['data']> }),
    }));
  }

  async lastKioskEventSeq(): Promise<number> {
    return (
      (await row<{ seq: number | null }>(this.pool, 'SELECT max(seq) AS seq FROM kiosk_events'))?.seq ?? 0
    );
  }

  async failedSessionsOfKiosk(input: { kioskId: string; from: number; to: number }): Promise<number> {
    const counts = await this.failedSessionsOfKioskByCause(input);
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async failedSessionsOfKioskByCause(input: {
    kioskId: string;
    from: number;
    to: number;
  }): Promise<Record<string, number>> {
    // A session counted in bucket ≥ from was received no earlier than that bucket. The bucket is
    // the chart's (minuteBucketOf), as in the SQLite store.
    const found = await rows<{ cause: string | null; n: number }>(
      this.pool,
      `SELECT data::json ->> 'error' AS cause, count(*) AS n FROM kiosk_events
       WHERE kiosk_id = $1 AND received_at >= $2 AND type = 'session.ended'
         AND data::json ->> 'outcome' = 'failed'
         AND (least(greatest(at, received_at - 86400000), received_at) / 60000) * 60000 BETWEEN $3 AND $4
       GROUP BY 1`,
      [input.kioskId, input.from, input.from, input.to - 1],
    );
    const counts: Record<string, number> = {};
    for (const entry of found) {
      const cause = sessionCause(entry.cause);
      counts[cause] = (counts[cause] ?? 0) + entry.n;
    }
    return counts;
  }

  async failedSessionsByKioskAndCause(input: {
    from: number;
    to: number;
  }): Promise<Map<string, Record<string, number>>> {
    const found = await rows<{ kiosk_id: string; cause: string | null; n: number }>(
      this.pool,
      `SELECT kiosk_id, data::json ->> 'error' AS cause, count(*) AS n FROM kiosk_events
       WHERE received_at >= $1 AND type = 'session.ended'
         AND data::json ->> 'outcome' = 'failed'
         AND (least(greatest(at, received_at - 86400000), received_at) / 60000) * 60000 BETWEEN $2 AND $3
       GROUP BY 1, 2`,
      [input.from, input.from, input.to - 1],
    );
    return countsByKiosk(found);
  }

  async sessionRollup(input: { from: number; to: number }): Promise<SessionRollupRow[]> {
    return rows<SessionRollupRow>(
      this.pool,
      'SELECT bucket, outcome, cause, count FROM session_rollup WHERE bucket >= $1 AND bucket < $2 ORDER BY bucket',
      [input.from, input.to],
    );
  }

  async auditedRefusals(input: { code: ApiErrorCode; since: number }): Promise<number> {
    const counted = await row<{ n: number }>(
      this.pool,
      // The literal `outcome <> 'ok'` lets the planner use the refusals-only index (migration 13).
      "SELECT count(*) AS n FROM audit WHERE outcome = $1 AND outcome <> 'ok' AND at >= $2",
      [input.code, input.since],
    );
    return counted?.n ?? 0;
  }

  async fleetFailures(input: { cause: string; since: number }): Promise<number> {
    const summed = await row<{ n: number | null }>(
      this.pool,
      "SELECT sum(count)::bigint AS n FROM session_rollup WHERE outcome = 'failed' AND cause = $1 AND bucket >= $2",
      [input.cause, input.since],
    );
    return summed?.n ?? 0;
  }

  async pruneSessionRollup(before: number): Promise<number> {
    return changes(this.pool, 'DELETE FROM session_rollup WHERE bucket < $1', [before]);
  }

  async pruneKioskEvents(input: { before: number; limit: number }): Promise<number> {
    // Feed numbers are never reused here, but the newest event stays anyway, as on SQLite: the
    // feed's position must never go back.
    return changes(
      this.pool,
      `DELETE FROM kiosk_events WHERE seq IN (
         SELECT seq FROM kiosk_events
         WHERE received_at < $1 AND seq < (SELECT max(seq) FROM kiosk_events)
         ORDER BY received_at LIMIT $2)`,
      [input.before, input.limit],
    );
  }

  async reservationStats(now: number): Promise<ReservationStats> {
    const found = await rows<{ status: string; n: number }>(
      this.pool,
      'SELECT status, n FROM reservation_counts',
    );
    const counts = new Map(found.map((r) => [r.status, r.n]));
    const count = (status: string) => counts.get(status) ?? 0;
    // Active ones past their 24 hours are expired already, whether or not a sweep has marked them.
    const due =
      (
        await row<{ n: number }>(
          this.pool,
          "SELECT count(*) AS n FROM reservations WHERE status = 'active' AND expires_at <= $1",
          [now],
        )
      )?.n ?? 0;
    const created =
      (
        await row<{ n: number }>(this.pool, 'SELECT count(*) AS n FROM reservations WHERE created_at > $1', [
          now - DAY_MS,
        ])
      )?.n ?? 0;
    return {
      active: count('active') - due,
      claimed: count('claimed'),
      completed: count('completed'),
      expired: count('expired') + due,
      cancelled: count('cancelled'),
      superseded: count('superseded'),
      createdLast24h: created,
    };
  }

  private async alert(tx: Tx, id: string): Promise<FleetAlert | undefined> {
    const found = await row<AlertRow>(tx, 'SELECT * FROM fleet_alerts WHERE id = $1', [id]);
    return found ? toAlert(found) : undefined;
  }
}
