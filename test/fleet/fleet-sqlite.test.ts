import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FleetApis, startFleetApis } from '../../bench/fleet/fleet-apis';
import { lastAcknowledgedHeartbeats, readAckLog, runFleetCommand } from './fleet-run';

/**
 * `npm run fleet` for a few seconds against a real API process on SQLite: what the simulator says
 * the API acknowledged is what the database holds — each kiosk's last stored heartbeat is the last
 * one it saw acknowledged, reservations created and sessions completed are counted in the tables —
 * and a second run with the same --data reuses the registrations.
 */

const KIOSKS = 60;
const SECONDS = 4;

let apis: FleetApis;
let fleetData: string;

describe('npm run fleet against the API on SQLite', () => {
  beforeAll(async () => {
    apis = await startFleetApis({ instances: 1 });
    fleetData = mkdtempSync(join(tmpdir(), 'fleet-data-'));
  });
  afterAll(async () => {
    await apis?.stop();
    if (fleetData) rmSync(fleetData, { recursive: true, force: true });
  });

  const common = () => [
    '--api',
    apis.urls.join(','),
    '--kiosks',
    String(KIOSKS),
    '--data',
    fleetData,
    '--api-data',
    apis.dataDir,
    `--clock-offset=${apis.clockOffsetMs}`,
    '--report-every',
    '2',
  ];

  it('counts in the database exactly the heartbeats and sessions it reports acknowledged', async () => {
    const ackLog = join(fleetData, 'acks.jsonl');
    const run = await runFleetCommand(
      [
        ...common(),
        '--duration',
        String(SECONDS),
        '--sessions-per-hour',
        '3600',
        '--cards',
        '4',
        '--ack-log',
        ackLog,
      ],
      { FLEET_OPERATOR_TOKEN: apis.token },
    );
    const { summary } = run;
    expect(run.lines[0]).toMatchObject({ type: 'start', kiosks: KIOSKS, kiosks_registered: KIOSKS });
    expect(run.lines.filter((line) => line.type === 'interval').length).toBeGreaterThanOrEqual(1);
    expect(summary.errors).toEqual({});
    // 60 kiosks every 10 s: 6 a second asked, every one sent and answered.
    expect(summary.heartbeats_asked_per_s).toBeCloseTo(KIOSKS / 10, 0);
    expect(summary.heartbeats.sent).toBe(summary.heartbeats.due);
    expect(summary.acknowledged['heartbeat']).toBe(summary.heartbeats.sent);
    expect(summary.sessions.completed).toBeGreaterThanOrEqual(1);
    expect(summary.acknowledged['complete']).toBe(summary.sessions.completed);

    const acks = readAckLog(ackLog);
    const db = new Database(join(apis.dataDir, 'reservation-api.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM kiosks').get()).toEqual({ n: KIOSKS });
      const stored = new Map(
        (
          db.prepare('SELECT kiosk_id, heartbeat FROM kiosk_heartbeats').all() as Array<{
            kiosk_id: string;
            heartbeat: string;
          }>
        ).map((row) => [
          row.kiosk_id,
          (JSON.parse(row.heartbeat) as { counters: { heartbeats: number } }).counters.heartbeats,
        ]),
      );
      // Every kiosk's last acknowledged heartbeat is the one stored, and they add up to the total.
      expect(stored).toEqual(lastAcknowledgedHeartbeats(acks));
      expect([...stored.values()].reduce((sum, n) => sum + n, 0)).toBe(summary.acknowledged['heartbeat']);

      const created = acks.filter((ack) => ack.kind === 'reservation').map((ack) => ack.reservationId);
      expect(created.length).toBe(summary.acknowledged['reservation_create']);
      const reservations = db.prepare('SELECT id, status FROM reservations').all() as Array<{
        id: string;
        status: string;
      }>;
      expect(reservations.map((r) => r.id).sort()).toEqual([...created].sort());
      const completed = db
        .prepare("SELECT reservation_id FROM claims WHERE outcome = 'completed'")
        .all() as Array<{ reservation_id: string }>;
      expect(completed.map((c) => c.reservation_id).sort()).toEqual(
        acks.flatMap((ack) => (ack.kind === 'complete' ? [ack.reservationId] : [])).sort(),
      );
      expect(reservations.filter((r) => r.status === 'completed').length).toBe(summary.sessions.completed);
    } finally {
      db.close();
    }
  }, 90_000);

  it('reuses the registrations of --data on the next run (no token needed)', async () => {
    const run = await runFleetCommand([...common(), '--duration', '1']);
    expect(run.lines[0]).toMatchObject({ type: 'start', kiosks_reused: KIOSKS, kiosks_registered: 0 });
    expect(run.summary.errors).toEqual({});
    expect(run.summary.acknowledged['heartbeat']).toBeGreaterThan(0);
    const db = new Database(join(apis.dataDir, 'reservation-api.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM kiosks').get()).toEqual({ n: KIOSKS });
    } finally {
      db.close();
    }
  }, 60_000);
});
