import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetApis, startFleetApis } from '../../bench/fleet/fleet-apis';
import {
  createTestDatabase,
  postgresUnavailable,
  type TestDatabase,
} from '../../reservation-api/testing/postgres-database';
import { lastAcknowledgedHeartbeats, readAckLog, runFleetCommand } from './fleet-run';

/**
 * Losing a machine: three API processes on one PostgreSQL, `npm run fleet` driving 1,000 kiosks
 * (and customers) across them; one process is SIGKILLed mid-run. The others keep answering (the
 * fleet reports a short error window, then none), and every write the fleet saw acknowledged is in
 * the database — every kiosk's heartbeats, every reservation, every completion, all counted.
 */

const INSTANCES = 3;
const KIOSKS = 1000;
const SECONDS = 16;
const KILL_AT_SECONDS = 5;
/**
 * Each kiosk heartbeats every 6 s (the kiosks' own 10 s would give kiosks whose phase falls after
 * 6 s a single heartbeat in the run: one in flight to the killed instance would leave that kiosk
 * with none acknowledged). At 6 s, a heartbeat lost at the kill (5–7 s) is followed by the kiosk's
 * next one at 11–13 s, inside the 16 s run.
 */
const HEARTBEAT_EVERY_MS = 6_000;

const unavailable = postgresUnavailable();

describe('SIGKILL of one API instance under a 1,000-kiosk fleet on PostgreSQL', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  let database: TestDatabase;
  let apis: FleetApis;
  let scratch: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The fleet monitor runs with its real tick: heartbeats are answered without waiting for it.
    apis = await startFleetApis({ instances: INSTANCES, databaseUrl: database.url });
    scratch = mkdtempSync(join(tmpdir(), 'fleet-kill-'));
  });
  afterAll(async () => {
    await apis?.stop();
    await database?.drop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('the other instances keep answering and no acknowledged write is lost', async () => {
    const victim = apis.servers[1]!;
    const ackLog = join(scratch, 'acks.jsonl');
    let killedAtS: number | undefined;
    const run = await runFleetCommand(
      [
        '--api',
        apis.urls.join(','),
        '--kiosks',
        String(KIOSKS),
        '--duration',
        String(SECONDS),
        '--sessions-per-hour',
        '1800',
        '--cards',
        '6',
        '--report-every',
        '2',
        '--heartbeat-every',
        String(HEARTBEAT_EVERY_MS),
        '--api-data',
        apis.dataDir,
        `--clock-offset=${apis.clockOffsetMs}`,
        '--ack-log',
        ackLog,
      ],
      { FLEET_OPERATOR_TOKEN: apis.token },
      (line) => {
        const elapsed = /^\[fleet\] ([\d.]+)\/\d+ s/.exec(line)?.[1];
        if (killedAtS === undefined && elapsed !== undefined && Number(elapsed) >= KILL_AT_SECONDS) {
          killedAtS = Number(elapsed);
          victim.process.kill('SIGKILL');
        }
      },
    );
    const { summary } = run;
    expect(killedAtS).toBeDefined();
    expect(victim.process.signalCode).toBe('SIGKILL');

    // The loss shows as connection failures around the kill, and stops there.
    const window = summary.error_window;
    expect(window).not.toBeNull();
    expect(window!.first_s).toBeGreaterThanOrEqual(killedAtS! - 1);
    expect(window!.ms).toBeLessThan(5_000);
    for (const byStatus of Object.values(summary.errors)) {
      for (const status of Object.keys(byStatus)) expect(['network', 'timeout']).toContain(status);
    }
    // The survivors carry the fleet: after the error window, intervals without errors and the
    // heartbeats answered.
    const intervals = run.lines.filter((line) => line.type === 'interval') as unknown as Array<{
      t_s: number;
      errors: Record<string, unknown>;
      acknowledged: { heartbeat: number };
    }>;
    const after = intervals.filter((line) => line.t_s - 2 > window!.last_s);
    expect(after.length).toBeGreaterThanOrEqual(1);
    for (const line of after) {
      expect(line.errors).toEqual({});
      expect(line.acknowledged.heartbeat).toBeGreaterThan(0);
    }
    expect(summary.sessions.completed).toBeGreaterThanOrEqual(1);

    // Every acknowledged write is in the database, counted.
    const acks = readAckLog(ackLog);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows: heartbeatRows } = await client.query<{ kiosk_id: string; heartbeat: string }>(
        'SELECT kiosk_id, heartbeat FROM kiosk_heartbeats',
      );
      const stored = new Map(
        heartbeatRows.map((row) => [
          row.kiosk_id,
          (JSON.parse(row.heartbeat) as { counters: { heartbeats: number } }).counters.heartbeats,
        ]),
      );
      const acknowledged = lastAcknowledgedHeartbeats(acks);
      expect(acknowledged.size).toBe(KIOSKS);
      // A heartbeat committed whose answer died with the instance may be newer: never older.
      const behind = [...acknowledged].filter(([kioskId, seq]) => (stored.get(kioskId) ?? 0) < seq);
      expect(behind).toEqual([]);
      expect(acks.filter((ack) => ack.kind === 'heartbeat').length).toBe(summary.acknowledged['heartbeat']);

      const created = acks.flatMap((ack) => (ack.kind === 'reservation' ? [ack.reservationId] : []));
      expect(created.length).toBe(summary.acknowledged['reservation_create']);
      const { rows: reservations } = await client.query<{ id: string }>(
        'SELECT id FROM reservations WHERE id = ANY($1)',
        [created],
      );
      expect(reservations.length).toBe(created.length);
      const completed = acks.flatMap((ack) => (ack.kind === 'complete' ? [ack.claimId] : []));
      expect(completed.length).toBe(summary.acknowledged['complete']);
      const { rows: claims } = await client.query<{ id: string }>(
        "SELECT id FROM claims WHERE id = ANY($1) AND outcome = 'completed'",
        [completed],
      );
      expect(claims.length).toBe(completed.length);
    } finally {
      await client.end();
    }
  }, 120_000);
});
